"""Peer-channel engagement, counted and never read.

A ``message`` event is looked at only for its channel first: unless that is a collaborative's peer
channel, it is dropped on arrival. In a peer channel, a post or thread reply by someone on a team
adds one to that team's ISO week, with the person as a one-way hash (salted with the collaborative
and the week) so distinct people can be counted; the text is never stored or logged. A retried
event is dropped before this by the event-id check (``handlers/events.py``). Someone who joins a
peer channel gets a short welcome DM, once (ledger).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.context import BotContext
from bot.months import iso_week, local_date
from bot.peers import views
from bot.slack.delivery import Outcome, Outgoing, deliver
from storage.collaboratives import active_teams
from storage.db import Database
from storage.peer_activity import count_message, team_weeks
from storage.peer_channels import active_with_peer_channel
from storage.people import find_person
from storage.workspaces import Workspace

WELCOME_JOB = "peer-welcome"
#: Message subtypes that are a person writing (others, e.g. joins, edits, deletions, bots, are not).
COUNTED_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})


@dataclass(frozen=True)
class PeerChannelOf:
    collaborative_id: int
    name: str
    timezone: str


def peer_channel_collaborative(db: Database, workspace: Workspace, channel: str) -> PeerChannelOf | None:
    """The active collaborative of ``workspace`` whose peer channel is ``channel``; None otherwise."""
    if not channel:
        return None
    with db.reader() as session:
        rows = active_with_peer_channel(session, channel)
        for collab in rows:
            if collab.workspace in (None, workspace.team_id) or (
                collab.enterprise is not None and collab.enterprise == workspace.enterprise_id
            ):
                return PeerChannelOf(collab.id, collab.name, collab.timezone)
    return None


def person_hash(collaborative_id: int, week: str, user_id: str) -> str:
    return hashlib.sha256(f"{collaborative_id}:{week}:{user_id}".encode()).hexdigest()[:32]


def count_peer_message(ctx: BotContext, workspace: Workspace, event: dict[str, Any]) -> bool:
    """Count one message event if it is a team member's post or reply in a peer channel."""
    peer = peer_channel_collaborative(ctx.db, workspace, str(event.get("channel") or ""))
    if peer is None:
        return False
    user = event.get("user")
    if not user or event.get("bot_id") or event.get("subtype") not in COUNTED_SUBTYPES:
        return False
    with ctx.db.reader() as session:
        person = find_person(session, workspace, str(user))
    seat = next((s for s in person.seats if s.collaborative_id == peer.collaborative_id), None)
    if seat is None:
        return False  # faculty and guests are not a team
    try:
        at = datetime.fromtimestamp(float(event.get("ts") or 0), tz=UTC)
    except ValueError:
        at = ctx.now()
    week = iso_week(local_date(at, peer.timezone))
    thread = event.get("thread_ts")
    reply = bool(thread) and thread != event.get("ts")
    count_message(
        ctx.db,
        peer.collaborative_id,
        seat.team_id,
        week,
        person_hash(peer.collaborative_id, week, str(user)),
        reply=reply,
    )
    return True


def welcome_joiner(
    ctx: BotContext, workspace: Workspace, event: dict[str, Any], bot_user: str | None
) -> Outcome | None:
    """A short welcome DM to someone who joined a peer channel (once per person and collaborative)."""
    user = str(event.get("user") or "")
    peer = peer_channel_collaborative(ctx.db, workspace, str(event.get("channel") or ""))
    if peer is None or not user or user == bot_user:
        return None
    with ctx.db.reader() as session:
        person = find_person(session, workspace, user)
    seat = next((s for s in person.seats if s.collaborative_id == peer.collaborative_id), None)
    key = f"{WELCOME_JOB}:{peer.collaborative_id}:{user}"
    message = views.welcome(seat.team_name if seat else None, peer.name)
    return deliver(ctx, Outgoing(key, WELCOME_JOB, user, message, peer.collaborative_id))


def engagement_line(db: Database, collaborative_id: int, as_of: datetime, timezone: str) -> str:
    """For the digest: last ISO week's posts and replies, how many teams took part, the quietest."""
    week = iso_week(local_date(as_of, timezone) - timedelta(days=7))
    with db.reader() as session:
        teams = active_teams(session, collaborative_id)
        rows = {r.team_key: r for r in team_weeks(session, collaborative_id, week)}
    posts = sum(r.posts for r in rows.values())
    replies = sum(r.replies for r in rows.values())
    active = [t for t in teams if t.key in rows]
    quiet = [t.name for t in teams if t.key not in rows]
    if not quiet and active:
        least = min(rows[t.key].posts + rows[t.key].replies for t in active)
        quiet = [t.name for t in active if rows[t.key].posts + rows[t.key].replies == least]
    line = (
        f"{posts} post{'' if posts == 1 else 's'} and {replies} repl{'y' if replies == 1 else 'ies'} "
        f"from {len(active)} of {len(teams)} teams last week ({week})"
    )
    if quiet:
        more = f" and {len(quiet) - 3} more" if len(quiet) > 3 else ""
        line += f"; quietest: {', '.join(quiet[:3])}{more}"
    return line
