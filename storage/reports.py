"""Monthly team reports in the database: current values, their revisions, and saving a submission.

One current value per (team, measure, month) lives in ``measure_reports``; every change to it
leaves a ``measure_revisions`` row (who, when, old, new). A submission (the values plus the
narrative and self-assessment in ``team_reports``) is saved in one transaction.

Concurrency: the transaction first upserts the team's ``team_reports`` row for the month. That
statement takes the write lock on SQLite and a row lock on PostgreSQL, so two submissions for the
same team and month run one after the other and the second sees the first's values (and records a
revision). Should an insert still collide on a unique constraint, the whole transaction is retried
once, and then finds the row to update.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import (
    Collaborative,
    MeasureReport,
    MeasureRevision,
    NarrativeRevision,
    Team,
    TeamReport,
)


@dataclass(frozen=True)
class ReportedValue:
    """One measure's figures for a month: numerator/denominator (proportion, rate) or value (count)."""

    measure_id: int
    numerator: float | None
    denominator: float | None
    value: float | None

    def same_figures(self, other: ReportedValue) -> bool:
        return (self.numerator, self.denominator, self.value) == (
            other.numerator,
            other.denominator,
            other.value,
        )


@dataclass(frozen=True)
class Narrative:
    wins: str | None = None
    barriers: str | None = None
    help_needed: str | None = None
    self_assessment: float | None = None


@dataclass(frozen=True)
class StoredTeamReport:
    narrative: Narrative
    submitted_by: str
    submitted_at: datetime
    late: bool


@dataclass(frozen=True)
class Submission:
    team_id: int
    period: str
    submitted_by: str
    at: datetime
    values: Sequence[ReportedValue]
    narrative: Narrative
    late: bool


@dataclass(frozen=True)
class ValueChange:
    """A stored value that this submission changed (``old``) into ``new``."""

    old: ReportedValue
    new: ReportedValue


@dataclass
class SaveResult:
    created: list[ReportedValue] = field(default_factory=list)
    changed: list[ValueChange] = field(default_factory=list)
    unchanged: list[ReportedValue] = field(default_factory=list)

    @property
    def is_correction(self) -> bool:
        return bool(self.changed or self.unchanged)


@dataclass(frozen=True)
class RevisionRow:
    measure_id: int
    changed_by: str
    changed_at: datetime
    old: ReportedValue
    new: ReportedValue


def _reported(row: MeasureReport) -> ReportedValue:
    return ReportedValue(row.measure_id, row.numerator, row.denominator, row.value)


def team_and_collaborative(session: Session, team_id: int) -> tuple[Team, Collaborative] | None:
    """The active team and its active collaborative, or None."""
    row = session.execute(
        select(Team, Collaborative)
        .join(Collaborative, Team.collaborative_id == Collaborative.id)
        .where(Team.id == team_id, Team.active.is_(True), Collaborative.active.is_(True))
    ).first()
    return (row[0], row[1]) if row is not None else None


def stored_values(session: Session, team_id: int, period: str) -> dict[int, ReportedValue]:
    """The team's current values for ``period``, by measure id."""
    rows = session.scalars(
        select(MeasureReport).where(MeasureReport.team_id == team_id, MeasureReport.period == period)
    )
    return {row.measure_id: _reported(row) for row in rows}


def latest_values_before(session: Session, team_id: int, period: str) -> dict[int, tuple[str, ReportedValue]]:
    """Per measure, the team's most recent value from a month before ``period`` (with that month)."""
    rows = session.scalars(
        select(MeasureReport)
        .where(MeasureReport.team_id == team_id, MeasureReport.period < period)
        .order_by(MeasureReport.period)
    )
    return {row.measure_id: (row.period, _reported(row)) for row in rows}


def stored_team_report(session: Session, team_id: int, period: str) -> StoredTeamReport | None:
    row = session.scalar(select(TeamReport).where(TeamReport.team_id == team_id, TeamReport.period == period))
    if row is None:
        return None
    narrative = Narrative(row.wins, row.barriers, row.help_needed, row.self_assessment)
    return StoredTeamReport(narrative, row.submitted_by, row.submitted_at, row.late)


def revisions(session: Session, team_id: int, period: str) -> list[RevisionRow]:
    """Every recorded change to the team's values for ``period``, oldest first."""
    rows = session.execute(
        select(MeasureRevision, MeasureReport.measure_id)
        .join(MeasureReport, MeasureRevision.report_id == MeasureReport.id)
        .where(MeasureReport.team_id == team_id, MeasureReport.period == period)
        .order_by(MeasureRevision.id)
    ).all()
    return [
        RevisionRow(
            measure_id,
            rev.changed_by,
            rev.changed_at,
            ReportedValue(measure_id, rev.old_numerator, rev.old_denominator, rev.old_value),
            ReportedValue(measure_id, rev.new_numerator, rev.new_denominator, rev.new_value),
        )
        for rev, measure_id in rows
    ]


#: The narrative fields whose changes are kept in ``narrative_revisions``.
NARRATIVE_FIELDS = ("wins", "barriers", "help_needed", "self_assessment")


@dataclass(frozen=True)
class NarrativeRevisionRow:
    field: str
    changed_by: str
    changed_at: datetime
    old: str | None
    new: str | None


def _narrative_text(name: str, value: object) -> str | None:
    """A narrative field as the audit trail keeps it (the self-assessment as ``3.5``)."""
    if value is None or value == "":
        return None
    if name == "self_assessment":
        return f"{float(value):.1f}"  # type: ignore[arg-type]
    return str(value)


def _revise_narrative(session: Session, sub: Submission) -> None:
    """Record each narrative field this submission changes on an existing report (old -> new).

    Called before the upsert; the row is locked (PostgreSQL) so the old values stay the old ones.
    """
    t = TeamReport
    before = session.execute(
        select(t.id, t.wins, t.barriers, t.help_needed, t.self_assessment)
        .where(t.team_id == sub.team_id, t.period == sub.period)
        .with_for_update()
    ).first()
    if before is None:
        return  # the first report of the month: team_reports itself says who and when
    for name, stored in zip(NARRATIVE_FIELDS, before[1:], strict=True):
        old, new = _narrative_text(name, stored), _narrative_text(name, getattr(sub.narrative, name))
        if old != new:
            session.add(
                NarrativeRevision(
                    team_report_id=before[0],
                    field=name,
                    changed_by=sub.submitted_by,
                    changed_at=sub.at,
                    old_value=old,
                    new_value=new,
                )
            )


def narrative_revisions(session: Session, team_id: int, period: str) -> list[NarrativeRevisionRow]:
    """Every change to the narrative of a team's month, oldest first."""
    rows = session.scalars(
        select(NarrativeRevision)
        .join(TeamReport, NarrativeRevision.team_report_id == TeamReport.id)
        .where(TeamReport.team_id == team_id, TeamReport.period == period)
        .order_by(NarrativeRevision.id)
    )
    return [NarrativeRevisionRow(r.field, r.changed_by, r.changed_at, r.old_value, r.new_value) for r in rows]


def _upsert_team_report(session: Session, sub: Submission) -> None:
    """Insert or update the narrative row; this also serialises submissions for the same month.

    ``late`` keeps the first submission's value: a later correction doesn't make an on-time report late.
    """
    values: dict[str, Any] = {
        "team_id": sub.team_id,
        "period": sub.period,
        "wins": sub.narrative.wins,
        "barriers": sub.narrative.barriers,
        "help_needed": sub.narrative.help_needed,
        "self_assessment": sub.narrative.self_assessment,
        "submitted_by": sub.submitted_by,
        "submitted_at": sub.at,
        "late": sub.late,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(TeamReport).values(**values)
    updated = ("wins", "barriers", "help_needed", "self_assessment", "submitted_by", "submitted_at")
    stmt = stmt.on_conflict_do_update(
        index_elements=["team_id", "period"],
        set_={name: stmt.excluded[name] for name in updated},
    )
    session.execute(stmt)


def _save(session: Session, sub: Submission) -> SaveResult:
    _revise_narrative(session, sub)
    _upsert_team_report(session, sub)
    existing = {
        row.measure_id: row
        for row in session.scalars(
            select(MeasureReport).where(
                MeasureReport.team_id == sub.team_id, MeasureReport.period == sub.period
            )
        )
    }
    result = SaveResult()
    for new in sub.values:
        row = existing.get(new.measure_id)
        if row is None:
            session.add(
                MeasureReport(
                    team_id=sub.team_id,
                    measure_id=new.measure_id,
                    period=sub.period,
                    numerator=new.numerator,
                    denominator=new.denominator,
                    value=new.value,
                    submitted_by=sub.submitted_by,
                    submitted_at=sub.at,
                    version=1,
                )
            )
            result.created.append(new)
            continue
        old = _reported(row)
        if old.same_figures(new):
            result.unchanged.append(new)
            continue
        session.add(
            MeasureRevision(
                report_id=row.id,
                changed_by=sub.submitted_by,
                changed_at=sub.at,
                old_numerator=old.numerator,
                old_denominator=old.denominator,
                old_value=old.value,
                new_numerator=new.numerator,
                new_denominator=new.denominator,
                new_value=new.value,
            )
        )
        row.numerator, row.denominator, row.value = new.numerator, new.denominator, new.value
        row.submitted_by, row.submitted_at = sub.submitted_by, sub.at
        row.version = row.version + 1
        result.changed.append(ValueChange(old, new))
    session.flush()
    return result


def save_submission(db: Database, sub: Submission) -> SaveResult:
    """Save the values and narrative in one transaction (retried once after a unique-key race)."""
    try:
        with db.transaction() as session:
            return _save(session, sub)
    except IntegrityError:
        with db.transaction() as session:
            return _save(session, sub)
