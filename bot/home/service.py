"""What the Home tab shows a person, as plain data (never Block Kit).

* Everyone on a team or faculty: this month's reporting status and the next call of each of their
  collaboratives, with their own RSVP and the counts.
* Members: their teams' open PDSA cycles (newest first), and Share a win / Ask for help when their
  collaborative has a peer channel.
* Faculty (``Action.COACH``): a grid of every team (reported this month, latest run-chart signal,
  last PDSA activity, peer-channel posts and replies this month) and the teams needing support,
  both by the weekly digest's rules (:func:`bot.digest.rules.build_digest`), so the Home tab and
  the digest never disagree.
* Teams: their latest faculty IHI score and its reason; faculty and admins: "Score a team".
* Someone on no team: only who to ask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.access import Action, collaboratives_where
from bot.digest.delivery import compute_digest
from bot.digest.rules import SupportFlag, support_flags
from bot.measures.status import Status, reporting_status
from bot.months import iso_week
from bot.scores.service import TeamScore, latest_team_scores
from storage.calendar import answers_of, events_starting_between, rsvp_counts
from storage.collaboratives import collaborative_by_id
from storage.db import Database
from storage.enums import CallKind, RsvpAnswer
from storage.pdsa import open_cycles
from storage.peer_activity import team_weeks
from storage.peer_channels import peer_channel_of
from storage.people import Person


@dataclass(frozen=True)
class NextCall:
    """The next call of one collaborative, with this person's answer and everyone's counts."""

    event_id: int
    collaborative_name: str
    title: str
    kind: CallKind
    starts_at: datetime
    timezone: str
    duration_minutes: int
    join_url: str | None
    answer: RsvpAnswer | None
    going: int
    not_going: int


@dataclass(frozen=True)
class OpenCycle:
    cycle_id: int
    team_name: str
    change_idea: str  # typed by a person: escape before it becomes mrkdwn
    cycle_number: int
    start_date: date
    planned_end_date: date | None


@dataclass(frozen=True)
class GridRow:
    """One team on the faculty grid."""

    team_name: str
    reported: bool  # for the collaborative's reporting month
    improvements: tuple[str, ...]  # measure names with an improvement signal now
    deteriorations: tuple[str, ...]
    last_pdsa: date | None
    peer_messages: int = 0  # posts and thread replies in the peer channel, in the weeks of this month


@dataclass(frozen=True)
class FacultyGrid:
    collaborative_name: str
    period: str  # YYYY-MM, the month being reported
    rows: tuple[GridRow, ...]
    support: tuple[SupportFlag, ...]


@dataclass(frozen=True)
class HomePage:
    person: Person
    faculty_to_ask: tuple[str, ...]
    status: Status | None = None
    calls: tuple[NextCall, ...] = ()
    cycles: tuple[OpenCycle, ...] = ()
    grids: tuple[FacultyGrid, ...] = field(default=())
    may_post: bool = False  # on a team whose collaborative has a peer channel: Share a win / Ask for help
    scores: tuple[TeamScore, ...] = ()  # the latest faculty score of each of the person's teams
    may_score: bool = False  # faculty or admin: the "Score a team" button


def _collaboratives_of(person: Person) -> list[int]:
    ids = [s.collaborative_id for s in person.seats] + [r.collaborative_id for r in person.roles]
    return sorted(set(ids))


def next_calls(db: Database, person: Person, now: datetime) -> tuple[NextCall, ...]:
    """The next call (not yet started) of each of the person's collaboratives."""
    with db.reader() as session:
        found = []
        for collaborative_id in _collaboratives_of(person):
            collab = collaborative_by_id(session, collaborative_id)
            if collab is None:
                continue
            events = events_starting_between(session, collaborative_id, now, limit=1)
            if events:
                found.append((collab, events[0]))
        event_ids = [event.id for _, event in found]
        counts = rsvp_counts(session, event_ids)
        answers = answers_of(session, event_ids, person.user_id)
        return tuple(
            NextCall(
                event_id=event.id,
                collaborative_name=collab.name,
                title=event.title,
                kind=event.kind,
                starts_at=event.starts_at,
                timezone=collab.timezone,
                duration_minutes=event.duration_minutes,
                join_url=event.join_url,
                answer=answers.get(event.id),
                going=counts[event.id].going,
                not_going=counts[event.id].not_going,
            )
            for collab, event in found
        )


def team_open_cycles(db: Database, person: Person) -> tuple[OpenCycle, ...]:
    """Open PDSA cycles of the person's own teams, most recently started first."""
    with db.reader() as session:
        records = open_cycles(session, [s.team_id for s in person.seats])
    return tuple(
        OpenCycle(
            cycle_id=c.id,
            team_name=c.team_name,
            change_idea=c.change_idea,
            cycle_number=c.cycle_number,
            start_date=c.start_date,
            planned_end_date=c.planned_end_date,
        )
        for c in records
    )


def faculty_grids(db: Database, person: Person, now: datetime) -> tuple[FacultyGrid, ...]:
    """Every team of each collaborative the person coaches, by the digest's rules."""
    grids: list[FacultyGrid] = []
    for collaborative_id in collaboratives_where(person, Action.COACH):
        digest = compute_digest(db, collaborative_id, now)
        engagement = peer_messages_this_month(db, collaborative_id, digest.as_of.date())
        grids.append(
            FacultyGrid(
                collaborative_name=digest.collaborative_name,
                period=str(digest.period),
                rows=tuple(
                    GridRow(
                        team_name=row.name,
                        reported=row.reported,
                        improvements=tuple(row.improvements),
                        deteriorations=tuple(row.deteriorations),
                        last_pdsa=row.last_pdsa,
                        peer_messages=engagement.get(row.team, 0),
                    )
                    for row in digest.teams
                ),
                support=support_flags(digest.support),
            )
        )
    return tuple(grids)


def peer_messages_this_month(db: Database, collaborative_id: int, today: date) -> dict[str, int]:
    """Per team key: posts and thread replies in the peer channel in the ISO weeks of ``today``'s month
    so far (engagement is counted per ISO week, so a week across two months counts in both)."""
    first = today.replace(day=1)
    weeks = {iso_week(first + timedelta(days=n)) for n in range((today - first).days + 1)}
    counts: dict[str, int] = {}
    with db.reader() as session:
        for row in team_weeks(session, collaborative_id):
            if row.week in weeks:
                counts[row.team_key] = counts.get(row.team_key, 0) + row.posts + row.replies
    return counts


def may_post_to_peers(db: Database, person: Person) -> bool:
    """On a team whose collaborative has a peer channel (given or named): the Share / Ask buttons."""
    with db.reader() as session:
        for collaborative_id in {s.collaborative_id for s in person.seats}:
            peer = peer_channel_of(session, collaborative_id)
            if peer is not None and (peer.channel_id or peer.name):
                return True
    return False


def home_page(db: Database, person: Person, faculty: list[str], now: datetime) -> HomePage:
    """Everything the person's Home tab shows at ``now``."""
    if not person.known:
        return HomePage(person=person, faculty_to_ask=tuple(faculty))
    return HomePage(
        person=person,
        faculty_to_ask=tuple(faculty),
        status=reporting_status(db, person, now),
        calls=next_calls(db, person, now),
        cycles=team_open_cycles(db, person),
        grids=faculty_grids(db, person, now),
        may_post=may_post_to_peers(db, person),
        scores=latest_team_scores(db, person),
        may_score=bool(collaboratives_where(person, Action.SCORE)),
    )
