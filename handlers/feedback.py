"""The "Give feedback" button, the feedback form and ``/collab feedback [event]``: thin listeners
over ``bot.feedback.service``.

Only people of the call's collaborative may give feedback (``bot.access``); anyone else is told so.
After the 14-day window the button opens a notice that the window has closed. The summary is for
faculty only.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any, assert_never
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.calls.views import FEEDBACK_ACTION
from bot.context import BotContext
from bot.feedback.service import (
    FeedbackScreen,
    SummaryShown,
    WindowClosed,
    open_feedback,
    submit_feedback,
    summary_for,
)
from bot.feedback.views import (
    CALLBACK,
    FRAME,
    STALE_BUTTON,
    STALE_FORM,
    EventRef,
    closed_request,
    feedback_modal,
    read_form,
    refusal_reply,
    saved_view,
    summary_reply,
)
from bot.results import Refusal
from bot.slack.modals import notice_view
from bot.slack.payloads import parse, parse_id
from handlers.collab_command import Reply, subcommand
from handlers.gate import person_of
from handlers.submissions import ack_outcome, once
from storage.people import Person

log = logging.getLogger(__name__)


@subcommand("feedback")
def feedback_summary(
    ctx: BotContext, person: Person, rest: str, reply: Reply, command: dict[str, Any]
) -> None:
    """``/collab feedback [event]``: the summary faculty get by DM, on demand, privately."""
    shown = summary_for(ctx, person, rest)
    match shown:
        case Refusal(text):
            reply(**refusal_reply(text))
        case SummaryShown(summary, timezone):
            reply(**summary_reply(summary, ZoneInfo(timezone)))
        case _:
            assert_never(shown)


def close_request(client: WebClient, body: dict[str, Any], title: str, closed_on: date) -> None:
    """The button was pressed on the request after its window closed: the request says so now."""
    container = body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    if container.get("type") != "message" or not channel or not ts:
        return
    try:
        client.chat_update(channel=channel, ts=ts, **closed_request(title, closed_on))
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.warning("feedback request not marked closed: %s", type(exc).__name__)


def register(app: App, ctx: BotContext) -> None:
    @app.action(FEEDBACK_ACTION)
    def feedback_open(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        ack()
        event_id = parse_id(action.get("value"))
        screen: FeedbackScreen | Refusal = (
            Refusal(STALE_BUTTON) if event_id is None else open_feedback(ctx, person_of(context), event_id)
        )
        if isinstance(screen, WindowClosed) and screen.closed_on is not None:
            close_request(client, body, screen.title, screen.closed_on)
        match screen:
            case Refusal(text):
                view = notice_view(FRAME, text)
            case FeedbackScreen():
                view = feedback_modal(screen)
            case _:
                assert_never(screen)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def feedback_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        ref = parse(EventRef, view.get("private_metadata"))
        if ref is None:
            ack(response_action="update", view=notice_view(FRAME, STALE_FORM))
            return
        outcome = submit_feedback(ctx, person_of(context), ref.event_id, read_form(view["state"]["values"]))
        ack_outcome(ack, FRAME, outcome, saved_view)

    app.view(CALLBACK)(once(ctx, feedback_submitted))  # a double click is one answer
