"""``/collab digest``: faculty preview this week's digest privately (others get a polite no)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.access import Action, collaboratives_where, refused
from bot.context import BotContext
from bot.digest.delivery import send_preview, tell_preview_failed
from bot.digest.views import preparing_message, refusal_message
from handlers.collab_command import Reply, subcommand
from storage.people import Person

log = logging.getLogger(__name__)


@subcommand("digest")
def digest_preview(ctx: BotContext, person: Person, rest: str, reply: Reply, command: dict[str, Any]) -> None:
    faculty_of = collaboratives_where(person, Action.PREVIEW_DIGEST)
    if not faculty_of:
        refused(person, Action.PREVIEW_DIGEST)
        reply(**refusal_message())
        return
    reply(**preparing_message())  # answered at once; the digest is built after
    for collaborative_id in faculty_of:
        client = ctx.client_for(collaborative_id)  # the asker's own workspace
        if client is None:
            continue
        try:
            send_preview(ctx, client, person.user_id, collaborative_id, ctx.now())
        except Exception:  # noqa: BLE001 - the person must hear back, whatever went wrong
            log.exception("digest preview for collaborative %s failed", collaborative_id)
            tell_preview_failed(client, person.user_id)


def register(app: App, ctx: BotContext) -> None:
    """The sub-command registers itself with ``/collab`` on import; nothing else to wire."""
    return None
