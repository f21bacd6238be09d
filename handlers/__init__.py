"""Slack listeners. Each module has ``register(app, ctx)``; they stay thin."""

from __future__ import annotations

from slack_bolt import App

from bot.context import BotContext


def register_all(app: App, ctx: BotContext) -> None:
    from handlers import collab_command, digest, events, feedback, gate, measures, pdsa, peers, prep, rsvp

    # the workspace gate first: it runs before every other middleware and listener
    for module in (gate, events, collab_command, digest, prep, measures, pdsa, rsvp, feedback, peers):
        module.register(app, ctx)
