"""The /pdsa conversation: what each step shows, who may do it, and what a submission stores.

Handlers call these with the Slack user id and plain forms. Each returns a plain result, never a
view: a screen to show (:data:`Screen`: the start screen, the plan form, the update form, a
cycle's details, or a :class:`Refusal`) or, for submissions, an :data:`Outcome` (field errors, a
refusal, or what was stored). ``handlers.pdsa`` picks the view for each. Every request reads in
one database session; a submission then writes in one transaction.

Access is the policy's (``bot.access``): a team's members and leads, and faculty/admins of its
collaborative, log and update its cycles. Shared cycles can be read (Details) by anyone in the
same collaborative. The person comes resolved in their workspace (``storage.people.Person``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.access import (
    Action,
    Target,
    acting_for,
    actionable_teams,
    check,
    faculty_to_ask,
    not_on_a_team_text,
    refused,
)
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
from storage.people import Person, TeamSeat

GONE_TEXT = "That PDSA cycle no longer exists."
ONLY_TEAM_TEXT = "This PDSA cycle is only visible to its team and faculty."


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


def _seat(session: Session, person: Person, team_id: int | None) -> tuple[list[TeamSeat], TeamSeat | Refusal]:
    """The teams the person may log for, and the chosen one (their first when None) or why not."""
    teams = actionable_teams(session, person)
    if not teams:
        refused(person, Action.LOG_PDSA)
        return teams, Refusal(not_on_a_team_text(faculty_to_ask(session, person)))
    chosen = team_id if team_id is not None else teams[0].team_id
    return teams, acting_for(session, person, Action.LOG_PDSA, chosen)


def start_screen(ctx: BotContext, person: Person, team_id: int | None = None) -> Screen:
    """The first view: new cycle or an open one, for the chosen (or first) team."""
    with ctx.db.reader() as session:
        teams, team = _seat(session, person, team_id)
        if isinstance(team, Refusal):
            return team
        return StartScreen(tuple(teams), team, tuple(open_cycles(session, [team.team_id])))


def _plan_screen(session: Session, team: TeamSeat, draft: PlanDraft) -> PlanScreen:
    ideas = change_ideas(session, team.team_id)
    measures = [LinkedMeasure(m.id, m.key, m.name) for m in active_measures(session, team.collaborative_id)]
    return PlanScreen(team, tuple(ideas), tuple(measures), draft)


def new_cycle_screen(ctx: BotContext, person: Person, team_id: int) -> Screen:
    with ctx.db.reader() as session:
        _, team = _seat(session, person, team_id)
        if isinstance(team, Refusal):
            return team
        today = local_date(ctx.now(), collaborative_timezone(session, team.collaborative_id))
        return _plan_screen(session, team, blank_draft(today))


def _cycle_target(cycle: CycleRecord) -> Target:
    return Target("cycle", cycle.id, cycle.collaborative_id, cycle.team_id, cycle.shared)


def _cycle_for(session: Session, person: Person, cycle_id: int) -> tuple[CycleRecord, TeamSeat] | Refusal:
    """A cycle the person may update (and its team), or why not. Another workspace's cycle is "gone"."""
    cycle = get_cycle(session, cycle_id)
    if cycle is None:
        return Refusal(GONE_TEXT)
    team = acting_for(session, person, Action.LOG_PDSA, cycle.team_id)
    if isinstance(team, Refusal):
        return team
    return cycle, team


def next_cycle_screen(ctx: BotContext, person: Person, cycle_id: int) -> Screen:
    """ "Plan next cycle": the New-cycle form prefilled from ``cycle`` and numbered next on its ramp."""
    with ctx.db.reader() as session:
        found = _cycle_for(session, person, cycle_id)
        if isinstance(found, Refusal):
            return found
        last, team = found
        ramp = ramp_of(team_cycles(session, last.team_id), last.change_idea_id)
        today = local_date(ctx.now(), collaborative_timezone(session, last.collaborative_id))
        return _plan_screen(session, team, next_cycle_draft(ramp[-1] if ramp else last, ramp, today))


def update_screen(ctx: BotContext, person: Person, cycle_id: int) -> Screen:
    """The Do/Study/Act form for an open cycle (a completed one shows its details instead)."""
    with ctx.db.reader() as session:
        found = _cycle_for(session, person, cycle_id)
    if isinstance(found, Refusal):
        return found
    cycle, _ = found
    if not cycle.is_open:
        return CycleDetails(cycle)
    return UpdateScreen(cycle)


def details_screen(ctx: BotContext, person: Person, cycle_id: int) -> Screen:
    """Read-only details: the team and faculty always; peers in the collaborative when it was shared."""
    with ctx.db.reader() as session:
        cycle = get_cycle(session, cycle_id)
    if cycle is None:
        return Refusal(GONE_TEXT)
    if not check(person, Action.VIEW_CYCLE, _cycle_target(cycle)):
        return Refusal(ONLY_TEAM_TEXT)
    return CycleDetails(cycle)


# -- writing ----------------------------------------------------------------------------------------


def submit_plan(ctx: BotContext, person: Person, team_id: int, form: PlanForm) -> Outcome:
    """Validate and store a new cycle (one transaction); nothing is stored when there are errors."""
    with ctx.db.reader() as session:
        team = acting_for(session, person, Action.LOG_PDSA, team_id)
        if isinstance(team, Refusal):
            return Refusal(f"{team.text} The cycle wasn't saved.")
        measures = [m.id for m in active_measures(session, team.collaborative_id)]
    new, errors = validate_plan(form, team.team_id, person.user_id, ctx.now().date(), measures)
    if new is None:
        return Invalid(errors)
    try:
        cycle = create_cycle(ctx.db, new, ctx.now())
    except ChangeIdeaNotFound:
        return Invalid({"change_idea_pick": "That change idea is gone: pick another or type it again."})
    return CyclePlanned(cycle)


def submit_update(ctx: BotContext, person: Person, cycle_id: int, form: UpdateForm) -> Outcome:
    """Validate and store Do/Study/Act; a decision completes the cycle."""
    with ctx.db.reader() as session:
        found = _cycle_for(session, person, cycle_id)
        if isinstance(found, Refusal):
            return found
        cycle, _ = found
        timezone = collaborative_timezone(session, cycle.collaborative_id)
    now = ctx.now()
    today = local_date(now, timezone)
    change, errors = validate_update(form, cycle, today)
    if change is None:
        return Invalid(errors)
    try:
        saved = update_cycle(ctx.db, cycle.id, change, today, now, by=person.user_id)
    except CycleClosed:
        return Refusal("A teammate completed this cycle a moment ago; nothing was changed.")
    except CycleNotFound:
        return Refusal(GONE_TEXT)
    return NotesSaved(saved) if saved.is_open else CycleCompleted(saved)
