"""The collaborative's peer-sharing channel: its ID, creating or finding it when only a name is set.

The collaborative file gives either the ``id`` of an existing channel or a ``name`` for the bot to
create. The ID found is stored on the collaborative, so Slack is asked once.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.context import BotContext
from storage.collaboratives import set_peer_channel_id
from storage.models import Collaborative

log = logging.getLogger(__name__)


def ensure_peer_channel(ctx: BotContext, collaborative_id: int) -> str | None:
    """The peer channel's ID, or None when none is configured or Slack could not give one."""
    with ctx.db.reader() as session:
        collab = session.get(Collaborative, collaborative_id)
        if collab is None:
            return None
        channel_id, name, topic = collab.peer_channel_id, collab.peer_channel_name, collab.peer_channel_topic
    if channel_id:
        return channel_id
    if not name:
        return None
    try:
        channel_id = _create(ctx, name, topic) or _find_by_name(ctx, name)
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.warning("peer channel %s: Slack did not answer (%s); will try again", name, type(exc).__name__)
        return None
    if channel_id is None:
        log.warning("peer channel %s exists but the bot cannot see it: add its id to the file", name)
        return None
    with ctx.db.transaction() as session:
        set_peer_channel_id(session, collaborative_id, channel_id)
    return channel_id


def _create(ctx: BotContext, name: str, topic: str | None) -> str | None:
    try:
        response = ctx.client.conversations_create(name=name, is_private=False)
    except SlackApiError as exc:
        if exc.response is not None and exc.response.get("error") == "name_taken":
            return None
        raise
    channel_id = str(response["channel"]["id"])
    if topic:
        try:
            ctx.client.conversations_setTopic(channel=channel_id, topic=topic[:250])
        except SlackApiError as exc:
            log.info("peer channel topic not set: %s", exc.response.get("error") if exc.response else "error")
    return channel_id


def _find_by_name(ctx: BotContext, name: str) -> str | None:
    """An existing public channel called ``name`` (conversations.list, paged)."""
    cursor: str | None = None
    while True:
        try:
            page = ctx.client.conversations_list(
                types="public_channel", exclude_archived=True, limit=200, cursor=cursor
            )
        except SlackApiError:
            return None
        for channel in page.get("channels") or []:
            if channel.get("name") == name:
                ctx.client.conversations_join(channel=channel["id"])
                return str(channel["id"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return None
