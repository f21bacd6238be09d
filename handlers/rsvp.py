"""RSVP buttons on call reminders ("Going" / "Can't make it"): store the answer, refresh the counts.

Only people of the call's collaborative may answer (``bot.access``); anyone else is told so
privately and nothing is stored. The same buttons are on the Home tab: an answer there refreshes it.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.calls.service import RsvpRefused, record_rsvp
from bot.calls.views import (
    CALL_GONE,
    NOT_IN_COLLABORATIVE,
    RSVP_GOING,
    RSVP_NOT_GOING,
    STALE_BUTTON,
    rsvp_confirmation,
)
from bot.context import BotContext
from bot.home.publish import refresh_home
from bot.slack.payloads import parse_id
from handlers.gate import faculty_of, person_of
from storage.enums import RsvpAnswer

RESPONSES = {RSVP_GOING: RsvpAnswer.GOING, RSVP_NOT_GOING: RsvpAnswer.NOT_GOING}


def register(app: App, ctx: BotContext) -> None:
    @app.action(re.compile(f"^({RSVP_GOING}|{RSVP_NOT_GOING})$"))
    def rsvp(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        person = person_of(context)
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        ts = (body.get("message") or {}).get("ts") or (body.get("container") or {}).get("message_ts")
        response = RESPONSES[action["action_id"]]
        event_id = parse_id(action.get("value"))
        if event_id is None:
            text = STALE_BUTTON
        else:
            clicked = (str(channel), str(ts)) if channel and ts else None
            result = record_rsvp(ctx, person, event_id, response, clicked)
            if isinstance(result, RsvpRefused):
                text = NOT_IN_COLLABORATIVE
            else:
                text = rsvp_confirmation(response, result.title) if result else CALL_GONE
        if channel:
            client.chat_postEphemeral(channel=channel, user=person.user_id, text=text)
        elif (body.get("view") or {}).get("type") == "home":  # from the Home tab: show the new answer there
            refresh_home(ctx, client, person, faculty_of(context))
