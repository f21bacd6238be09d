"""Who someone is in the collaboratives: their teams and roles, read from memberships."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.enums import Role
from storage.models import Collaborative, Membership, Team


@dataclass(frozen=True)
class TeamSeat:
    """A person's place on one team."""

    collaborative_id: int
    collaborative_name: str
    team_id: int
    team_key: str
    team_name: str
    channel_id: str | None
    role: Role  # member | lead


@dataclass(frozen=True)
class CollaborativeRole:
    collaborative_id: int
    collaborative_key: str
    collaborative_name: str
    role: Role  # faculty | admin


@dataclass(frozen=True)
class Person:
    user_id: str
    seats: list[TeamSeat] = field(default_factory=list)
    roles: list[CollaborativeRole] = field(default_factory=list)

    @property
    def is_faculty(self) -> bool:
        return any(r.role == Role.FACULTY for r in self.roles)

    @property
    def is_admin(self) -> bool:
        return any(r.role == Role.ADMIN for r in self.roles)

    @property
    def is_lead(self) -> bool:
        return any(s.role == Role.LEAD for s in self.seats)

    @property
    def known(self) -> bool:
        return bool(self.seats or self.roles)

    def oversees(self, collaborative_id: int) -> bool:
        """Faculty and admins see and act for every team of their collaborative."""
        return any(r.collaborative_id == collaborative_id for r in self.roles)


def find_person(session: Session, user_id: str) -> Person:
    rows = session.execute(
        select(Membership, Collaborative, Team)
        .join(Collaborative, Membership.collaborative_id == Collaborative.id)
        .outerjoin(Team, Membership.team_id == Team.id)
        .where(
            Membership.slack_user_id == user_id,
            Membership.active.is_(True),
            Collaborative.active.is_(True),
        )
        .order_by(Collaborative.id, Team.id)
    ).all()
    seats: dict[int, TeamSeat] = {}
    roles: list[CollaborativeRole] = []
    for membership, collab, team in rows:
        if team is not None:
            if not team.active:
                continue
            current = seats.get(team.id)
            if current is None or membership.role == Role.LEAD:
                seats[team.id] = TeamSeat(
                    collab.id, collab.name, team.id, team.key, team.name, team.channel_id, membership.role
                )
        else:
            roles.append(CollaborativeRole(collab.id, collab.key, collab.name, membership.role))
    return Person(user_id=user_id, seats=list(seats.values()), roles=roles)


def faculty_ids(session: Session, collaborative_id: int | None = None) -> list[str]:
    query = select(Membership.slack_user_id).where(
        Membership.role == Role.FACULTY, Membership.active.is_(True)
    )
    if collaborative_id is not None:
        query = query.where(Membership.collaborative_id == collaborative_id)
    return sorted(set(session.scalars(query)))


def lead_ids_by_team(session: Session, team_ids: list[int]) -> dict[int, list[str]]:
    """The active leads of each team (sorted user ids; a team without leads maps to [])."""
    leads: dict[int, set[str]] = {team_id: set() for team_id in team_ids}
    if team_ids:
        rows = session.execute(
            select(Membership.team_id, Membership.slack_user_id).where(
                Membership.team_id.in_(team_ids), Membership.role == Role.LEAD, Membership.active.is_(True)
            )
        )
        for team_id, user_id in rows:
            if team_id is not None:  # always, given the filter; the column is nullable for faculty
                leads[team_id].add(user_id)
    return {team_id: sorted(users) for team_id, users in leads.items()}


def teams_of_collaboratives(session: Session, collaborative_ids: list[int]) -> list[TeamSeat]:
    """Every active team of these collaboratives, as seats with the ``faculty`` role."""
    if not collaborative_ids:
        return []
    rows = session.execute(
        select(Team, Collaborative)
        .join(Collaborative, Team.collaborative_id == Collaborative.id)
        .where(Team.collaborative_id.in_(collaborative_ids), Team.active.is_(True))
        .order_by(Team.collaborative_id, Team.name)
    ).all()
    return [
        TeamSeat(collab.id, collab.name, team.id, team.key, team.name, team.channel_id, Role.FACULTY)
        for team, collab in rows
    ]
