"""Who has reported a month: a team has reported a period when it has measure_reports rows for it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import MeasureReport, Team


def reported_team_ids(session: Session, collaborative_id: int, period: str) -> set[int]:
    """Ids of the collaborative's teams with at least one measure report for ``period`` (YYYY-MM)."""
    rows = session.scalars(
        select(MeasureReport.team_id)
        .join(Team, MeasureReport.team_id == Team.id)
        .where(Team.collaborative_id == collaborative_id, MeasureReport.period == period)
        .distinct()
    )
    return set(rows)
