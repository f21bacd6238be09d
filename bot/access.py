"""Who may act for which team: members and leads for their own teams, faculty and admins for all.

The same rules serve measures and PDSA cycles. Refusals are phrased for a clinic nurse.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.slack.blocks import mentions
from storage.db import Database
from storage.people import Person, TeamSeat, faculty_ids, find_person, teams_of_collaboratives


def actionable_teams(session: Session, person: Person) -> list[TeamSeat]:
    """Teams this person may report or log PDSA cycles for, their own first."""
    own = list(person.seats)
    seen = {seat.team_id for seat in own}
    overseen = teams_of_collaboratives(session, sorted({r.collaborative_id for r in person.roles}))
    return own + [seat for seat in overseen if seat.team_id not in seen]


def not_on_a_team_text(session: Session) -> str:
    faculty = faculty_ids(session)
    who = f"your faculty ({mentions(faculty)})" if faculty else "your collaborative's faculty"
    return (
        "You're not on a team in any learning collaborative yet, so there's nothing to report. "
        f"Ask {who} to add you."
    )


def other_team_text(team_name: str, doing: str = "report") -> str:
    """Refusal for someone who may not ``doing`` (report, log PDSA cycles) for ``team_name``."""
    return (
        f"You're not on *{team_name}*, so you can't {doing} for it. "
        "Only the team's own members, its leads and faculty can. Ask the team lead if you should be added."
    )


def who_is(db: Database, user_id: str) -> tuple[Person, list[str]]:
    """The person, plus the faculty to ask when they are on no team yet (empty otherwise)."""
    with db.reader() as session:
        person = find_person(session, user_id)
        return person, ([] if person.known else faculty_ids(session))
