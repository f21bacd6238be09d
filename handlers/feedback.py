"""The "Give feedback" button: until the feedback form exists, a modal says it is coming soon.

Only people of the call's collaborative may give feedback (``bot.access``); anyone else is told so.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.access import Action
from bot.calls.service import may_answer
from bot.calls.views import (
    FEEDBACK_ACTION,
    FEEDBACK_NOT_IN_COLLABORATIVE,
    FEEDBACK_SOON,
    feedback_coming_soon_view,
)
from bot.context import BotContext
from bot.slack.payloads import parse_id
from handlers.gate import person_of


def register(app: App, ctx: BotContext) -> None:
    @app.action(FEEDBACK_ACTION)
    def feedback_open(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        event_id = parse_id(action.get("value"))
        allowed = event_id is not None and may_answer(ctx, person_of(context), Action.FEEDBACK, event_id)
        text = FEEDBACK_SOON if allowed else FEEDBACK_NOT_IN_COLLABORATIVE
        view = feedback_coming_soon_view(text)
        client.views_open(trigger_id=body["trigger_id"], view=view)
