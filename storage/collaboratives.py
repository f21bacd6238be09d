"""Collaborative definitions in the database, synced from a file's desired state.

``sync_collaborative`` is idempotent by key: rows are created, updated only where a field really
changed, and rows missing from the file are deactivated (never deleted, so reports are kept).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.enums import CallKind, Direction, MeasureKind, MeasureType, Role
from storage.models import Base, CalendarEvent, Collaborative, Measure, Membership, Team, utcnow


@dataclass(frozen=True)
class TeamState:
    key: str
    name: str
    channel_id: str | None
    members: Sequence[str] = ()
    leads: Sequence[str] = ()


@dataclass(frozen=True)
class MeasureState:
    key: str
    name: str
    type: MeasureType
    kind: MeasureKind
    numerator_definition: str | None
    denominator_definition: str | None
    definition: str | None
    baseline: float | None
    goal: float | None
    nqf: str | None
    direction: Direction
    multiplier: float | None
    position: int


@dataclass(frozen=True)
class EventState:
    key: str
    title: str
    kind: CallKind
    starts_at: datetime
    duration_minutes: int
    join_url: str | None


@dataclass(frozen=True)
class CollaborativeState:
    key: str
    name: str
    timezone: str
    start: date
    end: date
    due_day: int
    baseline_months: int | None
    digest_channel: str | None
    digest_day: str
    digest_time: str
    peer_channel_id: str | None
    peer_channel_name: str | None
    peer_channel_topic: str | None
    source_path: str | None
    peer_channel_purpose: str | None = None
    peer_prompts: str | None = None  # JSON list of the file's own prompts
    buddies: bool = True
    workspace: str | None = None
    rules: str = "anhoej"
    enterprise: str | None = None
    faculty: Sequence[str] = ()
    admins: Sequence[str] = ()
    teams: Sequence[TeamState] = ()
    measures: Sequence[MeasureState] = ()
    events: Sequence[EventState] = ()


@dataclass
class SyncSummary:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deactivated: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: dict[str, int], kind: str) -> None:
        bucket[kind] = bucket.get(kind, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deactivated)

    def describe(self) -> str:
        if not self.changed:
            return "nothing changed"
        parts = []
        for label, bucket in (
            ("created", self.created),
            ("updated", self.updated),
            ("deactivated", self.deactivated),
        ):
            if bucket:
                parts.append(
                    f"{label} " + ", ".join(_count_of(n, kind) for kind, n in sorted(bucket.items()))
                )
        return "; ".join(parts)


ModelT = TypeVar("ModelT", bound=Base)


def _count_of(n: int, kind: str) -> str:
    """``1 collaborative``, ``2 teams`` (kinds are stored in the plural)."""
    return f"{n} {kind.removesuffix('s') if n == 1 else kind}"


def _assign(row: Base, values: dict[str, Any]) -> bool:
    """Set the fields that differ; return whether anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _values(state: Any, skip: Iterable[str] = ()) -> dict[str, Any]:
    return {f.name: getattr(state, f.name) for f in fields(state) if f.name not in set(skip)}


def _sync_keyed(
    session: Session,
    summary: SyncSummary,
    kind: str,
    existing: dict[str, ModelT],
    desired: dict[str, dict[str, Any]],
    make: type[ModelT],
    parent: dict[str, Any],
) -> dict[str, ModelT]:
    rows: dict[str, ModelT] = {}
    for key, values in desired.items():
        row = existing.get(key)
        if row is None:
            row = make(key=key, active=True, **parent, **values)
            session.add(row)
            summary.count(summary.created, kind)
        elif _assign(row, {**values, "active": True}):
            if hasattr(row, "updated_at"):
                row.updated_at = utcnow()  # type: ignore[attr-defined]
            summary.count(summary.updated, kind)
        rows[key] = row
    for key, row in existing.items():
        if key not in desired and getattr(row, "active", False):
            row.active = False  # type: ignore[attr-defined]
            summary.count(summary.deactivated, kind)
    session.flush()
    return rows


def _sync_memberships(
    session: Session,
    summary: SyncSummary,
    collab: Collaborative,
    teams: dict[str, Team],
    state: CollaborativeState,
) -> None:
    desired: set[tuple[int | None, str, Role]] = set()
    for user in state.faculty:
        desired.add((None, user, Role.FACULTY))
    for user in state.admins:
        desired.add((None, user, Role.ADMIN))
    for team_state in state.teams:
        team_id = teams[team_state.key].id
        leads = set(team_state.leads)
        for user in dict.fromkeys([*team_state.members, *team_state.leads]):
            desired.add((team_id, user, Role.LEAD if user in leads else Role.MEMBER))
    existing = {
        (m.team_id, m.slack_user_id, m.role): m
        for m in session.scalars(select(Membership).where(Membership.collaborative_id == collab.id))
    }
    for key in sorted(desired, key=lambda k: (k[0] or 0, k[1], k[2])):
        row = existing.get(key)
        if row is None:
            session.add(
                Membership(collaborative_id=collab.id, team_id=key[0], slack_user_id=key[1], role=key[2])
            )
            summary.count(summary.created, "memberships")
        elif not row.active:
            row.active = True
            summary.count(summary.updated, "memberships")
    for key, row in existing.items():
        if key not in desired and row.active:
            row.active = False
            summary.count(summary.deactivated, "memberships")


def sync_collaborative(session: Session, state: CollaborativeState) -> SyncSummary:
    """Make the database match ``state``; a second call with the same state changes nothing."""
    summary = SyncSummary()
    scalar = _values(state, skip=("key", "faculty", "admins", "teams", "measures", "events"))
    collab = session.scalar(select(Collaborative).where(Collaborative.key == state.key))
    if (
        collab is not None
        and state.peer_channel_id is None
        and state.peer_channel_name == collab.peer_channel_name
    ):
        scalar["peer_channel_id"] = collab.peer_channel_id  # the bot created or found it: keep it
    if collab is not None and state.workspace is None and state.enterprise in (None, collab.enterprise):
        scalar["workspace"] = collab.workspace  # taken from auth.test for a single workspace: keep it
    if collab is None:
        collab = Collaborative(key=state.key, active=True, **scalar)
        session.add(collab)
        session.flush()
        summary.count(summary.created, "collaboratives")
    elif _assign(collab, {**scalar, "active": True}):
        collab.updated_at = utcnow()
        summary.count(summary.updated, "collaboratives")
    parent = {"collaborative_id": collab.id}

    teams = _sync_keyed(
        session,
        summary,
        "teams",
        {t.key: t for t in session.scalars(select(Team).where(Team.collaborative_id == collab.id))},
        {t.key: {"name": t.name, "channel_id": t.channel_id} for t in state.teams},
        Team,
        parent,
    )
    _sync_keyed(
        session,
        summary,
        "measures",
        {m.key: m for m in session.scalars(select(Measure).where(Measure.collaborative_id == collab.id))},
        {m.key: _values(m, skip=("key",)) for m in state.measures},
        Measure,
        parent,
    )
    _sync_keyed(
        session,
        summary,
        "calendar events",
        {
            e.key: e
            for e in session.scalars(select(CalendarEvent).where(CalendarEvent.collaborative_id == collab.id))
        },
        {e.key: _values(e, skip=("key",)) for e in state.events},
        CalendarEvent,
        parent,
    )
    _sync_memberships(session, summary, collab, teams, state)
    return summary


def active_collaboratives(session: Session) -> list[Collaborative]:
    return list(
        session.scalars(
            select(Collaborative).where(Collaborative.active.is_(True)).order_by(Collaborative.id)
        )
    )


def collaboratives_by_id(session: Session, key: str | None = None) -> list[Collaborative]:
    """Every collaborative, active or not, in id order; only the one with ``key`` when it is given."""
    query = select(Collaborative).order_by(Collaborative.id)
    if key is not None:
        query = query.where(Collaborative.key == key)
    return list(session.scalars(query))


def collaborative_by_key(session: Session, key: str) -> Collaborative | None:
    return session.scalar(select(Collaborative).where(Collaborative.key == key))


def active_teams(session: Session, collaborative_id: int) -> list[Team]:
    return list(
        session.scalars(
            select(Team)
            .where(Team.collaborative_id == collaborative_id, Team.active.is_(True))
            .order_by(Team.id)
        )
    )


def active_measures(session: Session, collaborative_id: int) -> list[Measure]:
    return list(
        session.scalars(
            select(Measure)
            .where(Measure.collaborative_id == collaborative_id, Measure.active.is_(True))
            .order_by(Measure.position, Measure.id)
        )
    )


def schedule_fingerprint(session: Session) -> tuple[tuple[object, ...], ...]:
    """What the clock's job schedule depends on; it changes whenever ``load`` changes any of it."""
    rows = session.execute(
        select(
            Collaborative.key,
            Collaborative.active,
            Collaborative.timezone,
            Collaborative.due_day,
            Collaborative.digest_day,
            Collaborative.digest_time,
            Collaborative.updated_at,
        ).order_by(Collaborative.key)
    ).all()
    return tuple(tuple(row) for row in rows)


def collaborative_by_id(session: Session, collaborative_id: int) -> Collaborative | None:
    return session.get(Collaborative, collaborative_id)


def team_by_id(session: Session, team_id: int) -> Team | None:
    return session.get(Team, team_id)
