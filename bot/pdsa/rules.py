"""PDSA cycles, the domain: what a Plan or an Update must contain, ramps, and "Plan next cycle".

Forms arrive as plain data (read from the modal by ``bot.pdsa.views``); :func:`validate_plan` and
:func:`validate_update` turn them into storage requests or into field errors a clinic nurse
understands, keyed by the same field names the modal uses as block ids. Nothing is stored when
there is an error. :func:`next_cycle_draft` prefills the next cycle on a ramp after "adapt".
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from bot.months import short_day_label
from bot.phi import phi_error
from storage.enums import Decision
from storage.pdsa import DECISIONS, CycleRecord, CycleUpdate, NewCycle

TEXT_LIMIT = 3000
TITLE_LIMIT = 200

# Field names: also the block ids of the modal inputs, so errors land under the right field.
CHANGE_IDEA_PICK = "change_idea_pick"
CHANGE_IDEA_NEW = "change_idea_new"
PLAN_TEXT_FIELDS = (
    "objective",
    "prediction",
    "plan_who",
    "plan_what",
    "plan_when",
    "plan_where",
    "plan_data",
)
PLAN_REQUIRED = ("objective", "prediction")
UPDATE_TEXT_FIELDS = ("do_observations", "do_surprises", "study_results", "study_learning", "next_step")

FIELD_NAMES = {
    CHANGE_IDEA_NEW: "the change idea",
    "objective": "the objective",
    "prediction": "the prediction",
    "study_results": "the results",
}

DECISION_LABELS: dict[str, str] = {
    Decision.ADOPT: "Adopt: make it standard work",
    Decision.ADAPT: "Adapt: change it and test again",
    Decision.ABANDON: "Abandon: stop testing this idea",
}
DECISION_EMOJI: dict[str, str] = {
    Decision.ADOPT: ":white_check_mark:",
    Decision.ADAPT: ":arrows_counterclockwise:",
    Decision.ABANDON: ":x:",
}


@dataclass(frozen=True)
class PlanForm:
    """What someone typed in the New-cycle modal (empty strings already turned into None)."""

    change_idea_id: int | None = None
    change_idea_title: str | None = None
    objective: str | None = None
    prediction: str | None = None
    plan_who: str | None = None
    plan_what: str | None = None
    plan_when: str | None = None
    plan_where: str | None = None
    plan_data: str | None = None
    measure_ids: tuple[int, ...] = ()
    start_date: date | None = None
    planned_end_date: date | None = None
    shared: bool = False  # sharing with peer teams is the team's choice: unticked at first


#: What someone typed in the Update modal: exactly the Do/Study/Act fields that are stored.
UpdateForm = CycleUpdate


@dataclass(frozen=True)
class PlanDraft:
    """Initial values for the New-cycle modal; ``cycle_number`` is shown when the idea is known."""

    start_date: date
    change_idea_id: int | None = None
    cycle_number: int | None = None
    objective: str | None = None
    prediction: str | None = None
    plan_who: str | None = None
    plan_what: str | None = None
    plan_when: str | None = None
    plan_where: str | None = None
    plan_data: str | None = None
    measure_ids: tuple[int, ...] = ()
    planned_end_date: date | None = None
    shared: bool = False  # sharing with peer teams is the team's choice: unticked at first
    previous: tuple[str, ...] = field(default_factory=tuple)  # one line per earlier cycle on the ramp


def too_long_error(limit: int) -> str:
    return f"That's too long for Slack: please keep it under {limit:,} characters."


def _text_error(text: str | None, today: date, limit: int = TEXT_LIMIT) -> str | None:
    if text is None:
        return None
    if len(text) >= limit:
        return too_long_error(limit)
    return phi_error(text, today)


UNKNOWN_MEASURE = (
    "One of the measures you picked isn't a measure of your team's collaborative any more: "
    "pick again from the list."
)


def validate_plan(
    form: PlanForm,
    team_id: int,
    user_id: str,
    today: date,
    measures: Collection[int] | None = None,
) -> tuple[NewCycle | None, dict[str, str]]:
    """A storable new cycle, or field errors (and no cycle). ``today`` is for the PHI guard;
    ``measures`` are the ids of the team's collaborative's measures (the only ones it may link)."""
    errors: dict[str, str] = {}
    if measures is not None and not set(form.measure_ids) <= set(measures):
        errors["measures"] = UNKNOWN_MEASURE
    if form.change_idea_id is None and form.change_idea_title is None:
        errors[CHANGE_IDEA_NEW] = "Pick one of your change ideas above, or type a new one here."
    elif form.change_idea_id is not None and form.change_idea_title is not None:
        errors[CHANGE_IDEA_NEW] = (
            "You picked a change idea above and typed a new one here: keep just one (clear this box "
            "to test the picked idea again)."
        )
    elif (title_error := _text_error(form.change_idea_title, today, TITLE_LIMIT)) is not None:
        errors[CHANGE_IDEA_NEW] = title_error
    for name in PLAN_TEXT_FIELDS:
        value = getattr(form, name)
        if value is None and name in PLAN_REQUIRED:
            errors[name] = f"Please fill in {FIELD_NAMES[name]}."
        elif (error := _text_error(value, today)) is not None:
            errors[name] = error
    if form.start_date is None:
        errors["start_date"] = "Please pick the day the test starts."
    elif form.planned_end_date is not None and form.planned_end_date < form.start_date:
        errors["planned_end_date"] = "The planned end date can't be before the start date."
    if errors:
        return None, errors
    assert form.start_date is not None and form.objective is not None and form.prediction is not None
    return (
        NewCycle(
            team_id=team_id,
            created_by=user_id,
            objective=form.objective,
            prediction=form.prediction,
            start_date=form.start_date,
            change_idea_id=form.change_idea_id,
            change_idea_title=form.change_idea_title,
            plan_who=form.plan_who,
            plan_what=form.plan_what,
            plan_when=form.plan_when,
            plan_where=form.plan_where,
            plan_data=form.plan_data,
            planned_end_date=form.planned_end_date,
            shared=form.shared,
            measure_ids=form.measure_ids,
        ),
        {},
    )


def validate_update(
    form: UpdateForm, cycle: CycleRecord, today: date
) -> tuple[CycleUpdate | None, dict[str, str]]:
    """Do/Study/Act to store, or field errors. Choosing a decision needs the results written down."""
    errors: dict[str, str] = {}
    for name in UPDATE_TEXT_FIELDS:
        if (error := _text_error(getattr(form, name), today)) is not None:
            errors[name] = error
    if form.decision is not None and form.decision not in DECISIONS:
        errors["decision"] = "Please choose adopt, adapt or abandon."
    if form.decision is not None and form.study_results is None and "study_results" not in errors:
        errors["study_results"] = (
            "Before you decide, write what happened compared with your prediction (a sentence is enough)."
        )
    if form.end_date is not None and form.end_date < cycle.start_date:
        errors["end_date"] = (
            f"The end date can't be before the start date ({short_day_label(cycle.start_date)})."
        )
    if errors:
        return None, errors
    return form, {}


def ramp_line(cycle: CycleRecord) -> str:
    """One line about a cycle on a ramp: ``Cycle 2 (from Mar 2): adapt``."""
    outcome = cycle.act_decision or "in progress"
    return f"Cycle {cycle.cycle_number} (from {short_day_label(cycle.start_date)}): {outcome}"


def ramp_of(cycles: list[CycleRecord], change_idea_id: int) -> list[CycleRecord]:
    """The cycles on one change idea, in ramp order."""
    return sorted((c for c in cycles if c.change_idea_id == change_idea_id), key=lambda c: c.cycle_number)


def next_cycle_draft(last: CycleRecord, ramp: list[CycleRecord], today: date) -> PlanDraft:
    """Prefill the next cycle after "adapt": same idea and plan, numbered next, starting today.

    The objective becomes the team's own "next step" when they wrote one, since that is what the
    next test is for; the prediction and plan are carried over for them to edit.
    """
    number = max([c.cycle_number for c in ramp] + [last.cycle_number]) + 1
    return PlanDraft(
        start_date=max(today, last.end_date or today),
        change_idea_id=last.change_idea_id,
        cycle_number=number,
        objective=last.next_step or last.objective,
        prediction=last.prediction,
        plan_who=last.plan_who,
        plan_what=last.plan_what,
        plan_when=last.plan_when,
        plan_where=last.plan_where,
        plan_data=last.plan_data,
        measure_ids=tuple(m.id for m in last.measures),
        shared=last.shared,
        previous=tuple(ramp_line(c) for c in ramp),
    )


def blank_draft(today: date) -> PlanDraft:
    return PlanDraft(start_date=today)
