"""Faculty IHI assessment scores: store or replace one, read a team's score beside its self-score,
the latest score of each team, a month's scores for the digest, and the figures behind the hint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.db import locked_or_new
from storage.enums import Direction, MeasureType
from storage.models import FacultyScore, Measure, MeasureReport, Team, TeamReport


@dataclass(frozen=True)
class StoredScore:
    team_id: int
    period: str
    score: float
    reason: str | None
    scored_by: str
    scored_at: datetime


def _stored(row: FacultyScore) -> StoredScore:
    return StoredScore(row.team_id, row.period, row.score, row.reason, row.scored_by, row.scored_at)


def save_score(
    session: Session,
    *,
    team_id: int,
    period: str,
    score: float,
    reason: str | None,
    user_id: str,
    now: datetime,
) -> bool:
    """Store faculty's score of the team for the month, replacing an earlier one; True when it replaced."""
    row, replaced = locked_or_new(session, FacultyScore, team_id=team_id, period=period)
    row.score = score
    row.reason = reason
    row.scored_by = user_id
    row.scored_at = now
    session.flush()
    return replaced


def faculty_score(session: Session, team_id: int, period: str) -> StoredScore | None:
    row = session.scalar(
        select(FacultyScore).where(FacultyScore.team_id == team_id, FacultyScore.period == period)
    )
    return _stored(row) if row is not None else None


def self_score(session: Session, team_id: int, period: str) -> float | None:
    """The team's own IHI self-assessment for the month (from its monthly report), if it gave one."""
    return session.scalar(
        select(TeamReport.self_assessment).where(TeamReport.team_id == team_id, TeamReport.period == period)
    )


def latest_scores(session: Session, team_ids: list[int]) -> dict[int, StoredScore]:
    """Each team's faculty score for its latest scored month."""
    if not team_ids:
        return {}
    rows = session.scalars(
        select(FacultyScore).where(FacultyScore.team_id.in_(team_ids)).order_by(FacultyScore.period)
    )
    return {row.team_id: _stored(row) for row in rows}


@dataclass(frozen=True)
class ScorePair:
    team_id: int
    team_name: str
    faculty: float | None
    self_score: float | None


def scores_for_month(session: Session, collaborative_id: int, period: str) -> list[ScorePair]:
    """Every active team of the collaborative with its faculty score and self-score for ``period``."""
    teams = session.scalars(
        select(Team)
        .where(Team.collaborative_id == collaborative_id, Team.active.is_(True))
        .order_by(Team.name)
    ).all()
    ids = [t.id for t in teams]
    faculty = {
        r.team_id: r.score
        for r in session.scalars(
            select(FacultyScore).where(FacultyScore.team_id.in_(ids), FacultyScore.period == period)
        )
    }
    own = {
        r.team_id: r.self_assessment
        for r in session.scalars(
            select(TeamReport).where(TeamReport.team_id.in_(ids), TeamReport.period == period)
        )
    }
    return [ScorePair(t.id, t.name, faculty.get(t.id), own.get(t.id)) for t in teams]


@dataclass(frozen=True)
class MeasureFigure:
    """One measure of a team for a month, as the hint reads it (value in the baseline's unit)."""

    name: str
    baseline: float | None
    goal: float | None
    direction: Direction
    value: float | None


def measure_figures(
    session: Session, team_id: int, collaborative_id: int, period: str
) -> list[MeasureFigure]:
    measures = session.scalars(
        select(Measure)
        .where(Measure.collaborative_id == collaborative_id, Measure.active.is_(True))
        .order_by(Measure.position)
    ).all()
    reports = {
        r.measure_id: r
        for r in session.scalars(
            select(MeasureReport).where(MeasureReport.team_id == team_id, MeasureReport.period == period)
        )
    }
    figures = []
    for m in measures:
        report = reports.get(m.id)
        value: float | None = None
        if report is not None:
            if m.type == MeasureType.COUNT:
                value = report.value if report.value is not None else report.numerator
            elif report.numerator is not None and report.denominator:
                value = report.numerator / report.denominator
                if m.type == MeasureType.RATE:
                    value *= m.multiplier or 1000.0
        figures.append(MeasureFigure(m.name, m.baseline, m.goal, m.direction, value))
    return figures
