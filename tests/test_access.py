"""The one access policy (``bot.access``), rule by rule: who may do what, in their own workspace."""

from __future__ import annotations

import logging

import pytest

from bot.access import RULES, Action, Target, allows, check, collaboratives_where
from storage.enums import Role
from storage.people import CollaborativeRole, Person, TeamSeat
from storage.workspaces import Workspace

HERE = Workspace("T0TEST0001")
HTN, OTHER_COLLAB = 1, 2
RIVERSIDE, EASTSIDE = 10, 11


def seat(team: int, role: Role = Role.MEMBER, collab: int = HTN) -> TeamSeat:
    return TeamSeat(collab, "HTN", team, f"team{team}", f"Team {team}", None, role)


def role(kind: Role, collab: int = HTN) -> CollaborativeRole:
    return CollaborativeRole(collab, "htn", "HTN", kind)


PEOPLE = {
    "member": Person("U0MEMBER01", HERE, seats=[seat(RIVERSIDE)]),
    "lead": Person("U0LEAD0001", HERE, seats=[seat(RIVERSIDE, Role.LEAD)]),
    "faculty": Person("U0FACULT01", HERE, roles=[role(Role.FACULTY)]),
    "admin": Person("U0ADMIN001", HERE, roles=[role(Role.ADMIN)]),
    "other collaborative": Person("U0ELSE0001", HERE, roles=[role(Role.FACULTY, OTHER_COLLAB)]),
    "stranger": Person("U0NOBODY01", HERE),
}
OWN_TEAM = Target("team", RIVERSIDE, HTN, RIVERSIDE)
OTHER_TEAM = Target("team", EASTSIDE, HTN, EASTSIDE)
SHARED_CYCLE = Target("cycle", 7, HTN, EASTSIDE, shared=True)
PRIVATE_CYCLE = Target("cycle", 8, HTN, EASTSIDE, shared=False)
CALL = Target("event", 3, HTN)
COLLAB = Target.collaborative(HTN)

# who (of PEOPLE) may: each action on each target
EXPECTED = {
    (Action.REPORT, OWN_TEAM): {"member", "lead", "faculty", "admin"},
    (Action.REPORT, OTHER_TEAM): {"faculty", "admin"},
    (Action.LOG_PDSA, OTHER_TEAM): {"faculty", "admin"},
    (Action.VIEW_CYCLE, SHARED_CYCLE): {"member", "lead", "faculty", "admin"},
    (Action.VIEW_CYCLE, PRIVATE_CYCLE): {"faculty", "admin"},
    (Action.RSVP, CALL): {"member", "lead", "faculty", "admin"},
    (Action.FEEDBACK, CALL): {"member", "lead", "faculty", "admin"},
    (Action.SHARE_WITH_PEERS, OWN_TEAM): {"member", "lead"},
    (Action.SHARE_WITH_PEERS, OTHER_TEAM): set(),
    (Action.PREVIEW_DIGEST, COLLAB): {"faculty"},
    (Action.SCORE, COLLAB): {"faculty", "admin"},
    (Action.ADMIN, COLLAB): {"admin"},
}


@pytest.mark.parametrize(("action", "target"), list(EXPECTED))
def test_who_may_do_what(action: Action, target: Target) -> None:
    allowed = {name for name, person in PEOPLE.items() if allows(person, action, target)}
    assert allowed == EXPECTED[action, target]


def test_every_action_has_a_rule() -> None:
    assert set(RULES) == set(Action)


def test_a_refusal_is_a_security_event_without_text(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.security")
    assert not check(PEOPLE["stranger"], Action.RSVP, CALL)
    assert check(PEOPLE["member"], Action.RSVP, CALL)
    [record] = caplog.records
    assert record.name == "bot.security"
    assert record.getMessage() == "refused user=U0NOBODY01 workspace=T0TEST0001 action=rsvp target=event:3"


def test_listings_follow_the_same_rules() -> None:
    assert collaboratives_where(PEOPLE["faculty"], Action.PREVIEW_DIGEST) == [HTN]
    assert collaboratives_where(PEOPLE["admin"], Action.PREVIEW_DIGEST) == []
    assert collaboratives_where(PEOPLE["admin"], Action.REPORT) == [HTN]
    assert collaboratives_where(PEOPLE["member"], Action.REPORT) == []
