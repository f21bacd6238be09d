"""Who someone is in the collaboratives: their teams and roles, read from memberships.

Identity is (workspace, user ID): only memberships in collaboratives of the person's workspace
(``storage.workspaces.belongs_to``) count, so the same user ID in another workspace is nobody here.
What a person may do with their seats and roles is decided in ``bot.access``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.enums import Role
from storage.models import Collaborative, Membership, Team
from storage.workspaces import Workspace, belongs_to


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
    """Someone in one workspace: their team seats and collaborative roles there (none: a stranger)."""

    user_id: str
    workspace: Workspace
    seats: list[TeamSeat] = field(default_factory=list)
    roles: list[CollaborativeRole] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return bool(self.seats or self.roles)


def find_person(session: Session, workspace: Workspace, user_id: str) -> Person:
    """``user_id``'s seats and roles in the active collaboratives of ``workspace``."""
    rows = session.execute(
        select(Membership, Collaborative, Team)
        .join(Collaborative, Membership.collaborative_id == Collaborative.id)
        .outerjoin(Team, Membership.team_id == Team.id)
        .where(
            Membership.slack_user_id == user_id,
            Membership.active.is_(True),
            Collaborative.active.is_(True),
            belongs_to(workspace),
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
    return Person(user_id=user_id, workspace=workspace, seats=list(seats.values()), roles=roles)


def faculty_ids(session: Session, collaborative_ids: Sequence[int]) -> list[str]:
    """The active faculty of these collaboratives (sorted, each once)."""
    if not collaborative_ids:
        return []
    query = select(Membership.slack_user_id).where(
        Membership.role == Role.FACULTY,
        Membership.active.is_(True),
        Membership.collaborative_id.in_(list(collaborative_ids)),
    )
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


def team_seat_in(session: Session, workspace: Workspace, team_id: int) -> TeamSeat | None:
    """An active team of an active collaborative of ``workspace``, seen from outside it (role faculty)."""
    row = session.execute(
        select(Team, Collaborative)
        .join(Collaborative, Team.collaborative_id == Collaborative.id)
        .where(
            Team.id == team_id,
            Team.active.is_(True),
            Collaborative.active.is_(True),
            belongs_to(workspace),
        )
    ).one_or_none()
    if row is None:
        return None
    team, collab = row
    return TeamSeat(collab.id, collab.name, team.id, team.key, team.name, team.channel_id, Role.FACULTY)
