"""Block Kit for PDSA cycles: the /pdsa modals, channel cards, peer cards and nudges.

Modal input block ids are the domain's field names (``bot.pdsa.rules``), so validation errors show
under the right field. ``read_plan_form`` / ``read_update_form`` turn a submitted modal's state
back into plain forms. Buttons on a cycle carry a :class:`CycleRef`; modals carry a
:class:`TeamRef` or :class:`CycleRef` in ``private_metadata``; "Plan a new cycle" and the team
picker carry the bare team id (``bot.slack.payloads``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.format import clean, clip
from bot.pdsa.rules import (
    CHANGE_IDEA_NEW,
    CHANGE_IDEA_PICK,
    DECISION_EMOJI,
    DECISION_LABELS,
    PlanDraft,
    PlanForm,
    UpdateForm,
)
from bot.phi import SAFETY_NET_NOTE
from bot.slack.blocks import Message, context, escape, message, section
from bot.slack.modals import ModalFrame, input_state, notice_view, option
from bot.slack.payloads import Payload, RowId
from storage.enums import Decision
from storage.pdsa import DECISIONS, ChangeIdeaRow, CycleRecord, LinkedMeasure
from storage.people import TeamSeat

START_CALLBACK = "pdsa_start"
NEW_CALLBACK = "pdsa_new"
UPDATE_CALLBACK = "pdsa_update"

ACTION_TEAM = "pdsa_team"
ACTION_NEW = "pdsa_new_cycle"
ACTION_OPEN = "pdsa_open"
ACTION_NEXT = "pdsa_next"
ACTION_DETAILS = "pdsa_details"

SHARE_VALUE = "share"
MAX_LISTED_CYCLES = 40
MAX_OPTIONS = 100

# The loading and notice modals (``bot.slack.modals``) for PDSA cycles.
FRAME = ModalFrame("PDSA cycle", "Loading… :hourglass:")
SAVED_TITLE = "PDSA cycle saved"
STALE_BUTTON = "That button is out of date. Try `/pdsa` again."
STALE_FORM = "This form is out of date, so nothing was saved. Run `/pdsa` to start again."


class _Spaced(Payload):
    # PDSA buttons and modals have always carried ``{"cycle_id": 3}`` with spaces; posted cards keep it.
    separators = (", ", ": ")


class CycleRef(_Spaced):
    """Which cycle a button or the Update modal is about: ``{"cycle_id": 3}``."""

    cycle_id: RowId


class TeamRef(_Spaced):
    """Which team the start and New-cycle modals are for: ``{"team_id": 2}``."""

    team_id: RowId


def cycle_value(cycle_id: int) -> str:
    """The button value for actions on one cycle: ``{"cycle_id": N}``."""
    return CycleRef(cycle_id=cycle_id).dump()


def cycle_title(cycle: CycleRecord, limit: int = 150) -> str:
    """The cycle's name as plain text (a header, an option); :func:`cycle_name` for mrkdwn."""
    return clip(f"{cycle.change_idea} · cycle {cycle.cycle_number}", limit)


def cycle_name(cycle: CycleRecord, limit: int = 150) -> str:
    """The cycle's name for mrkdwn: what the team typed, escaped."""
    return escape(cycle_title(cycle, limit))


def _day(value: date | None) -> str:
    return f"{value:%a} {value:%b} {value.day}, {value.year}" if value else "not set"


# -- small modals ----------------------------------------------------------------------------------


def planned_view(cycle: CycleRecord) -> View:
    """Shown when a new cycle is stored."""
    text = (
        f":seedling: *Cycle {cycle.cycle_number}* of *{escape(cycle.change_idea)}* is planned. "
        "Come back with `/pdsa` to log what happened."
    )
    return notice_view(FRAME, text, SAVED_TITLE)


def notes_saved_view() -> View:
    """Shown when Do/Study notes are saved and the cycle stays open."""
    text = "Notes saved. The cycle stays open: come back with `/pdsa` when you've decided what to do next."
    return notice_view(FRAME, text, SAVED_TITLE)


def done_view(cycle: CycleRecord) -> View:
    """Shown when a cycle is completed; after "adapt" it offers to plan the next cycle right away."""
    text = (
        f":checkered_flag: *Cycle {cycle.cycle_number}* of *{escape(cycle.change_idea)}* is complete: "
        f"*{cycle.act_decision}*."
    )
    if cycle.act_decision == Decision.ADAPT:
        text += " Plan the next cycle on this idea now, or later from the team channel."
    blocks: list[Block] = [section(text)]
    if cycle.act_decision == Decision.ADAPT:
        blocks.append(
            ActionsBlock(
                block_id="next",
                elements=[
                    ButtonElement(
                        text="Plan next cycle",
                        action_id=ACTION_NEXT,
                        value=cycle_value(cycle.id),
                        style="primary",
                    )
                ],
            )
        )
    return View(type="modal", title="PDSA cycle", close="Done", blocks=blocks)


# -- the first view ----------------------------------------------------------------------------------


def start_view(teams: Sequence[TeamSeat], team: TeamSeat, cycles: Sequence[CycleRecord]) -> View:
    """Choose: a new cycle, or one of the team's open cycles (with a team picker when there are several)."""
    blocks: list[Block] = []
    if len(teams) > 1:
        options = [option(t.team_name, str(t.team_id)) for t in teams[:MAX_OPTIONS]]
        current = next((o for o in options if o.value == str(team.team_id)), None)
        blocks.append(section("*Team*"))
        blocks.append(
            ActionsBlock(
                block_id="team",
                elements=[
                    StaticSelectElement(action_id=ACTION_TEAM, options=options, initial_option=current)
                ],
            )
        )
    blocks.append(
        section(
            f"Test a change at *{escape(team.team_name)}*: plan a new cycle, or update one that's running."
        )
    )
    blocks.append(
        ActionsBlock(
            block_id="new",
            elements=[
                ButtonElement(
                    text="Plan a new cycle",
                    action_id=ACTION_NEW,
                    value=str(team.team_id),
                    style="primary",
                )
            ],
        )
    )
    blocks.append(DividerBlock())
    if not cycles:
        blocks.append(context("No open cycles for this team."))
    else:
        blocks.append(section("*Open cycles*"))
        for cycle in cycles[:MAX_LISTED_CYCLES]:
            started = f"started {_day(cycle.start_date)}"
            planned = f", planned to end {_day(cycle.planned_end_date)}" if cycle.planned_end_date else ""
            blocks.append(
                SectionBlock(
                    block_id=f"cycle-{cycle.id}",
                    text=MarkdownTextObject(
                        text=clip(f"*{cycle_name(cycle, 300)}*\n{started}{planned}", 3000)
                    ),
                    accessory=ButtonElement(
                        text="Update", action_id=ACTION_OPEN, value=cycle_value(cycle.id)
                    ),
                )
            )
        if len(cycles) > MAX_LISTED_CYCLES:
            blocks.append(context(f"…and {len(cycles) - MAX_LISTED_CYCLES} more (oldest not shown)."))
    return View(
        type="modal",
        callback_id=START_CALLBACK,
        title="PDSA cycle",
        close="Close",
        private_metadata=TeamRef(team_id=team.team_id).dump(),
        blocks=blocks,
    )


# -- New cycle ------------------------------------------------------------------------------------------


def _text_input(
    block_id: str,
    label: str,
    initial: str | None = None,
    *,
    optional: bool = False,
    multiline: bool = True,
    placeholder: str | None = None,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id="value", multiline=multiline, initial_value=initial or None, placeholder=placeholder
        ),
    )


def _date_input(
    block_id: str, label: str, initial: date | None, *, optional: bool, hint: str | None = None
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        hint=hint,
        element=DatePickerElement(action_id="value", initial_date=initial.isoformat() if initial else None),
    )


def new_cycle_view(
    team: TeamSeat, ideas: Sequence[ChangeIdeaRow], measures: Sequence[LinkedMeasure], draft: PlanDraft
) -> View:
    blocks: list[Block] = []
    heading = f"*{escape(team.team_name)}*: plan a test of change."
    if draft.cycle_number is not None:
        heading += f" This will be *cycle {draft.cycle_number}* of this change idea."
    blocks.append(section(heading))
    if draft.previous:
        blocks.append(context(clip("Ramp so far: " + escape(" · ".join(draft.previous)), 3000)))
    idea_options = [option(i.title, str(i.id)) for i in ideas[:MAX_OPTIONS]]
    if idea_options:
        picked = next((o for o in idea_options if o.value == str(draft.change_idea_id)), None)
        blocks.append(
            InputBlock(
                block_id=CHANGE_IDEA_PICK,
                label="Change idea you're testing",
                optional=True,
                hint="Pick one your team has tested before, or type a new one below.",
                element=StaticSelectElement(
                    action_id="value",
                    placeholder="Choose a change idea",
                    options=idea_options,
                    initial_option=picked,
                ),
            )
        )
    blocks.append(
        _text_input(
            CHANGE_IDEA_NEW,
            "New change idea" if idea_options else "Change idea you're testing",
            optional=bool(idea_options),
            multiline=False,
            placeholder="e.g. Repeat the BP when the first reading is 140/90 or higher",
        )
    )
    blocks.append(
        _text_input(
            "objective",
            "Objective: what question does this cycle answer?",
            draft.objective,
            placeholder="e.g. Can MAs repeat the BP for every high first reading on one morning shift?",
        )
    )
    blocks.append(
        _text_input(
            "prediction",
            "Prediction",
            draft.prediction,
            placeholder="We think … because …",
            hint='Say what you expect and why: "… because …".',
        )
    )
    plan = (
        ("plan_who", "Plan: who", draft.plan_who, "e.g. Two MAs, Dr. Lee reviews"),
        ("plan_what", "Plan: what", draft.plan_what, "What exactly will you do?"),
        ("plan_when", "Plan: when", draft.plan_when, "e.g. Tuesday morning clinic"),
        ("plan_where", "Plan: where", draft.plan_where, "e.g. Pod B"),
        ("plan_data", "Plan: what data you'll collect", draft.plan_data, "e.g. Tally of repeats and results"),
    )
    for block_id, label, value, placeholder in plan:
        blocks.append(_text_input(block_id, label, value, optional=True, placeholder=placeholder))
    measure_options = [option(m.name, str(m.id)) for m in measures[:MAX_OPTIONS]]
    if measure_options:
        chosen = [o for o in measure_options if o.value in {str(i) for i in draft.measure_ids}]
        blocks.append(
            InputBlock(
                block_id="measures",
                label="Measures it should move",
                optional=True,
                element=StaticMultiSelectElement(
                    action_id="value",
                    placeholder="Choose measures",
                    options=measure_options,
                    initial_options=chosen or None,
                ),
            )
        )
    blocks.append(_date_input("start_date", "Start date", draft.start_date, optional=False))
    blocks.append(_date_input("planned_end_date", "Planned end date", draft.planned_end_date, optional=True))
    share = option("Share with peer teams", SHARE_VALUE)
    blocks.append(
        InputBlock(
            block_id="shared",
            label="Sharing",
            optional=True,
            hint="Other teams in the collaborative see the cycle card in the peer-sharing channel.",
            element=CheckboxesElement(
                action_id="value", options=[share], initial_options=[share] if draft.shared else None
            ),
        )
    )
    blocks.append(context(SAFETY_NET_NOTE))
    return View(
        type="modal",
        callback_id=NEW_CALLBACK,
        title="New PDSA cycle",
        submit="Start cycle",
        close="Cancel",
        private_metadata=TeamRef(team_id=team.team_id).dump(),
        blocks=blocks,
    )


def _text(values: dict[str, Any], block_id: str) -> str | None:
    return clean(input_state(values, block_id).get("value"))


def _date(values: dict[str, Any], block_id: str) -> date | None:
    raw = input_state(values, block_id).get("selected_date")
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _int(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def read_plan_form(values: dict[str, Any]) -> PlanForm:
    """The New-cycle modal's ``view.state.values`` as a :class:`PlanForm`."""
    picked = input_state(values, CHANGE_IDEA_PICK).get("selected_option") or {}
    measures = input_state(values, "measures").get("selected_options") or []
    shared = input_state(values, "shared").get("selected_options") or []
    return PlanForm(
        change_idea_id=_int(picked.get("value")),
        change_idea_title=_text(values, CHANGE_IDEA_NEW),
        objective=_text(values, "objective"),
        prediction=_text(values, "prediction"),
        plan_who=_text(values, "plan_who"),
        plan_what=_text(values, "plan_what"),
        plan_when=_text(values, "plan_when"),
        plan_where=_text(values, "plan_where"),
        plan_data=_text(values, "plan_data"),
        measure_ids=tuple(i for i in (_int(o.get("value")) for o in measures) if i is not None),
        start_date=_date(values, "start_date"),
        planned_end_date=_date(values, "planned_end_date"),
        shared=any(o.get("value") == SHARE_VALUE for o in shared),
    )


# -- Update (Do / Study / Act) ------------------------------------------------------------------------


def _plan_summary(cycle: CycleRecord) -> list[Block]:
    lines = [
        f"*Objective:* {escape(clip(cycle.objective, 1200))}",
        f"*Prediction:* {escape(clip(cycle.prediction, 1200))}",
        f"Started {_day(cycle.start_date)}"
        + (f", planned to end {_day(cycle.planned_end_date)}" if cycle.planned_end_date else ""),
    ]
    return [section(f"*{escape(cycle.team_name)}* · *{cycle_name(cycle, 300)}*"), section("\n".join(lines))]


def update_view(cycle: CycleRecord) -> View:
    blocks: list[Block] = [*_plan_summary(cycle), DividerBlock(), section("*Do*")]
    blocks.append(_text_input("do_observations", "What happened?", cycle.do_observations, optional=True))
    blocks.append(_text_input("do_surprises", "Surprises or problems", cycle.do_surprises, optional=True))
    blocks.append(section("*Study*"))
    blocks.append(
        _text_input(
            "study_results",
            "Results compared with your prediction",
            cycle.study_results,
            optional=True,
            placeholder="e.g. 9 of 20 repeats were below 140/90; we predicted half",
        )
    )
    blocks.append(_text_input("study_learning", "What did you learn?", cycle.study_learning, optional=True))
    blocks.append(section("*Act*"))
    options = [option(DECISION_LABELS[d], d) for d in DECISIONS]
    blocks.append(
        InputBlock(
            block_id="decision",
            label="Decision",
            optional=True,
            hint="Leave it empty to save your notes and keep the cycle open. A decision completes the cycle.",
            element=RadioButtonsElement(action_id="value", options=options),
        )
    )
    blocks.append(_text_input("next_step", "Next step", cycle.next_step, optional=True))
    blocks.append(
        _date_input(
            "end_date",
            "End date",
            cycle.end_date,
            optional=True,
            hint="When the test finished. Left empty, completing the cycle uses today.",
        )
    )
    blocks.append(context(SAFETY_NET_NOTE))
    return View(
        type="modal",
        callback_id=UPDATE_CALLBACK,
        title="Update PDSA cycle",
        submit="Save",
        close="Cancel",
        private_metadata=CycleRef(cycle_id=cycle.id).dump(),
        blocks=blocks,
    )


def read_update_form(values: dict[str, Any]) -> UpdateForm:
    decision = input_state(values, "decision").get("selected_option") or {}
    return UpdateForm(
        do_observations=_text(values, "do_observations"),
        do_surprises=_text(values, "do_surprises"),
        study_results=_text(values, "study_results"),
        study_learning=_text(values, "study_learning"),
        decision=clean(decision.get("value")),
        next_step=_text(values, "next_step"),
        end_date=_date(values, "end_date"),
    )


# -- read-only details ----------------------------------------------------------------------------------


def _labelled(label: str, text: str | None) -> SectionBlock | None:
    if not text:
        return None
    return section(f"*{label}*\n{escape(clip(text, 2900))}")


def details_view(cycle: CycleRecord) -> View:
    blocks: list[Block] = [
        HeaderBlock(text=cycle_title(cycle)),
        context(
            f"{escape(clip(cycle.team_name, 200))} · {_status(cycle)} · started {_day(cycle.start_date)}"
        ),
    ]
    parts = [
        ("Objective", cycle.objective),
        ("Prediction", cycle.prediction),
        ("Plan: who", cycle.plan_who),
        ("Plan: what", cycle.plan_what),
        ("Plan: when", cycle.plan_when),
        ("Plan: where", cycle.plan_where),
        ("Plan: data", cycle.plan_data),
        ("Do: what happened", cycle.do_observations),
        ("Do: surprises", cycle.do_surprises),
        ("Study: results vs prediction", cycle.study_results),
        ("Study: what we learned", cycle.study_learning),
        ("Act", DECISION_LABELS.get(cycle.act_decision or "")),
        ("Next step", cycle.next_step),
        ("Measures it should move", ", ".join(m.name for m in cycle.measures)),
    ]
    blocks.extend(b for b in (_labelled(label, text) for label, text in parts) if b is not None)
    return View(type="modal", title="PDSA cycle", close="Close", blocks=blocks)


# -- messages -------------------------------------------------------------------------------------------


def _status(cycle: CycleRecord) -> str:
    if cycle.is_open:
        return "in progress"
    return f"{cycle.act_decision or 'completed'} ({_day(cycle.end_date)})"


def _card_blocks(cycle: CycleRecord, heading: str) -> list[Block]:
    lines = [heading, f"*{cycle_name(cycle, 400)}*", f"*Prediction:* {escape(clip(cycle.prediction, 900))}"]
    if not cycle.is_open:
        lines.append(f"*Result:* {escape(clip(cycle.study_results, 900))}")
        decision = cycle.act_decision or ""
        lines.append(f"*Decision:* {DECISION_EMOJI.get(decision, '')} {decision}".rstrip())
    if cycle.measures:
        lines.append("_Measures:_ " + escape(clip(", ".join(m.name for m in cycle.measures), 300)))
    return [section("\n".join(lines))]


def _heading(cycle: CycleRecord, who: str) -> str:
    if cycle.is_open:
        return f":seedling: {who} started a PDSA cycle"
    return f":checkered_flag: {who} completed a PDSA cycle"


def team_card(cycle: CycleRecord) -> Message:
    """For the team's own channel, when a cycle starts and when it is completed."""
    blocks = _card_blocks(cycle, _heading(cycle, "The team"))
    buttons: list[ButtonElement] = []
    if cycle.is_open:
        buttons.append(ButtonElement(text="Update", action_id=ACTION_OPEN, value=cycle_value(cycle.id)))
    elif cycle.act_decision == Decision.ADAPT:
        buttons.append(
            ButtonElement(
                text="Plan next cycle", action_id=ACTION_NEXT, value=cycle_value(cycle.id), style="primary"
            )
        )
    if buttons:
        blocks.append(ActionsBlock(block_id="pdsa", elements=buttons))
    verb = "started" if cycle.is_open else "completed"
    return message(f"PDSA cycle {verb}: {cycle_name(cycle, 200)}", blocks)


def peer_card(cycle: CycleRecord) -> Message:
    """For the peer-sharing channel: the same card with the team's name and a Details button."""
    blocks = _card_blocks(cycle, _heading(cycle, f"*{escape(clip(cycle.team_name, 200))}*"))
    blocks.append(
        ActionsBlock(
            block_id="pdsa",
            elements=[ButtonElement(text="Details", action_id=ACTION_DETAILS, value=cycle_value(cycle.id))],
        )
    )
    verb = "started" if cycle.is_open else "completed"
    team = escape(clip(cycle.team_name, 200))
    return message(f"{team} {verb} a PDSA cycle: {cycle_name(cycle, 200)}", blocks)


def nudge_message(cycle: CycleRecord, reason: str) -> Message:
    """The weekly reminder for an open cycle, with an Update button that opens it."""
    text = f":hourglass_flowing_sand: *{cycle_name(cycle, 400)}* is still open: {reason}."
    blocks: list[Block] = [
        section(text + "\nHow did it go? Log what happened and decide: adopt, adapt or abandon."),
        ActionsBlock(
            block_id="pdsa",
            elements=[
                ButtonElement(
                    text="Update", action_id=ACTION_OPEN, value=cycle_value(cycle.id), style="primary"
                )
            ],
        ),
    ]
    return message(f"PDSA cycle still open: {cycle_name(cycle, 200)}", blocks)
