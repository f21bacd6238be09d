"""The collaborative's peer-sharing channel: setting it up and keeping its members in sync
(``collab-bot channels sync``, and ``load`` after a good load), and finding it for posts.

* A file ``name`` is created as a **private** channel (``conversations.create is_private``), with
  the file's topic and purpose; its id is stored, so later syncs use that channel. A name taken by
  a channel the bot did not create is never reused: the file must give that channel's ``id``.
* A file ``id`` is joined when public; a private one must already include the bot (``/invite``).
* Every active team member and the faculty are invited (``conversations.invite``, up to 1,000 a
  call; the retrying client waits out rate limits); people dropped from the file are removed
  (``conversations.kick``). Anyone else in the channel is left alone. A second sync calls nothing
  that changes Slack.
* Posts meant for a peer channel that does not exist yet wait in the ledger
  (:data:`storage.peer_channels.AWAITING_PEER_CHANNEL`) and go out right after the sync.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.context import BotContext
from bot.peers import rules
from bot.slack.client import slack_error_code
from bot.slack.delivery import send_recorded
from storage.peer_channels import (
    AWAITING_PEER_CHANNEL,
    PeerChannel,
    peer_channel_of,
    peer_people,
    release_held_posts,
    remember_peer_channel_id,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncResult:
    """What one sync did (``ok``) or why it could not (``problem``); ``line`` says it in one line."""

    ok: bool
    line: str
    channel_id: str | None = None
    invited: int = 0
    removed: int = 0


class _Refused(Exception):
    """A sync stops with a message for the admin."""


def existing_peer_channel(ctx: BotContext, collaborative_id: int) -> str | None:
    """The peer channel's id once it exists (given in the file, or created by a sync); else None."""
    with ctx.db.reader() as session:
        peer = peer_channel_of(session, collaborative_id)
    return peer.channel_id if peer is not None else None


def peer_channel_for_posts(ctx: BotContext, collaborative_id: int) -> str | None:
    """Where a post to the peer channel goes: its id, or (named but not created yet) the ledger's
    waiting channel, so the post is held until the next sync; None when the file names none."""
    with ctx.db.reader() as session:
        peer = peer_channel_of(session, collaborative_id)
    if peer is None or (peer.channel_id is None and peer.name is None):
        return None
    return peer.channel_id or AWAITING_PEER_CHANNEL


def sync_peer_channel(ctx: BotContext, collaborative_id: int) -> SyncResult | None:
    """Set up the collaborative's peer channel and its members; None when the file names none."""
    with ctx.db.reader() as session:
        peer = peer_channel_of(session, collaborative_id)
        people = peer_people(session, collaborative_id)
    if peer is None or (peer.channel_id is None and peer.name is None):
        return None
    client = ctx.client_for(collaborative_id)
    if client is None:
        return SyncResult(
            False, "the app is not installed in the collaborative's workspace: nothing was changed"
        )
    try:
        return _sync(ctx, client, peer, people.wanted, people.dropped)
    except _Refused as exc:
        return SyncResult(False, str(exc))
    except SlackApiError as exc:
        return SyncResult(False, _slack_problem(exc))
    except (SlackClientError, OSError) as exc:
        log.warning("peer channel sync: Slack unreachable (%s)", type(exc).__name__)
        return SyncResult(
            False, f"Slack could not be reached ({type(exc).__name__}); run the sync again later"
        )


def _slack_problem(exc: SlackApiError) -> str:
    code = slack_error_code(exc)
    if code == "missing_scope":
        needed = exc.response.get("needed") if exc.response is not None else None
        return (
            f"the app lacks the `{needed or 'needed'}` scope: update it from `collab-bot manifest` "
            "and reinstall it"
        )
    return f"Slack refused it ({code})"


def _call(method: str, fn: Any, **kwargs: Any) -> Any:
    try:
        return fn(**kwargs)
    except SlackApiError as exc:
        log.warning("peer channel sync: %s failed: %s", method, slack_error_code(exc))
        raise


def _info(client: WebClient, channel_id: str) -> dict[str, Any] | None:
    """The channel as the bot sees it; None when the bot cannot see it."""
    try:
        response = client.conversations_info(channel=channel_id)
    except SlackApiError as exc:
        if slack_error_code(exc) in ("channel_not_found", "not_in_channel"):
            return None
        raise
    return dict(response["channel"])


def _sync(
    ctx: BotContext, client: WebClient, peer: PeerChannel, wanted: frozenset[str], dropped: frozenset[str]
) -> SyncResult:
    bot_user = str(client.auth_test().get("user_id") or "") or None
    created = joined = False
    channel: dict[str, Any] | None = None
    if peer.given_by_id:
        assert peer.channel_id is not None
        channel = _info(client, peer.channel_id)
        if channel is None or channel.get("is_archived"):
            raise _Refused(rules.not_invited(peer.channel_id))
        if not channel.get("is_member"):
            if channel.get("is_private"):
                raise _Refused(rules.not_invited(peer.channel_id))
            _call("conversations.join", client.conversations_join, channel=peer.channel_id)
            joined = True
    else:
        assert peer.name is not None
        lost = None
        if peer.channel_id:  # created by an earlier sync
            channel = _info(client, peer.channel_id)
            if channel is not None and channel.get("is_archived"):
                raise _Refused(rules.archived(peer.name))
            lost = peer.channel_id if channel is None else None
        if channel is None:
            channel = _create(client, peer.name, lost)
            created = True
            with ctx.db.transaction() as session:
                remember_peer_channel_id(session, peer.collaborative_id, str(channel["id"]))
    channel_id = str(channel["id"])
    name = str(channel.get("name") or peer.name or channel_id)
    topic = _set_text(client, channel, "topic", peer.topic)
    purpose = _set_text(client, channel, "purpose", peer.purpose)
    plan = rules.plan_members(wanted, dropped, _members(client, channel_id), bot_user)
    refused: dict[str, str] = {}
    for batch in rules.batches(plan.invite):
        refused.update(_invite(client, channel_id, batch))
    for user in plan.remove:
        _call("conversations.kick", client.conversations_kick, channel=channel_id, user=user)
    held = release_held_posts(ctx.db, peer.collaborative_id, channel_id)
    released = send_recorded(ctx, held).sent if held else 0
    line = rules.describe_sync(
        name,
        created=created,
        joined=joined,
        invited=len(plan.invite) - len(refused),
        removed=len(plan.remove),
        topic=topic,
        purpose=purpose,
        released=released,
    )
    if refused:
        codes = ", ".join(sorted(set(refused.values())))
        line += f"; could not invite {len(refused)} ({codes}): {', '.join(sorted(refused))}"
    return SyncResult(True, line, channel_id, len(plan.invite) - len(refused), len(plan.remove))


def _invite(client: WebClient, channel_id: str, users: list[str]) -> dict[str, str]:
    """Invite ``users`` (one call; ``force``: the valid ones are invited even when some are not);
    the users Slack refused, with its reason (e.g. a deactivated account)."""
    try:
        response: Any = client.conversations_invite(channel=channel_id, users=",".join(users), force=True)
    except SlackApiError as exc:
        response = exc.response
        if response is None or not response.get("errors"):
            log.warning("peer channel sync: conversations.invite failed: %s", slack_error_code(exc))
            raise
    return {
        str(e["user"]): str(e.get("error") or "refused")
        for e in response.get("errors") or []
        if isinstance(e, dict) and e.get("user") and e.get("error") != "already_in_channel"
    }


def _create(client: WebClient, name: str, lost: str | None = None) -> dict[str, Any]:
    """Create the private channel; ``lost``: the id of the one an earlier sync created, which the
    bot can no longer see (removed from it: its name is still taken)."""
    try:
        response = client.conversations_create(name=name, is_private=True)
    except SlackApiError as exc:
        code = slack_error_code(exc)
        if code == "name_taken":
            raise _Refused(rules.not_invited(lost) if lost else rules.name_taken(name)) from None
        if code.startswith("invalid_name"):
            raise _Refused(rules.name_refused(name, code)) from None
        raise
    return dict(response["channel"])


def _set_text(client: WebClient, channel: dict[str, Any], field: str, wanted: str | None) -> bool:
    """Set the channel's topic or purpose to the file's, when the file has one and it differs."""
    if not wanted:
        return False
    current = (channel.get(field) or {}).get("value") or ""
    if html.unescape(current) == wanted:  # Slack may answer with & < > as entities
        return False
    if field == "topic":
        _call("conversations.setTopic", client.conversations_setTopic, channel=channel["id"], topic=wanted)
    else:
        _call(
            "conversations.setPurpose", client.conversations_setPurpose, channel=channel["id"], purpose=wanted
        )
    return True


def _members(client: WebClient, channel_id: str) -> set[str]:
    members: set[str] = set()
    cursor: str | None = None
    while True:
        response = client.conversations_members(channel=channel_id, limit=1000, cursor=cursor)
        members.update(str(m) for m in response.get("members") or [])
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return members
