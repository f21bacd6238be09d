"""Writing imported history: many teams' monthly values in one go, with revisions for changes.

The caller's transaction holds the whole import. Existing values for the same team, measure and
month are read in one query; a value that differs becomes a ``measure_revisions`` row (old and
new figures, changed by ``by``) and the current value is updated; an identical one is left alone,
so importing the same file twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from storage.models import MeasureReport, MeasureRevision
from storage.reports import ReportedValue


@dataclass(frozen=True)
class TeamMonthValue:
    team_id: int
    period: str  # YYYY-MM
    value: ReportedValue


@dataclass(frozen=True)
class HistoryCounts:
    new: int
    changed: int
    unchanged: int


def _existing(
    session: Session, values: Sequence[TeamMonthValue]
) -> dict[tuple[int, int, str], MeasureReport]:
    team_ids = sorted({v.team_id for v in values})
    periods = sorted({v.period for v in values})
    rows = session.scalars(
        select(MeasureReport).where(MeasureReport.team_id.in_(team_ids), MeasureReport.period.in_(periods))
    )
    return {(row.team_id, row.measure_id, row.period): row for row in rows}


def save_history(session: Session, values: Sequence[TeamMonthValue], by: str, at: datetime) -> HistoryCounts:
    """Insert new values, revise changed ones, skip identical ones; returns how many of each."""
    if not values:
        return HistoryCounts(0, 0, 0)
    existing = _existing(session, values)
    inserts: list[dict[str, object]] = []
    revisions: list[dict[str, object]] = []
    unchanged = 0
    for item in values:
        new = item.value
        row = existing.get((item.team_id, new.measure_id, item.period))
        if row is None:
            inserts.append(
                {
                    "team_id": item.team_id,
                    "measure_id": new.measure_id,
                    "period": item.period,
                    "numerator": new.numerator,
                    "denominator": new.denominator,
                    "value": new.value,
                    "submitted_by": by,
                    "submitted_at": at,
                    "version": 1,
                }
            )
            continue
        old = ReportedValue(row.measure_id, row.numerator, row.denominator, row.value)
        if old.same_figures(new):
            unchanged += 1
            continue
        revisions.append(
            {
                "report_id": row.id,
                "changed_by": by,
                "changed_at": at,
                "old_numerator": old.numerator,
                "old_denominator": old.denominator,
                "old_value": old.value,
                "new_numerator": new.numerator,
                "new_denominator": new.denominator,
                "new_value": new.value,
            }
        )
        row.numerator, row.denominator, row.value = new.numerator, new.denominator, new.value
        row.submitted_by, row.submitted_at, row.version = by, at, row.version + 1
    if inserts:
        session.execute(insert(MeasureReport), inserts)
    if revisions:
        session.execute(insert(MeasureRevision), revisions)
    session.flush()
    return HistoryCounts(new=len(inserts), changed=len(revisions), unchanged=unchanged)
