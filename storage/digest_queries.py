"""Everything the weekly digest reads about one collaborative, as pandas DataFrames.

A handful of set-based queries (one per table, joined where needed), never one per team or
measure, so the digest costs the same few round trips for 8 teams or 200. Columns use
keys (team, measure), not ids, so the pure analytics in ``bot/`` can work on them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Selectable, case, func, select
from sqlalchemy.orm import Session

from storage.enums import CallKind, RsvpAnswer
from storage.models import (
    CalendarEvent,
    Collaborative,
    Measure,
    MeasureReport,
    PdsaCycle,
    Rsvp,
    Team,
    TeamReport,
)

REPORT_COLUMNS = ["team", "measure", "period", "numerator", "denominator", "value"]
PDSA_COLUMNS = ["team", "start_date", "status", "act_decision", "end_date", "updated_at"]
CALL_COLUMNS = ["event_id", "title", "kind", "starts_at", "join_url", "going", "not_going"]
SESSION_COLUMNS = ["title", "starts_at"]


def _no_sessions() -> pd.DataFrame:
    return pd.DataFrame({"title": pd.Series(dtype=str), "starts_at": pd.Series(dtype="datetime64[ns, UTC]")})


@dataclass(frozen=True)
class CollaborativeInfo:
    id: int
    key: str
    name: str
    timezone: str
    start: date
    end: date
    due_day: int
    baseline_months: int | None
    digest_channel: str | None
    first_learning_session: datetime | None
    rules: str = "anhoej"


@dataclass(frozen=True)
class DigestData:
    """The raw material of a digest.

    - ``teams``: team_id, team (key), name, channel_id; active teams, in id order.
    - ``measures``: measure_id, key, name, type, kind, direction, goal, baseline, multiplier,
      denominator_definition.
    - ``reports``: team, measure, period ('YYYY-MM'), numerator, denominator, value.
    - ``team_reports``: team, period (narrative reports, which also count as having reported).
    - ``pdsa``: team, start_date, status, act_decision, end_date, updated_at.
    - ``calls``: event_id, title, kind, starts_at, join_url, going, not_going (upcoming only).
    - ``sessions``: title, starts_at (UTC) of every learning session, for the charts.
    """

    collaborative: CollaborativeInfo
    teams: pd.DataFrame
    measures: pd.DataFrame
    reports: pd.DataFrame
    team_reports: pd.DataFrame
    pdsa: pd.DataFrame
    calls: pd.DataFrame
    sessions: pd.DataFrame = field(default_factory=_no_sessions)


def _frame(session: Session, query: Selectable, columns: list[str]) -> pd.DataFrame:
    frame = pd.read_sql(query, session.connection())
    frame.columns = columns
    return frame


def collaborative_info(session: Session, collaborative_id: int) -> CollaborativeInfo:
    collab = session.get_one(Collaborative, collaborative_id)
    first_session = session.scalar(
        select(func.min(CalendarEvent.starts_at)).where(
            CalendarEvent.collaborative_id == collaborative_id,
            CalendarEvent.kind == CallKind.LEARNING_SESSION,
            CalendarEvent.active.is_(True),
        )
    )
    return CollaborativeInfo(
        id=collab.id,
        key=collab.key,
        name=collab.name,
        timezone=collab.timezone,
        start=collab.start,
        end=collab.end,
        due_day=collab.due_day,
        baseline_months=collab.baseline_months,
        digest_channel=collab.digest_channel,
        first_learning_session=first_session,
        rules=collab.rules,
    )


def teams_frame(session: Session, collaborative_id: int) -> pd.DataFrame:
    query = (
        select(Team.id, Team.key, Team.name, Team.channel_id)
        .where(Team.collaborative_id == collaborative_id, Team.active.is_(True))
        .order_by(Team.id)
    )
    return _frame(session, query, ["team_id", "team", "name", "channel_id"])


def measures_frame(session: Session, collaborative_id: int) -> pd.DataFrame:
    query = (
        select(
            Measure.id,
            Measure.key,
            Measure.name,
            Measure.type,
            Measure.kind,
            Measure.direction,
            Measure.goal,
            Measure.baseline,
            Measure.multiplier,
            Measure.denominator_definition,
        )
        .where(Measure.collaborative_id == collaborative_id, Measure.active.is_(True))
        .order_by(Measure.position, Measure.id)
    )
    columns = [
        "measure_id",
        "key",
        "name",
        "type",
        "kind",
        "direction",
        "goal",
        "baseline",
        "multiplier",
        "denominator_definition",
    ]
    frame = _frame(session, query, columns)
    for column in ("goal", "baseline", "multiplier"):
        frame[column] = frame[column].astype(float)
    return frame


def reports_frame(session: Session, collaborative_id: int, team_id: int | None = None) -> pd.DataFrame:
    """Every measure report of the collaborative's active teams and measures.

    The reports are read by team and measure id (no join, no string per row) and the keys are put
    in afterwards from the two small tables: at thousands of teams this is most of the read.
    """
    teams = dict(
        session.execute(
            select(Team.id, Team.key).where(
                Team.collaborative_id == collaborative_id,
                Team.active.is_(True),
                *([Team.id == team_id] if team_id is not None else []),
            )
        ).all()
    )
    measures = dict(
        session.execute(
            select(Measure.id, Measure.key).where(
                Measure.collaborative_id == collaborative_id, Measure.active.is_(True)
            )
        ).all()
    )
    query = select(
        MeasureReport.team_id,
        MeasureReport.measure_id,
        MeasureReport.period,
        MeasureReport.numerator,
        MeasureReport.denominator,
        MeasureReport.value,
    ).where(
        MeasureReport.team_id.in_(
            select(Team.id).where(
                Team.collaborative_id == collaborative_id,
                Team.active.is_(True),
                *([Team.id == team_id] if team_id is not None else []),
            )
        ),
        MeasureReport.measure_id.in_(
            select(Measure.id).where(Measure.collaborative_id == collaborative_id, Measure.active.is_(True))
        ),
    )
    frame = _frame(session, query, ["team_id", "measure_id", *REPORT_COLUMNS[2:]])
    frame.insert(0, "team", frame.pop("team_id").map(teams).astype(object))
    frame.insert(1, "measure", frame.pop("measure_id").map(measures).astype(object))
    for column in ("numerator", "denominator", "value"):
        frame[column] = frame[column].astype(float)
    return frame


def team_reports_frame(session: Session, collaborative_id: int) -> pd.DataFrame:
    query = (
        select(Team.key, TeamReport.period)
        .join(Team, TeamReport.team_id == Team.id)
        .where(Team.collaborative_id == collaborative_id, Team.active.is_(True))
    )
    return _frame(session, query, ["team", "period"])


def pdsa_frame(session: Session, collaborative_id: int, team_id: int | None = None) -> pd.DataFrame:
    query = (
        select(
            Team.key,
            PdsaCycle.start_date,
            PdsaCycle.status,
            PdsaCycle.act_decision,
            PdsaCycle.end_date,
            PdsaCycle.updated_at,
        )
        .join(Team, PdsaCycle.team_id == Team.id)
        .where(Team.collaborative_id == collaborative_id, Team.active.is_(True))
    )
    if team_id is not None:
        query = query.where(Team.id == team_id)
    frame = _frame(session, query, PDSA_COLUMNS)
    for column in ("start_date", "end_date"):
        frame[column] = pd.to_datetime(frame[column])
    frame["updated_at"] = pd.to_datetime(frame["updated_at"], utc=True)
    return frame


def sessions_frame(session: Session, collaborative_id: int) -> pd.DataFrame:
    """Every active learning session of the collaborative, in time order."""
    query = (
        select(CalendarEvent.title, CalendarEvent.starts_at)
        .where(
            CalendarEvent.collaborative_id == collaborative_id,
            CalendarEvent.active.is_(True),
            CalendarEvent.kind == CallKind.LEARNING_SESSION,
        )
        .order_by(CalendarEvent.starts_at)
    )
    frame = _frame(session, query, SESSION_COLUMNS)
    frame["starts_at"] = pd.to_datetime(frame["starts_at"], utc=True)
    return frame


def upcoming_calls_frame(
    session: Session, collaborative_id: int, after: datetime, until: datetime, limit: int = 5
) -> pd.DataFrame:
    """Calls starting in [after, until) with their RSVP counts, in one grouped query."""
    going = func.coalesce(func.sum(case((Rsvp.response == RsvpAnswer.GOING, 1), else_=0)), 0)
    not_going = func.coalesce(func.sum(case((Rsvp.response == RsvpAnswer.NOT_GOING, 1), else_=0)), 0)
    query = (
        select(
            CalendarEvent.id,
            CalendarEvent.title,
            CalendarEvent.kind,
            CalendarEvent.starts_at,
            CalendarEvent.join_url,
            going,
            not_going,
        )
        .outerjoin(Rsvp, Rsvp.event_id == CalendarEvent.id)
        .where(
            CalendarEvent.collaborative_id == collaborative_id,
            CalendarEvent.active.is_(True),
            CalendarEvent.starts_at >= after,
            CalendarEvent.starts_at < until,
        )
        .group_by(
            CalendarEvent.id,
            CalendarEvent.title,
            CalendarEvent.kind,
            CalendarEvent.starts_at,
            CalendarEvent.join_url,
        )
        .order_by(CalendarEvent.starts_at)
        .limit(limit)
    )
    frame = _frame(session, query, CALL_COLUMNS)
    frame["starts_at"] = pd.to_datetime(frame["starts_at"], utc=True)
    frame[["going", "not_going"]] = frame[["going", "not_going"]].astype(int)
    return frame


def load_digest_data(
    session: Session, collaborative_id: int, as_of: datetime, calls_horizon_days: int = 31
) -> DigestData:
    """The digest's inputs for one collaborative (eight queries, whatever its size)."""
    return DigestData(
        collaborative=collaborative_info(session, collaborative_id),
        teams=teams_frame(session, collaborative_id),
        measures=measures_frame(session, collaborative_id),
        reports=reports_frame(session, collaborative_id),
        team_reports=team_reports_frame(session, collaborative_id),
        pdsa=pdsa_frame(session, collaborative_id),
        calls=upcoming_calls_frame(
            session, collaborative_id, as_of, as_of + pd.Timedelta(days=calls_horizon_days).to_pytimedelta()
        ),
        sessions=sessions_frame(session, collaborative_id),
    )


def collaborative_id_of_team(session: Session, team_id: int) -> int | None:
    return session.scalar(select(Team.collaborative_id).where(Team.id == team_id))


def load_team_data(session: Session, team_id: int) -> DigestData | None:
    """One team's share of :class:`DigestData` (its reports and PDSA cycles; no calls)."""
    collaborative_id = collaborative_id_of_team(session, team_id)
    if collaborative_id is None:
        return None
    teams = teams_frame(session, collaborative_id)
    return DigestData(
        collaborative=collaborative_info(session, collaborative_id),
        teams=teams[teams["team_id"] == team_id].reset_index(drop=True),
        measures=measures_frame(session, collaborative_id),
        reports=reports_frame(session, collaborative_id, team_id),
        team_reports=pd.DataFrame({"team": [], "period": []}),
        pdsa=pdsa_frame(session, collaborative_id, team_id),
        calls=pd.DataFrame(columns=CALL_COLUMNS),
        sessions=sessions_frame(session, collaborative_id),
    )
