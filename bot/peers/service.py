"""Share a win / ask for help: what the modal offers a person, checking and posting what they sent,
and finding asks that nobody answered.

Returns plain frozen results (:class:`PostScreen`, :class:`PostSent`, ``Refusal``, ``Invalid``);
the Block Kit is ``bot.peers.views``'. Posts go through the ledger, keyed by the modal, so a
retried submission posts once; before the peer channel exists they wait in the ledger.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.access import Action, Target, check
from bot.context import BotContext
from bot.months import local_date
from bot.peers import views
from bot.peers.channel import peer_channel_for_posts
from bot.phi import phi_error
from bot.results import Invalid, Refusal
from storage import ledger
from storage.collaboratives import active_measures, collaborative_by_id, team_by_id
from storage.models import Collaborative
from storage.pdsa import change_ideas
from storage.peer_channels import AWAITING_PEER_CHANNEL, peer_channel_of
from storage.people import Person, TeamSeat, faculty_ids

log = logging.getLogger(__name__)

POST_JOB = "peer-posts"
ASK_JOB = "peer-asks"
#: An ask with no reply in its thread after this long is flagged to faculty (once).
UNANSWERED_AFTER = timedelta(hours=48)
#: Asks older than this are no longer checked.
CHECK_WINDOW = timedelta(days=14)


@dataclass(frozen=True)
class Choice:
    label: str
    value: str  # m:<measure id> or c:<change idea id>


@dataclass(frozen=True)
class PostScreen:
    kind: str
    teams: tuple[TeamSeat, ...]
    measures: tuple[Choice, ...]
    ideas: tuple[Choice, ...]


@dataclass(frozen=True)
class PostForm:
    text: str | None
    team_id: int | None = None
    relates: str | None = None
    picture_id: str | None = None
    picture_type: str = ""


@dataclass(frozen=True)
class PostSent:
    """A checked post, ready for the peer channel (``bot.peers.posts`` sends it)."""

    kind: str
    team_name: str
    key: str
    waiting: bool  # the peer channel does not exist yet: the post waits for the sync
    collaborative_id: int
    channel: str
    user_id: str
    text: str
    relates: str | None
    picture_id: str | None


@dataclass(frozen=True)
class UnansweredAsk:
    """An ask with no reply in its thread, and the faculty to tell (each with its ledger key)."""

    key: str
    channel: str
    ts: str
    team_name: str
    hours: int
    faculty: tuple[tuple[str, str], ...]  # (ledger key, user id)


def _teams(ctx: BotContext, person: Person) -> list[TeamSeat]:
    """The person's teams in collaboratives that have a peer channel (named or given)."""
    found = []
    with ctx.db.reader() as session:
        for seat in person.seats:
            peer = peer_channel_of(session, seat.collaborative_id)
            if peer is not None and (peer.channel_id or peer.name):
                found.append(seat)
    return found


def open_post(ctx: BotContext, person: Person, kind: str) -> PostScreen | Refusal:
    teams = _teams(ctx, person)
    if not teams:
        return Refusal(views.NOT_ON_A_TEAM)
    measures: list[Choice] = []
    ideas: list[Choice] = []
    with ctx.db.reader() as session:
        for collaborative_id in dict.fromkeys(t.collaborative_id for t in teams):
            measures += [Choice(m.name, f"m:{m.id}") for m in active_measures(session, collaborative_id)]
        for seat in teams:
            prefix = f"{seat.team_name}: " if len(teams) > 1 else ""
            ideas += [Choice(prefix + i.title, f"c:{i.id}") for i in change_ideas(session, seat.team_id)]
    return PostScreen(kind, tuple(teams), tuple(measures), tuple(ideas))


def _relates_label(ctx: BotContext, value: str | None, seat: TeamSeat) -> str | None:
    """The name of the chosen measure (of the team's collaborative) or change idea (of the team)."""
    if not value or ":" not in value:
        return None
    what, _, raw = value.partition(":")
    if not raw.isdigit():
        return None
    with ctx.db.reader() as session:
        if what == "m":
            found = next(
                (m for m in active_measures(session, seat.collaborative_id) if m.id == int(raw)), None
            )
            return f"measure “{found.name}”" if found else None
        if what == "c":
            idea = next((i for i in change_ideas(session, seat.team_id) if i.id == int(raw)), None)
            return f"change idea “{idea.title}”" if idea else None
    return None


def submit_post(
    ctx: BotContext, person: Person, kind: str, view_id: str, form: PostForm, team_id: int | None
) -> PostSent | Invalid | Refusal:
    """Check the post and send it to the peer channel (or hold it there until the channel exists)."""
    teams = _teams(ctx, person)
    wanted = form.team_id or team_id
    seat = next((t for t in teams if t.team_id == wanted), None) if wanted else None
    if seat is None and len(teams) == 1 and wanted is None:
        seat = teams[0]
    if seat is None:
        if wanted is None and len(teams) > 1:
            return Invalid({"team": "Choose the team you're posting for."})
        return Refusal(views.NOT_ON_A_TEAM)
    if not check(person, Action.SHARE_WITH_PEERS, Target.team(seat)):
        return Refusal(views.NOT_ON_A_TEAM)
    with ctx.db.reader() as session:
        collab = collaborative_by_id(session, seat.collaborative_id)
    assert collab is not None
    errors: dict[str, str] = {}
    if not form.text:
        errors["text"] = "Please write a few words." if kind == views.SHARE else "Please say what you need."
    elif (problem := phi_error(form.text, local_date(ctx.now(), collab.timezone))) is not None:
        errors["text"] = problem
    if form.picture_id and not form.picture_type.startswith("image/"):
        errors["picture"] = "Please choose a picture (PNG, JPG or GIF)."
    if errors:
        return Invalid(errors)
    assert form.text is not None
    channel = peer_channel_for_posts(ctx, collab.id)
    if channel is None:
        return Refusal(views.NOT_ON_A_TEAM)
    key = f"peer-{kind}:{collab.id}:{seat.team_id}:{view_id}"
    return PostSent(
        kind,
        seat.team_name,
        key,
        channel == AWAITING_PEER_CHANNEL,
        collab.id,
        channel,
        person.user_id,
        form.text,
        _relates_label(ctx, form.relates, seat),
        form.picture_id,
    )


@dataclass(frozen=True)
class AskThread:
    """A question posted with ``/collab ask`` whose thread has no reply from a person yet."""

    key: str
    channel: str
    ts: str
    posted: datetime
    team_name: str


def asks_without_reply(
    ctx: BotContext,
    collab: Collaborative,
    earliest: datetime,
    latest: datetime,
    skip: Callable[[str], bool] = lambda key: False,
) -> list[AskThread] | None:
    """Asks posted between ``earliest`` and ``latest`` (not ``skip``-ped by key) whose thread has no
    reply from a person (the bot's own picture reply does not count), oldest first. Slack is asked
    for each thread; one it cannot read is left out. None when the app cannot speak there."""
    client = ctx.client_for(collab.id)
    if client is None:
        return None
    found: list[AskThread] = []
    for sent in ledger.sent_with_prefix(ctx.db, f"peer-{views.ASK}:{collab.id}:"):
        if sent.key.endswith(":picture"):
            continue  # the ask's picture, in its thread
        posted = datetime.fromtimestamp(float(sent.ts), tz=UTC)
        if not earliest <= posted <= latest or skip(sent.key):
            continue
        try:
            thread = client.conversations_replies(channel=sent.channel, ts=sent.ts, limit=20)
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.info("ask thread not read: %s", type(exc).__name__)
            continue
        if [m for m in (thread.get("messages") or [])[1:] if not m.get("bot_id")]:
            continue  # somebody replied
        parts = sent.key.split(":")
        team_id = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None
        with ctx.db.reader() as session:
            team = team_by_id(session, team_id) if team_id is not None else None
        found.append(AskThread(sent.key, sent.channel, sent.ts, posted, team.name if team else "A team"))
    return found


def _flags(key: str, faculty: list[str]) -> tuple[tuple[str, str], ...]:
    return tuple((f"{ASK_JOB}:{key}:{user}", user) for user in faculty)


def unanswered_asks(ctx: BotContext, collab: Collaborative, as_of: datetime) -> list[UnansweredAsk]:
    """Asks posted 48 hours or more before ``as_of`` (within two weeks) with no reply in their thread,
    not flagged yet. A thread Slack cannot show now is checked next time."""
    with ctx.db.reader() as session:
        faculty = faculty_ids(session, [collab.id])

    def flagged(key: str) -> bool:
        return not ledger.would_send(ctx.db, [k for k, _ in _flags(key, faculty)])

    asks = asks_without_reply(ctx, collab, as_of - CHECK_WINDOW, as_of - UNANSWERED_AFTER, flagged) or []
    return [
        UnansweredAsk(
            ask.key,
            ask.channel,
            ask.ts,
            ask.team_name,
            int((as_of - ask.posted).total_seconds() // 3600),
            _flags(ask.key, faculty),
        )
        for ask in asks
    ]
