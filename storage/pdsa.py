"""PDSA cycles and change ideas in the database: ramps numbered per change idea, one transaction each.

Reads hand back :class:`CycleRecord` snapshots (plain data, no ORM objects). Creating a cycle reuses
the team's change idea with the same title (case-insensitively) or creates it, and numbers the cycle
after the idea's last one; two people creating at once collide on a unique constraint, and the
loser simply retries with the next number.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Row, Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import Database
from storage.enums import CycleStatus, Decision
from storage.models import (
    ChangeIdea,
    Collaborative,
    Measure,
    PdsaCycle,
    PdsaMeasure,
    PdsaRevision,
    Team,
    utcnow,
)

CREATE_ATTEMPTS = 8
DECISIONS = tuple(Decision)


@dataclass(frozen=True)
class ChangeIdeaRow:
    id: int
    title: str
    cycles: int
    last_cycle_number: int


@dataclass(frozen=True)
class LinkedMeasure:
    id: int
    key: str
    name: str


@dataclass(frozen=True)
class CycleRecord:
    """A cycle with its team, change idea and linked measures."""

    id: int
    team_id: int
    team_name: str
    team_channel_id: str | None
    collaborative_id: int
    change_idea_id: int
    change_idea: str
    cycle_number: int
    status: CycleStatus
    objective: str
    prediction: str
    plan_who: str | None
    plan_what: str | None
    plan_when: str | None
    plan_where: str | None
    plan_data: str | None
    do_observations: str | None
    do_surprises: str | None
    study_results: str | None
    study_learning: str | None
    act_decision: Decision | None
    next_step: str | None
    start_date: date
    planned_end_date: date | None
    end_date: date | None
    shared: bool
    created_by: str
    created_at: datetime
    updated_at: datetime
    measures: tuple[LinkedMeasure, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status == CycleStatus.OPEN


@dataclass(frozen=True)
class NewCycle:
    """What the Plan stage records. ``change_idea_id`` picks an existing idea, else ``change_idea_title``."""

    team_id: int
    created_by: str
    objective: str
    prediction: str
    start_date: date
    change_idea_id: int | None = None
    change_idea_title: str | None = None
    plan_who: str | None = None
    plan_what: str | None = None
    plan_when: str | None = None
    plan_where: str | None = None
    plan_data: str | None = None
    planned_end_date: date | None = None
    shared: bool = True
    measure_ids: Sequence[int] = field(default_factory=tuple)


@dataclass(frozen=True)
class CycleUpdate:
    """Do, Study and Act. A ``decision`` completes the cycle; without one the notes are saved."""

    do_observations: str | None = None
    do_surprises: str | None = None
    study_results: str | None = None
    study_learning: str | None = None
    decision: str | None = None
    next_step: str | None = None
    end_date: date | None = None


class CycleNotFound(Exception):
    pass


class CycleClosed(Exception):
    """The cycle was completed already (e.g. by a teammate a moment ago)."""


class ChangeIdeaNotFound(Exception):
    pass


def _linked_measures(session: Session, cycle_ids: Sequence[int]) -> dict[int, tuple[LinkedMeasure, ...]]:
    if not cycle_ids:
        return {}
    rows = session.execute(
        select(PdsaMeasure.cycle_id, Measure.id, Measure.key, Measure.name)
        .join(Measure, PdsaMeasure.measure_id == Measure.id)
        .where(PdsaMeasure.cycle_id.in_(cycle_ids))
        .order_by(Measure.position, Measure.id)
    ).all()
    out: dict[int, list[LinkedMeasure]] = {}
    for cycle_id, measure_id, key, name in rows:
        out.setdefault(cycle_id, []).append(LinkedMeasure(measure_id, key, name))
    return {k: tuple(v) for k, v in out.items()}


def _records(session: Session, rows: Sequence[Row[PdsaCycle, ChangeIdea, Team]]) -> list[CycleRecord]:
    measures = _linked_measures(session, [cycle.id for cycle, _, _ in rows])
    return [
        CycleRecord(
            id=c.id,
            team_id=team.id,
            team_name=team.name,
            team_channel_id=team.channel_id,
            collaborative_id=team.collaborative_id,
            change_idea_id=idea.id,
            change_idea=idea.title,
            cycle_number=c.cycle_number,
            status=c.status,
            objective=c.objective,
            prediction=c.prediction,
            plan_who=c.plan_who,
            plan_what=c.plan_what,
            plan_when=c.plan_when,
            plan_where=c.plan_where,
            plan_data=c.plan_data,
            do_observations=c.do_observations,
            do_surprises=c.do_surprises,
            study_results=c.study_results,
            study_learning=c.study_learning,
            act_decision=c.act_decision,
            next_step=c.next_step,
            start_date=c.start_date,
            planned_end_date=c.planned_end_date,
            end_date=c.end_date,
            shared=c.shared,
            created_by=c.created_by,
            created_at=c.created_at,
            updated_at=c.updated_at,
            measures=measures.get(c.id, ()),
        )
        for c, idea, team in rows
    ]


def _cycles_query() -> Select[PdsaCycle, ChangeIdea, Team]:
    return (
        select(PdsaCycle, ChangeIdea, Team)
        .join(ChangeIdea, PdsaCycle.change_idea_id == ChangeIdea.id)
        .join(Team, PdsaCycle.team_id == Team.id)
    )


def get_cycle(session: Session, cycle_id: int) -> CycleRecord | None:
    rows = session.execute(_cycles_query().where(PdsaCycle.id == cycle_id)).all()
    records = _records(session, rows)
    return records[0] if records else None


def open_cycles(session: Session, team_ids: Sequence[int]) -> list[CycleRecord]:
    """Open cycles of these teams, most recently started first."""
    if not team_ids:
        return []
    rows = session.execute(
        _cycles_query()
        .where(PdsaCycle.team_id.in_(team_ids), PdsaCycle.status == CycleStatus.OPEN)
        .order_by(PdsaCycle.start_date.desc(), PdsaCycle.id.desc())
    ).all()
    return _records(session, rows)


def team_cycles(session: Session, team_id: int) -> list[CycleRecord]:
    rows = session.execute(
        _cycles_query().where(PdsaCycle.team_id == team_id).order_by(ChangeIdea.title, PdsaCycle.cycle_number)
    ).all()
    return _records(session, rows)


def change_ideas(session: Session, team_id: int) -> list[ChangeIdeaRow]:
    """The team's change ideas, most recently used first, with how far each ramp has got."""
    last_used = func.max(func.coalesce(PdsaCycle.created_at, ChangeIdea.created_at))
    rows = session.execute(
        select(
            ChangeIdea.id,
            ChangeIdea.title,
            func.count(PdsaCycle.id),
            func.coalesce(func.max(PdsaCycle.cycle_number), 0),
        )
        .outerjoin(PdsaCycle, PdsaCycle.change_idea_id == ChangeIdea.id)
        .where(ChangeIdea.team_id == team_id)
        .group_by(ChangeIdea.id, ChangeIdea.title)
        .order_by(last_used.desc(), ChangeIdea.id.desc())
    ).all()
    return [ChangeIdeaRow(r[0], r[1], int(r[2]), int(r[3])) for r in rows]


def next_cycle_number(session: Session, change_idea_id: int) -> int:
    last = session.scalar(
        select(func.max(PdsaCycle.cycle_number)).where(PdsaCycle.change_idea_id == change_idea_id)
    )
    return int(last or 0) + 1


def _find_or_add_idea(session: Session, new: NewCycle) -> ChangeIdea:
    if new.change_idea_id is not None:
        idea = session.get(ChangeIdea, new.change_idea_id, with_for_update=True)
        if idea is None or idea.team_id != new.team_id:
            raise ChangeIdeaNotFound(new.change_idea_id)
        return idea
    title = (new.change_idea_title or "").strip()
    if not title:
        raise ChangeIdeaNotFound(None)
    idea = session.scalar(
        select(ChangeIdea)
        .where(ChangeIdea.team_id == new.team_id, func.lower(ChangeIdea.title) == title.lower())
        .with_for_update()
    )
    if idea is None:
        idea = ChangeIdea(team_id=new.team_id, title=title, created_by=new.created_by)
        session.add(idea)
        session.flush()
    return idea


def _insert_cycle(session: Session, new: NewCycle, now: datetime) -> int:
    idea = _find_or_add_idea(session, new)
    cycle = PdsaCycle(
        team_id=new.team_id,
        change_idea_id=idea.id,
        cycle_number=next_cycle_number(session, idea.id),
        status=CycleStatus.OPEN,
        objective=new.objective,
        prediction=new.prediction,
        plan_who=new.plan_who,
        plan_what=new.plan_what,
        plan_when=new.plan_when,
        plan_where=new.plan_where,
        plan_data=new.plan_data,
        start_date=new.start_date,
        planned_end_date=new.planned_end_date,
        shared=new.shared,
        created_by=new.created_by,
        created_at=now,
        updated_at=now,
    )
    session.add(cycle)
    session.flush()
    for measure_id in dict.fromkeys(new.measure_ids):
        session.add(PdsaMeasure(cycle_id=cycle.id, measure_id=measure_id))
    session.flush()
    return cycle.id


def create_cycle(db: Database, new: NewCycle, now: datetime | None = None) -> CycleRecord:
    """Store the change idea (if new), the cycle and its measures in one transaction.

    ``now`` stamps the cycle's created and updated time (default: the real time).

    The cycle gets the next number on its change idea. The idea's row is locked while numbering
    (PostgreSQL), and if a teammate still takes that number (or creates the same new idea) at the
    same moment, the unique constraint refuses one of the two and it is retried with fresh numbers.
    """
    for attempt in range(CREATE_ATTEMPTS):
        if attempt:
            time.sleep(random.uniform(0, 0.02 * attempt))
        try:
            with db.transaction() as session:
                cycle_id = _insert_cycle(session, new, now or utcnow())
                record = get_cycle(session, cycle_id)
                assert record is not None
                return record
        except IntegrityError:
            if attempt == CREATE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


#: The fields an update can change; each change is kept in ``pdsa_revisions``.
REVISED_FIELDS = (
    "do_observations",
    "do_surprises",
    "study_results",
    "study_learning",
    "act_decision",
    "next_step",
    "end_date",
)


@dataclass(frozen=True)
class PdsaRevisionRow:
    field: str
    changed_by: str
    changed_at: datetime
    old: str | None
    new: str | None


def _as_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value)  # a Decision is its plain value


def _snapshot(cycle: PdsaCycle) -> dict[str, str | None]:
    return {name: _as_text(getattr(cycle, name)) for name in REVISED_FIELDS}


def update_cycle(
    db: Database,
    cycle_id: int,
    change: CycleUpdate,
    today: date,
    now: datetime | None = None,
    by: str | None = None,
) -> CycleRecord:
    """Save Do/Study/Act in one transaction; a decision completes the cycle (end date default today).

    ``now`` stamps the cycle's updated time (default: the real time); ``by`` (a Slack user ID) is
    kept as ``updated_by`` and on each revision: every field the update changes gets a row in
    ``pdsa_revisions`` (old -> new), in the same transaction.
    """
    with db.transaction() as session:
        cycle = session.get(PdsaCycle, cycle_id, with_for_update=True)
        if cycle is None:
            raise CycleNotFound(cycle_id)
        if cycle.status != CycleStatus.OPEN:
            raise CycleClosed(cycle_id)
        before = _snapshot(cycle)
        cycle.do_observations = change.do_observations
        cycle.do_surprises = change.do_surprises
        cycle.study_results = change.study_results
        cycle.study_learning = change.study_learning
        cycle.next_step = change.next_step
        cycle.end_date = change.end_date
        if change.decision is not None:
            if change.decision not in DECISIONS:
                raise ValueError(f"unknown decision {change.decision!r}")
            cycle.act_decision = Decision(change.decision)
            cycle.status = CycleStatus.COMPLETED
            cycle.end_date = change.end_date or today
        cycle.updated_at = now or utcnow()
        cycle.updated_by = by or cycle.updated_by
        for name, new in _snapshot(cycle).items():
            if new != before[name]:
                session.add(
                    PdsaRevision(
                        cycle_id=cycle.id,
                        field=name,
                        changed_by=by or "unknown",
                        changed_at=cycle.updated_at,
                        old_value=before[name],
                        new_value=new,
                    )
                )
        session.flush()
        record = get_cycle(session, cycle_id)
        assert record is not None
        return record


def cycle_revisions(session: Session, cycle_id: int) -> list[PdsaRevisionRow]:
    """Every change an update made to the cycle, oldest first."""
    rows = session.scalars(
        select(PdsaRevision).where(PdsaRevision.cycle_id == cycle_id).order_by(PdsaRevision.id)
    )
    return [PdsaRevisionRow(r.field, r.changed_by, r.changed_at, r.old_value, r.new_value) for r in rows]


def cycles_needing_nudge(
    session: Session, collaborative_id: int, as_of: datetime, today: date, stale_days: int = 14
) -> list[CycleRecord]:
    """Open cycles of active teams past their planned end date, or not updated for ``stale_days``."""
    stale_before = as_of - timedelta(days=stale_days)
    rows = session.execute(
        _cycles_query()
        .where(
            Team.collaborative_id == collaborative_id,
            Team.active.is_(True),
            PdsaCycle.status == CycleStatus.OPEN,
            PdsaCycle.start_date <= today,
            or_(PdsaCycle.planned_end_date < today, PdsaCycle.updated_at <= stale_before),
        )
        .order_by(Team.id, PdsaCycle.id)
    ).all()
    return _records(session, rows)


def collaborative_timezone(session: Session, collaborative_id: int) -> str:
    collab = session.get(Collaborative, collaborative_id)
    return collab.timezone if collab is not None else "UTC"


def completed_cycles(
    session: Session, collaborative_id: int, *, since: date | None = None, shared_only: bool = False
) -> list[CycleRecord]:
    """Completed cycles of the collaborative's active teams (ended on or after ``since``), latest first."""
    query = _cycles_query().where(
        Team.collaborative_id == collaborative_id,
        Team.active.is_(True),
        PdsaCycle.status == CycleStatus.COMPLETED,
    )
    if since is not None:
        query = query.where(PdsaCycle.end_date >= since)
    if shared_only:
        query = query.where(PdsaCycle.shared.is_(True))
    rows = session.execute(query.order_by(PdsaCycle.end_date.desc(), PdsaCycle.id.desc())).all()
    return _records(session, rows)


@dataclass(frozen=True)
class AdoptedChange:
    """A change idea a team adopted (a completed cycle on it decided *adopt*), with its measures."""

    team_id: int
    title: str
    adopted_on: date | None
    measures: tuple[str, ...]  # names of the measures its cycles were linked to


def adopted_changes(session: Session, team_ids: Sequence[int]) -> dict[int, list[AdoptedChange]]:
    """Per team, its adopted change ideas, most recently adopted first (each idea once)."""
    out: dict[int, list[AdoptedChange]] = {team_id: [] for team_id in team_ids}
    if not team_ids:
        return out
    rows = session.execute(
        _cycles_query()
        .where(PdsaCycle.team_id.in_(list(team_ids)), PdsaCycle.act_decision == Decision.ADOPT)
        .order_by(PdsaCycle.end_date.desc(), PdsaCycle.id.desc())
    ).all()
    seen: set[int] = set()
    for record in _records(session, rows):
        if record.change_idea_id in seen:
            continue
        seen.add(record.change_idea_id)
        out[record.team_id].append(
            AdoptedChange(
                team_id=record.team_id,
                title=record.change_idea,
                adopted_on=record.end_date,
                measures=tuple(m.name for m in record.measures),
            )
        )
    return out
