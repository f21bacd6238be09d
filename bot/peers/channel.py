"""Finding (or creating) a collaborative's peer-sharing channel, for anything that posts there.

A collaborative file names the channel by ``id`` or by ``name``. With only a name, the bot creates
the channel (``conversations.create``); if the name is taken, it finds the existing channel with
``conversations.list`` and joins it. The id is then stored, so this happens once.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.context import BotContext
from bot.slack import watch
from bot.slack.client import slack_error_code
from storage.peer_channels import peer_channel_of, remember_peer_channel_id

log = logging.getLogger(__name__)


def find_channel_by_name(client: WebClient, name: str) -> str | None:
    """The id of the public channel called ``name`` (not archived), joining it if needed.

    Private channels are not searched (that would need ``groups:read``): name an existing private
    channel by its ``id`` in the file, and invite the bot.
    """
    cursor: str | None = None
    while True:
        response = client.conversations_list(
            types="public_channel", exclude_archived=True, limit=200, cursor=cursor
        )
        for channel in response.get("channels") or []:
            if channel.get("name") == name:
                channel_id = str(channel["id"])
                if not channel.get("is_member", True) and not channel.get("is_private"):
                    client.conversations_join(channel=channel_id)
                return channel_id
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return None


def _create(client: WebClient, name: str, topic: str | None) -> str | None:
    try:
        response = client.conversations_create(name=name)
    except SlackApiError as exc:
        if slack_error_code(exc) != "name_taken":
            raise
        return find_channel_by_name(client, name)
    channel_id = str(response["channel"]["id"])
    if topic:
        try:
            client.conversations_setTopic(channel=channel_id, topic=topic[:250])
        except SlackApiError as exc:
            log.warning("could not set the peer channel topic: %s", slack_error_code(exc))
    return channel_id


def ensure_peer_channel(ctx: BotContext, collaborative_id: int) -> str | None:
    """The peer-sharing channel's id, creating or finding it by name the first time; None if none."""
    with ctx.db.reader() as session:
        peer = peer_channel_of(session, collaborative_id)
    if peer is None:
        return None
    if peer.channel_id:
        return peer.channel_id
    if not peer.name:
        return None
    if watch.rehearsing() is not None:  # a dry run creates nothing
        return f"#{peer.name} (to be created)"
    client = ctx.client_for(collaborative_id)
    if client is None:  # the app is not installed in the collaborative's workspace
        return None
    try:
        channel_id = _create(client, peer.name, peer.topic)
    except SlackApiError as exc:
        log.warning("could not set up the peer channel: %s", slack_error_code(exc))
        return None
    except (SlackClientError, OSError) as exc:
        log.warning("could not set up the peer channel: %s", type(exc).__name__)
        return None
    if channel_id is None:
        log.warning("peer channel name is taken but the channel was not found")
        return None
    with ctx.db.transaction() as session:
        remember_peer_channel_id(session, collaborative_id, channel_id)
    return channel_id
