"""The /pdsa conversation: which view each step shows, who may do it, and what a submission stores.

Handlers call these with the Slack user id and plain forms; each returns the :class:`View` to show
(or, for submissions, a :class:`Submission` with field errors or the stored cycle). Access follows
the measures rules (``bot.access``): a team's members and leads, and faculty/admins of its
collaborative. Shared cycles can be read (Details) by anyone in the same collaborative.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot.access import actionable_teams, not_on_a_team_text, other_team_text
from bot.context import BotContext
from bot.pdsa.rules import (
    PlanDraft,
    PlanForm,
    UpdateForm,
    blank_draft,
    next_cycle_draft,
    ramp_of,
    today_in,
    validate_plan,
    validate_update,
)
from bot.pdsa.views import details_view, done_view, new_cycle_view, notice_view, start_view, update_view
from storage.collaboratives import active_measures
from storage.pdsa import (
    ChangeIdeaNotFound,
    CycleClosed,
    CycleNotFound,
    CycleRecord,
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


@dataclass
class Submission:
    """The answer to a modal submission: field errors, or the view to show next (and the stored cycle)."""

    errors: dict[str, str] = field(default_factory=dict)
    view: View | None = None
    cycle: CycleRecord | None = None


def _seat(session: Session, person: Person, team_id: int | None) -> tuple[list[TeamSeat], TeamSeat | None]:
    teams = actionable_teams(session, person)
    if team_id is None:
        return teams, teams[0] if teams else None
    return teams, next((t for t in teams if t.team_id == team_id), None)


def start_screen(ctx: BotContext, user_id: str, team_id: int | None = None) -> View:
    """The first view: new cycle or an open one, for the chosen (or first) team."""
    with ctx.db.reader() as session:
        person = find_person(session, user_id)
        teams, team = _seat(session, person, team_id)
        if not teams:
            return notice_view(not_on_a_team_text(session))
        if team is None:
            return notice_view("You can't log PDSA cycles for that team.")
        return start_view(teams, team, open_cycles(session, [team.team_id]))


def _plan_screen(session: Session, team: TeamSeat, draft: PlanDraft) -> View:
    ideas = change_ideas(session, team.team_id)
    measures = active_measures(session, team.collaborative_id)
    return new_cycle_view(team, ideas, measures, draft)


def new_cycle_screen(ctx: BotContext, user_id: str, team_id: int) -> View:
    with ctx.db.reader() as session:
        person = find_person(session, user_id)
        teams, team = _seat(session, person, team_id)
        if team is None:
            return notice_view(not_on_a_team_text(session) if not teams else "You can't log for that team.")
        today = today_in(collaborative_timezone(session, team.collaborative_id))
        return _plan_screen(session, team, blank_draft(today))


def _cycle_for(session: Session, user_id: str, cycle_id: int) -> tuple[CycleRecord | None, TeamSeat | None]:
    cycle = get_cycle(session, cycle_id)
    if cycle is None:
        return None, None
    _, team = _seat(session, find_person(session, user_id), cycle.team_id)
    return cycle, team


def next_cycle_screen(ctx: BotContext, user_id: str, cycle_id: int) -> View:
    """ "Plan next cycle": the New-cycle view prefilled from ``cycle`` and numbered next on its ramp."""
    with ctx.db.reader() as session:
        last, team = _cycle_for(session, user_id, cycle_id)
        if last is None:
            return notice_view(GONE_TEXT)
        if team is None:
            return notice_view(not_your_team_text(last.team_name))
        ramp = ramp_of(team_cycles(session, last.team_id), last.change_idea_id)
        today = today_in(collaborative_timezone(session, last.collaborative_id))
        return _plan_screen(session, team, next_cycle_draft(ramp[-1] if ramp else last, ramp, today))


def update_screen(ctx: BotContext, user_id: str, cycle_id: int) -> View:
    """The Do/Study/Act view for an open cycle (a completed one shows its details instead)."""
    with ctx.db.reader() as session:
        cycle, team = _cycle_for(session, user_id, cycle_id)
    if cycle is None:
        return notice_view(GONE_TEXT)
    if team is None:
        return notice_view(not_your_team_text(cycle.team_name))
    if not cycle.is_open:
        return details_view(cycle)
    return update_view(cycle)


def details_screen(ctx: BotContext, user_id: str, cycle_id: int) -> View:
    """Read-only details: the team and faculty always; peers in the collaborative when it was shared."""
    with ctx.db.reader() as session:
        cycle = get_cycle(session, cycle_id)
        person = find_person(session, user_id)
        team = _seat(session, person, cycle.team_id)[1] if cycle is not None else None
    if cycle is None:
        return notice_view(GONE_TEXT)
    in_collaborative = person.oversees(cycle.collaborative_id) or any(
        s.collaborative_id == cycle.collaborative_id for s in person.seats
    )
    if team is None and not (cycle.shared and in_collaborative):
        return notice_view("This PDSA cycle is only visible to its team and faculty.")
    return details_view(cycle)


def submit_plan(ctx: BotContext, user_id: str, team_id: int, form: PlanForm) -> Submission:
    """Validate and store a new cycle (one transaction); nothing is stored when there are errors."""
    with ctx.db.reader() as session:
        _, team = _seat(session, find_person(session, user_id), team_id)
    if team is None:
        return Submission(view=notice_view("You're not on this team, so the cycle wasn't saved."))
    new, errors = validate_plan(form, team.team_id, user_id)
    if new is None:
        return Submission(errors=errors)
    try:
        cycle = create_cycle(ctx.db, new)
    except ChangeIdeaNotFound:
        return Submission(
            errors={"change_idea_pick": "That change idea is gone: pick another or type it again."}
        )
    text = (
        f":seedling: *Cycle {cycle.cycle_number}* of *{cycle.change_idea}* is planned. "
        "Come back with `/pdsa` to log what happened."
    )
    return Submission(view=notice_view(text, "PDSA cycle saved"), cycle=cycle)


def submit_update(ctx: BotContext, user_id: str, cycle_id: int, form: UpdateForm) -> Submission:
    """Validate and store Do/Study/Act; a decision completes the cycle."""
    with ctx.db.reader() as session:
        cycle, team = _cycle_for(session, user_id, cycle_id)
        timezone = collaborative_timezone(session, cycle.collaborative_id) if cycle else "UTC"
    if cycle is None:
        return Submission(view=notice_view(GONE_TEXT))
    if team is None:
        return Submission(view=notice_view(not_your_team_text(cycle.team_name)))
    change, errors = validate_update(form, cycle)
    if change is None:
        return Submission(errors=errors)
    try:
        saved = update_cycle(ctx.db, cycle.id, change, today_in(timezone))
    except CycleClosed:
        return Submission(
            view=notice_view("A teammate completed this cycle a moment ago; nothing was changed.")
        )
    except CycleNotFound:
        return Submission(view=notice_view(GONE_TEXT))
    if saved.is_open:
        text = (
            "Notes saved. The cycle stays open: come back with `/pdsa` when you've decided what to do next."
        )
        return Submission(view=notice_view(text, "PDSA cycle saved"), cycle=None)
    text = (
        f":checkered_flag: *Cycle {saved.cycle_number}* of *{saved.change_idea}* is complete: "
        f"*{saved.act_decision}*."
    )
    if saved.act_decision == "adapt":
        text += " Plan the next cycle on this idea now, or later from the team channel."
    return Submission(view=done_view(saved, text), cycle=saved)
