"""The one access policy: may this person do this to this team, cycle, event, digest or collaborative?

Every such question in the bot is answered here; handlers and services ask, nothing re-implements a
rule. A person is always resolved inside one workspace (``storage.people.find_person``), so every
answer is per workspace: the same user ID in another workspace is a stranger.

* Members and leads act for their own team: report, log and update PDSA cycles, read its cycles.
* Faculty and admins of a collaborative act for every team in it the same way.
* Anyone with a seat or role in a collaborative takes part in it: RSVP to its calls, give feedback
  on them, and read the PDSA cycles its teams shared.
* Faculty preview its digest, coach (every team on their Home tab, interim-call prep) and read its
  feedback summaries; faculty and admins score; admins administer.

A refusal is logged on the ``bot.security`` logger with the user, the workspace, the action and
the target's id, never any text. Refusals shown to people are phrased for a clinic nurse.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from bot.results import Refusal
from bot.slack.blocks import escape, mentions
from storage.enums import Role
from storage.people import Person, TeamSeat, faculty_ids, team_seat_in, teams_of_collaboratives
from storage.workspaces import collaborative_ids_in

security_log = logging.getLogger("bot.security")


class Action(StrEnum):
    """What someone may ask to do (the names appear in the security log)."""

    USE = "use"  # anything at all: only from a workspace that holds a collaborative (the gate decides)
    REPORT = "report"
    LOG_PDSA = "log_pdsa"
    VIEW_CYCLE = "view_cycle"
    RSVP = "rsvp"
    FEEDBACK = "feedback"
    SHARE_WITH_PEERS = "share_with_peers"  # a win or a question in the peer channel, for one's own team
    PREVIEW_DIGEST = "preview_digest"
    COACH = "coach"  # faculty's overview: every team on the Home tab, interim-call prep
    READ_FEEDBACK = "read_feedback"
    SCORE = "score"
    ADMIN = "admin"


@dataclass(frozen=True)
class Target:
    """What an action is done to: its kind and id, its collaborative, and its team when it has one."""

    kind: str  # team | cycle | event | collaborative
    id: int
    collaborative_id: int
    team_id: int | None = None
    shared: bool = False  # a PDSA cycle its team shared with the collaborative

    @classmethod
    def team(cls, seat: TeamSeat) -> Target:
        return cls("team", seat.team_id, seat.collaborative_id, seat.team_id)

    @classmethod
    def collaborative(cls, collaborative_id: int) -> Target:
        return cls("collaborative", collaborative_id, collaborative_id)


# -- who is what, inside the person's workspace --------------------------------------------------------


def roles_in(person: Person, collaborative_id: int) -> set[Role]:
    """The person's collaborative-wide roles (faculty, admin) in one collaborative."""
    return {r.role for r in person.roles if r.collaborative_id == collaborative_id}


def _oversees(person: Person, collaborative_id: int) -> bool:
    return bool(roles_in(person, collaborative_id) & {Role.FACULTY, Role.ADMIN})


def _on_team(person: Person, team_id: int | None) -> bool:
    return team_id is not None and any(s.team_id == team_id for s in person.seats)


def _takes_part(person: Person, collaborative_id: int) -> bool:
    return bool(roles_in(person, collaborative_id)) or any(
        s.collaborative_id == collaborative_id for s in person.seats
    )


def _acts_for_team(person: Person, target: Target) -> bool:
    return _on_team(person, target.team_id) or _oversees(person, target.collaborative_id)


RULES: dict[Action, Callable[[Person, Target], bool]] = {
    Action.USE: lambda p, t: True,  # any request from a workspace with a collaborative: the gate decides
    Action.REPORT: _acts_for_team,
    Action.LOG_PDSA: _acts_for_team,
    Action.VIEW_CYCLE: lambda p, t: _acts_for_team(p, t) or (t.shared and _takes_part(p, t.collaborative_id)),
    Action.RSVP: lambda p, t: _takes_part(p, t.collaborative_id),
    Action.FEEDBACK: lambda p, t: _takes_part(p, t.collaborative_id),
    Action.SHARE_WITH_PEERS: lambda p, t: _on_team(p, t.team_id),
    Action.PREVIEW_DIGEST: lambda p, t: Role.FACULTY in roles_in(p, t.collaborative_id),
    Action.COACH: lambda p, t: Role.FACULTY in roles_in(p, t.collaborative_id),
    Action.READ_FEEDBACK: lambda p, t: Role.FACULTY in roles_in(p, t.collaborative_id),
    Action.SCORE: lambda p, t: _oversees(p, t.collaborative_id),
    Action.ADMIN: lambda p, t: Role.ADMIN in roles_in(p, t.collaborative_id),
}


def allows(person: Person, action: Action, target: Target) -> bool:
    """The policy itself: no logging (for listings and for deciding what to show)."""
    return RULES[action](person, target)


def refused(person: Person, action: Action, target: Target | None = None) -> None:
    """Log a refused action as a security event: user, workspace, action, target id; never text."""
    security_log.warning(
        "refused user=%s workspace=%s action=%s target=%s:%s",
        person.user_id,
        person.workspace,
        action.value,
        target.kind if target else "-",
        target.id if target else "-",
    )


def check(person: Person, action: Action, target: Target) -> bool:
    """May ``person`` do ``action`` to ``target``? A no is logged (``refused``)."""
    if allows(person, action, target):
        return True
    refused(person, action, target)
    return False


def collaboratives_where(person: Person, action: Action) -> list[int]:
    """The collaboratives (of the person's roles) in which ``action`` is allowed, e.g. digest previews."""
    ids = sorted({r.collaborative_id for r in person.roles})
    return [cid for cid in ids if allows(person, action, Target.collaborative(cid))]


def leads_a_team(person: Person) -> bool:
    return any(s.role == Role.LEAD for s in person.seats)


# -- teams ----------------------------------------------------------------------------------------------


def actionable_teams(session: Session, person: Person) -> list[TeamSeat]:
    """Teams this person may report or log PDSA cycles for, their own first."""
    own = list(person.seats)
    seen = {seat.team_id for seat in own}
    overseen = teams_of_collaboratives(session, collaboratives_where(person, Action.REPORT))
    return own + [seat for seat in overseen if seat.team_id not in seen]


NO_SUCH_TEAM = "That team is no longer part of an active collaborative, so there's nothing to do for it."
DOING = {Action.REPORT: "report", Action.LOG_PDSA: "log PDSA cycles"}


def acting_for(session: Session, person: Person, action: Action, team_id: int) -> TeamSeat | Refusal:
    """The team as ``person`` may ``action`` for it (their own seat, or the overseen team), or why not.

    A team outside the person's workspace is treated as one that doesn't exist. Refusals are logged.
    """
    seat = next((s for s in person.seats if s.team_id == team_id), None)
    if seat is None:
        seat = team_seat_in(session, person.workspace, team_id)
    if seat is None:
        refused(person, action, Target("team", team_id, 0, team_id))
        return Refusal(NO_SUCH_TEAM)
    if not check(person, action, Target.team(seat)):
        return Refusal(other_team_text(seat.team_name, DOING.get(action, "act")))
    return seat


# -- what strangers are told ----------------------------------------------------------------------------


def faculty_to_ask(session: Session, person: Person) -> list[str]:
    """Faculty of the collaboratives of the person's own workspace (never another workspace's)."""
    return faculty_ids(session, collaborative_ids_in(session, person.workspace))


def not_on_a_team_text(faculty: Sequence[str]) -> str:
    who = f"your faculty ({mentions(faculty)})" if faculty else "your collaborative's faculty"
    return (
        "You're not on a team in any learning collaborative yet, so there's nothing to report. "
        f"Ask {who} to add you."
    )


def other_team_text(team_name: str, doing: str = "report") -> str:
    """Refusal for someone who may not ``doing`` (report, log PDSA cycles) for ``team_name``."""
    return (
        f"You're not on *{escape(team_name)}*, so you can't {doing} for it. "
        "Only the team's own members, its leads and faculty can. Ask the team lead if you should be added."
    )
