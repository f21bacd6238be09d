"""Where a person's teams stand this month (``/collab status`` and the Home tab).

The month being reported is the last complete month (the one ``/measures`` opens on); it is due
on the collaborative's due day of the month after. Faculty and admins also get each
collaborative's tally: who has reported that month and who hasn't.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.access import Action, collaboratives_where
from bot.measures import rules
from storage.collaboratives import active_teams, collaborative_by_id
from storage.db import Database
from storage.pdsa import open_cycles
from storage.people import Person
from storage.reporting_status import reported_team_ids


@dataclass(frozen=True)
class TeamStatus:
    team_id: int
    team_name: str
    period: str | None  # None before the collaborative's first month is over
    due: date | None
    reported: bool
    overdue: bool
    open_cycles: int


@dataclass(frozen=True)
class CollaborativeStatus:
    name: str
    period: str | None
    due: date | None
    reported: list[str]
    missing: list[str]


@dataclass(frozen=True)
class Status:
    teams: list[TeamStatus]
    collaboratives: list[CollaborativeStatus]


def reporting_status(db: Database, person: Person, now: datetime) -> Status:
    teams: list[TeamStatus] = []
    overseen: list[CollaborativeStatus] = []
    with db.reader() as session:
        cycles = open_cycles(session, [seat.team_id for seat in person.seats])
        for seat in person.seats:
            collab = collaborative_by_id(session, seat.collaborative_id)
            if collab is None:
                continue
            period = rules.default_month(collab, now)
            reported = period is not None and seat.team_id in reported_team_ids(session, collab.id, period)
            due = rules.due_date(collab, period) if period else None
            teams.append(
                TeamStatus(
                    team_id=seat.team_id,
                    team_name=seat.team_name,
                    period=period,
                    due=due,
                    reported=reported,
                    overdue=bool(due and not reported and rules.local_today(collab, now) > due),
                    open_cycles=sum(1 for c in cycles if c.team_id == seat.team_id),
                )
            )
        for collaborative_id in collaboratives_where(person, Action.REPORT):  # faculty and admins
            collab = collaborative_by_id(session, collaborative_id)
            if collab is None:
                continue
            period = rules.default_month(collab, now)
            done = reported_team_ids(session, collab.id, period) if period else set()
            all_teams = active_teams(session, collab.id)
            overseen.append(
                CollaborativeStatus(
                    name=collab.name,
                    period=period,
                    due=rules.due_date(collab, period) if period else None,
                    reported=[t.name for t in all_teams if t.id in done],
                    missing=[t.name for t in all_teams if t.id not in done],
                )
            )
    return Status(teams=teams, collaboratives=overseen)
