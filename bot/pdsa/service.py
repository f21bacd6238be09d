"""The /pdsa conversation: what each step shows, who may do it, and what a submission stores.

Handlers call these with the Slack user id and plain forms. Each returns a plain result, never a
view: a screen to show (:data:`Screen`: the start screen, the plan form, the update form, a
cycle's details, or a :class:`Refusal`) or, for submissions, an :data:`Outcome` (field errors, a
refusal, or what was stored). ``handlers.pdsa`` picks the view for each. Every request reads in
one database session; a submission then writes in one transaction.

Access follows the measures rules (``bot.access``): a team's members and leads, and faculty/admins
of its collaborative. Shared cycles can be read (Details) by anyone in the same collaborative.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.access import actionable_teams, not_on_a_team_text, other_team_text
from bot.context import BotContext
from bot.months import local_date
from bot.pdsa.rules import (
    PlanDraft,
    PlanForm,
    UpdateForm,
    blank_draft,
    next_cycle_draft,
    ramp_of,
    validate_plan,
    validate_update,
)
from bot.results import Invalid, Refusal
from storage.collaboratives import active_measures
from storage.pdsa import (
    ChangeIdeaNotFound,
    ChangeIdeaRow,
    CycleClosed,
    CycleNotFound,
    CycleRecord,
    LinkedMeasure,
    change_ideas,
    collaborative_timezone,
    create_cycle,
    get_cycle,
    open_cycles,
    team_cycles,
    update_cycle,
)
from storage.people import Person, TeamSeat, find_person

GONE_TEXT = "That PDSA cycle no longer exists."


def not_your_team_text(team_name: str) -> str:
    return other_team_text(team_name, doing="log PDSA cycles")


# -- what the service answers (besides bot.results' Refusal and Invalid) -----------------------------


@dataclass(frozen=True)
class StartScreen:
    """New cycle, or one of the team's open cycles (``teams``: every team the person may pick)."""

    teams: tuple[TeamSeat, ...]
    team: TeamSeat
    cycles: tuple[CycleRecord, ...]


@dataclass(frozen=True)
class PlanScreen:
    """The New-cycle form for ``team``, prefilled from ``draft``."""

    team: TeamSeat
    ideas: tuple[ChangeIdeaRow, ...]
    measures: tuple[LinkedMeasure, ...]
    draft: PlanDraft


@dataclass(frozen=True)
class _OneCycle:
    cycle: CycleRecord


class UpdateScreen(_OneCycle):
    """The Do/Study/Act form for an open cycle."""


class CycleDetails(_OneCycle):
    """A cycle, read-only."""


class CyclePlanned(_OneCycle):
    """A new cycle was stored (its card goes to the team channel, and peers when shared)."""


class NotesSaved(_OneCycle):
    """Do/Study notes were stored; the cycle stays open."""


class CycleCompleted(_OneCycle):
    """A decision was stored and the cycle is complete (its card goes out again)."""


Screen = Refusal | StartScreen | PlanScreen | UpdateScreen | CycleDetails
Outcome = Refusal | Invalid | CyclePlanned | NotesSaved | CycleCompleted


# -- reading ----------------------------------------------------------------------------------------


def _seat(session: Session, person: Person, team_id: int | None) -> tuple[list[TeamSeat], TeamSeat | None]:
    teams = actionable_teams(session, person)
    if team_id is None:
        return teams, teams[0] if teams else None
    return teams, next((t for t in teams if t.team_id == team_id), None)


def start_screen(ctx: BotContext, user_id: str, team_id: int | None = None) -> Screen:
    """The first view: new cycle or an open one, for the chosen (or first) team."""
    with ctx.db.reader() as session:
        person = find_person(session, user_id)
        teams, team = _seat(session, person, team_id)
        if not teams:
            return Refusal(not_on_a_team_text(session))
        if team is None:
            return Refusal("You can't log PDSA cycles for that team.")
        return StartScreen(tuple(teams), team, tuple(open_cycles(session, [team.team_id])))


def _plan_screen(session: Session, team: TeamSeat, draft: PlanDraft) -> PlanScreen:
    ideas = change_ideas(session, team.team_id)
    measures = [LinkedMeasure(m.id, m.key, m.name) for m in active_measures(session, team.collaborative_id)]
    return PlanScreen(team, tuple(ideas), tuple(measures), draft)


def new_cycle_screen(ctx: BotContext, user_id: str, team_id: int) -> Screen:
    with ctx.db.reader() as session:
        person = find_person(session, user_id)
        teams, team = _seat(session, person, team_id)
        if team is None:
            return Refusal(not_on_a_team_text(session) if not teams else "You can't log for that team.")
        today = local_date(ctx.now(), collaborative_timezone(session, team.collaborative_id))
        return _plan_screen(session, team, blank_draft(today))


def _cycle_for(session: Session, user_id: str, cycle_id: int) -> tuple[CycleRecord | None, TeamSeat | None]:
    cycle = get_cycle(session, cycle_id)
    if cycle is None:
        return None, None
    _, team = _seat(session, find_person(session, user_id), cycle.team_id)
    return cycle, team


def next_cycle_screen(ctx: BotContext, user_id: str, cycle_id: int) -> Screen:
    """ "Plan next cycle": the New-cycle form prefilled from ``cycle`` and numbered next on its ramp."""
    with ctx.db.reader() as session:
        last, team = _cycle_for(session, user_id, cycle_id)
        if last is None:
            return Refusal(GONE_TEXT)
        if team is None:
            return Refusal(not_your_team_text(last.team_name))
        ramp = ramp_of(team_cycles(session, last.team_id), last.change_idea_id)
        today = local_date(ctx.now(), collaborative_timezone(session, last.collaborative_id))
        return _plan_screen(session, team, next_cycle_draft(ramp[-1] if ramp else last, ramp, today))


def update_screen(ctx: BotContext, user_id: str, cycle_id: int) -> Screen:
    """The Do/Study/Act form for an open cycle (a completed one shows its details instead)."""
    with ctx.db.reader() as session:
        cycle, team = _cycle_for(session, user_id, cycle_id)
    if cycle is None:
        return Refusal(GONE_TEXT)
    if team is None:
        return Refusal(not_your_team_text(cycle.team_name))
    if not cycle.is_open:
        return CycleDetails(cycle)
    return UpdateScreen(cycle)


def details_screen(ctx: BotContext, user_id: str, cycle_id: int) -> Screen:
    """Read-only details: the team and faculty always; peers in the collaborative when it was shared."""
    with ctx.db.reader() as session:
        cycle = get_cycle(session, cycle_id)
        person = find_person(session, user_id)
        team = _seat(session, person, cycle.team_id)[1] if cycle is not None else None
    if cycle is None:
        return Refusal(GONE_TEXT)
    in_collaborative = person.oversees(cycle.collaborative_id) or any(
        s.collaborative_id == cycle.collaborative_id for s in person.seats
    )
    if team is None and not (cycle.shared and in_collaborative):
        return Refusal("This PDSA cycle is only visible to its team and faculty.")
    return CycleDetails(cycle)


# -- writing ----------------------------------------------------------------------------------------


def submit_plan(ctx: BotContext, user_id: str, team_id: int, form: PlanForm) -> Outcome:
    """Validate and store a new cycle (one transaction); nothing is stored when there are errors."""
    with ctx.db.reader() as session:
        _, team = _seat(session, find_person(session, user_id), team_id)
    if team is None:
        return Refusal("You're not on this team, so the cycle wasn't saved.")
    new, errors = validate_plan(form, team.team_id, user_id, ctx.now().date())
    if new is None:
        return Invalid(errors)
    try:
        cycle = create_cycle(ctx.db, new, ctx.now())
    except ChangeIdeaNotFound:
        return Invalid({"change_idea_pick": "That change idea is gone: pick another or type it again."})
    return CyclePlanned(cycle)


def submit_update(ctx: BotContext, user_id: str, cycle_id: int, form: UpdateForm) -> Outcome:
    """Validate and store Do/Study/Act; a decision completes the cycle."""
    with ctx.db.reader() as session:
        cycle, team = _cycle_for(session, user_id, cycle_id)
        timezone = collaborative_timezone(session, cycle.collaborative_id) if cycle else "UTC"
    if cycle is None:
        return Refusal(GONE_TEXT)
    if team is None:
        return Refusal(not_your_team_text(cycle.team_name))
    now = ctx.now()
    today = local_date(now, timezone)
    change, errors = validate_update(form, cycle, today)
    if change is None:
        return Invalid(errors)
    try:
        saved = update_cycle(ctx.db, cycle.id, change, today, now)
    except CycleClosed:
        return Refusal("A teammate completed this cycle a moment ago; nothing was changed.")
    except CycleNotFound:
        return Refusal(GONE_TEXT)
    return NotesSaved(saved) if saved.is_open else CycleCompleted(saved)
