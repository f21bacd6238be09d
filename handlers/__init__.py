"""Slack listeners. Each module has ``register(app, ctx)``; they stay thin."""

from __future__ import annotations

from slack_bolt import App

from bot.context import BotContext


def register_all(app: App, ctx: BotContext) -> None:
    from handlers import (
        collab_command,
        digest,
        events,
        feedback,
        gate,
        measures,
        pdsa,
        peers,
        prep,
        rsvp,
        scores,
    )

    # messages outside the peer channels are dropped before anything else looks at them; then the
    # workspace gate, before every other middleware and listener
    peers.register_drop_others(app, ctx)
    modules = (gate, events, collab_command, digest, prep, measures, pdsa, rsvp, feedback, peers, scores)
    for module in modules:
        module.register(app, ctx)
