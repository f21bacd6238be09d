"""Bulk inserts of synthetic data (demo and benchmark): reports, PDSA ramps and RSVPs.

Rows arrive as DataFrames keyed by team and measure keys; ids are looked up once per call and
rows are written with executemany inserts inside the caller's transaction.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from storage.enums import Role, RsvpAnswer
from storage.models import (
    CalendarEvent,
    ChangeIdea,
    Measure,
    MeasureReport,
    Membership,
    PdsaCycle,
    Rsvp,
    Team,
)

SEED_USER = "U0DEMOSEED"
PREDICTION = "The change will work for most eligible patients because staff already see them."


def _team_ids(session: Session, collaborative_id: int) -> dict[str, int]:
    rows = session.execute(select(Team.key, Team.id).where(Team.collaborative_id == collaborative_id))
    return {key: team_id for key, team_id in rows}


def _leads(session: Session, collaborative_id: int) -> dict[int, str]:
    rows = session.execute(
        select(Membership.team_id, Membership.slack_user_id).where(
            Membership.collaborative_id == collaborative_id, Membership.role == Role.LEAD
        )
    )
    return {team_id: user for team_id, user in rows if team_id is not None}


def _none(value: Any) -> Any:
    return None if pd.isna(value) else value


def insert_reports(
    session: Session, collaborative_id: int, reports: pd.DataFrame, due_day: int, late_days: dict[str, int]
) -> int:
    """Insert measure reports (team, measure, period, numerator, denominator, value).

    Each is stamped as submitted a few days before its due date, or ``late_days[team]`` after it.
    """
    teams = _team_ids(session, collaborative_id)
    measures = {
        key: measure_id
        for key, measure_id in session.execute(
            select(Measure.key, Measure.id).where(Measure.collaborative_id == collaborative_id)
        )
    }
    leads = _leads(session, collaborative_id)
    rows = []
    for report in reports.to_dict("records"):
        period = pd.Period(report["period"], "M") + 1
        due = datetime.combine(date(period.year, period.month, due_day), time(17), UTC)
        team_id = teams[report["team"]]
        rows.append(
            {
                "team_id": team_id,
                "measure_id": measures[report["measure"]],
                "period": str(report["period"]),
                "numerator": _none(report["numerator"]),
                "denominator": _none(report["denominator"]),
                "value": _none(report["value"]),
                "submitted_by": leads.get(team_id, SEED_USER),
                "submitted_at": due + timedelta(days=late_days.get(report["team"], -3)),
                "version": 1,
            }
        )
    if rows:
        session.execute(insert(MeasureReport), rows)
    return len(rows)


def insert_pdsa(session: Session, collaborative_id: int, cycles: pd.DataFrame) -> int:
    """Insert PDSA ramps (team, idea, cycle_number, start_date, end_date, status, act_decision)."""
    teams = _team_ids(session, collaborative_id)
    leads = _leads(session, collaborative_id)
    ideas = cycles[["team", "idea"]].drop_duplicates()
    session.execute(
        insert(ChangeIdea),
        [
            {"team_id": teams[t], "title": title, "created_by": leads.get(teams[t], SEED_USER)}
            for t, title in ideas.to_numpy().tolist()
        ],
    )
    idea_ids = {
        (team_id, title): idea_id
        for idea_id, team_id, title in session.execute(
            select(ChangeIdea.id, ChangeIdea.team_id, ChangeIdea.title).where(
                ChangeIdea.team_id.in_(list(teams.values()))
            )
        )
    }
    rows = []
    for cycle in cycles.to_dict("records"):
        team_id = teams[cycle["team"]]
        end = _none(cycle["end_date"])
        touched = datetime.combine(end or cycle["start_date"], time(18), UTC)
        rows.append(
            {
                "team_id": team_id,
                "change_idea_id": idea_ids[(team_id, cycle["idea"])],
                "cycle_number": int(cycle["cycle_number"]),
                "status": cycle["status"],
                "objective": f"Test: {cycle['idea']}",
                "prediction": PREDICTION,
                "act_decision": _none(cycle["act_decision"]),
                "start_date": cycle["start_date"],
                "end_date": end,
                "created_by": leads.get(team_id, SEED_USER),
                "created_at": datetime.combine(cycle["start_date"], time(16), UTC),
                "updated_at": touched,
            }
        )
    if rows:
        session.execute(insert(PdsaCycle), rows)
    return len(rows)


def insert_rsvps(session: Session, collaborative_id: int, after: datetime, going: list[int]) -> int:
    """RSVPs for the next calls after ``after``: ``going[i]`` people say yes to call i, one says no."""
    events = list(
        session.scalars(
            select(CalendarEvent.id)
            .where(CalendarEvent.collaborative_id == collaborative_id, CalendarEvent.starts_at >= after)
            .order_by(CalendarEvent.starts_at)
            .limit(len(going))
        )
    )
    users = list(
        session.scalars(
            select(Membership.slack_user_id)
            .where(Membership.collaborative_id == collaborative_id, Membership.team_id.is_not(None))
            .distinct()
            .order_by(Membership.slack_user_id)
        )
    )
    rows = []
    for event_id, count in zip(events, going, strict=False):
        for index, user in enumerate(users[: count + 1]):
            rows.append(
                {
                    "event_id": event_id,
                    "slack_user_id": user,
                    "response": RsvpAnswer.NOT_GOING if index == count else RsvpAnswer.GOING,
                }
            )
    if rows:
        session.execute(insert(Rsvp), rows)
    return len(rows)
