"""``/collab prep``: faculty get the agenda draft for the next interim call in a direct message
(others get a polite no). Acked at once; the draft is built after the ack, like the digest preview."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.context import BotContext
from bot.prep.service import NO_CALL, coached_by, next_call_draft
from bot.prep.views import FAILED, PREPARING, prep_message, prep_refusal
from bot.results import Refusal
from handlers.collab_command import Reply, subcommand
from storage.people import Person

log = logging.getLogger(__name__)


@subcommand("prep")
def call_prep(ctx: BotContext, person: Person, rest: str, reply: Reply, command: dict[str, Any]) -> None:
    coached = coached_by(person)
    if isinstance(coached, Refusal):
        reply(**prep_refusal(coached.text))
        return
    reply(**prep_refusal(PREPARING))
    for collaborative_id in coached:
        client = ctx.client_for(collaborative_id)  # the asker's own workspace
        if client is None:
            continue
        try:
            draft = next_call_draft(ctx, collaborative_id, ctx.now())
            msg = prep_message(draft) if draft is not None else prep_refusal(NO_CALL)
            client.chat_postMessage(channel=person.user_id, unfurl_links=False, **msg)
        except Exception:  # noqa: BLE001 - the person must hear back, whatever went wrong
            log.exception("call prep for collaborative %s failed", collaborative_id)
            try:
                client.chat_postMessage(channel=person.user_id, **prep_refusal(FAILED))
            except (SlackApiError, SlackClientError, OSError) as exc:
                log.warning("could not tell %s the prep failed: %s", person.user_id, type(exc).__name__)


def register(app: App, ctx: BotContext) -> None:
    """The sub-command registers itself with ``/collab`` on import; nothing else to wire."""
    return None
