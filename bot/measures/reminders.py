"""The monthly report reminder ladder: what to send to whom, for a collaborative, as of a moment.

Month M is due on ``due_day`` of month M+1 (local time). Around each due date:

* 7 days before, 1 day before and on the due day: a reminder in the channel of each team that
  has not reported the month yet, with a "Report now" button;
* the day after: each faculty member gets a direct message with who has reported and who is missing;
* 2 and 3 days after: each lead of a team still missing gets a direct message.

A team has reported a month when it has measure reports for it; it then gets nothing. Each message
has a ledger key (job, collaborative, team or person, period, step), so it is sent once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot import months
from bot.measures import reminder_views as views
from bot.slack.delivery import Outgoing
from storage.collaboratives import active_teams
from storage.db import Database
from storage.models import Collaborative
from storage.people import faculty_ids, lead_ids_by_team
from storage.reporting_status import reported_team_ids

JOB = "report-reminders"

#: Days relative to the due date -> step name.
LADDER: dict[int, str] = {
    -7: "week-before",
    -1: "day-before",
    0: "due-day",
    1: "faculty-summary",
    2: "lead-nudge-1",
    3: "lead-nudge-2",
}
TEAM_STEPS = ("week-before", "day-before", "due-day")
LEAD_STEPS = ("lead-nudge-1", "lead-nudge-2")


@dataclass(frozen=True)
class LadderStep:
    period: str  # YYYY-MM being reported
    due: date
    step: str


def _in_collaborative(collab: Collaborative, period: str) -> bool:
    return months.period_of(collab.start) <= period <= months.period_of(collab.end)


def ladder_step(collab: Collaborative, day: date) -> LadderStep | None:
    """The step of the ladder that falls on the local date ``day``, if any."""
    for offset, step in LADDER.items():
        due = day - timedelta(days=offset)
        if due.day == collab.due_day:
            period = months.period_due_on(due)
            if _in_collaborative(collab, period):
                return LadderStep(period, due, step)
    return None


def _key(collab: Collaborative, who: str, step: LadderStep) -> str:
    return f"{JOB}:{collab.key}:{who}:{step.period}:{step.step}"


def report_reminders_due(
    db: Database, collab: Collaborative, as_of: datetime
) -> tuple[LadderStep | None, list[Outgoing]]:
    """The ladder step for ``as_of``'s local date and the messages it sends."""
    step = ladder_step(collab, months.local_date(as_of, collab.timezone))
    if step is None:
        return None, []
    with db.reader() as session:
        teams = active_teams(session, collab.id)
        reported = reported_team_ids(session, collab.id, step.period)
        leads = lead_ids_by_team(session, [t.id for t in teams])
        faculty = faculty_ids(session, [collab.id])
    missing = [t for t in teams if t.id not in reported]
    out: list[Outgoing] = []

    def add(key: str, channel: str, msg: views.Message) -> None:
        out.append(Outgoing(key=key, job=JOB, channel=channel, message=msg, collaborative_id=collab.id))

    if step.step in TEAM_STEPS:
        for team in missing:
            if team.channel_id:
                msg = views.team_reminder(team.id, team.name, step.period, step.due, step.step)
                add(_key(collab, team.key, step), team.channel_id, msg)
    elif step.step == "faculty-summary":
        msg = views.faculty_summary(
            collab.name,
            step.period,
            step.due,
            [t.name for t in teams if t.id in reported],
            [(t.name, leads[t.id]) for t in missing],
        )
        for user in faculty:
            add(_key(collab, f"faculty-{user}", step), user, msg)
    else:
        for team in missing:
            for user in leads[team.id]:
                last = step.step == LEAD_STEPS[-1]
                msg = views.lead_nudge(team.id, team.name, step.period, step.due, last=last)
                add(_key(collab, f"{team.key}-lead-{user}", step), user, msg)
    return step, out
