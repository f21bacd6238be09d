"""The "Give feedback" button: until the feedback form exists, a modal says it is coming soon."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.calls.views import FEEDBACK_ACTION, feedback_coming_soon_view
from bot.context import BotContext


def register(app: App, ctx: BotContext) -> None:
    @app.action(FEEDBACK_ACTION)
    def feedback_open(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=feedback_coming_soon_view())
