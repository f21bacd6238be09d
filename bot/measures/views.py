"""Block Kit for monthly measures: the report modal, its notices, and the two confirmations.

Block ids carry the team and month the fields were built for (``name|team_id|period``), so a
``views.update`` after choosing another team or month shows that month's stored values instead of
keeping what was typed. The modal's ``private_metadata`` (:class:`ReportMeta`) says which team and
month it is, and which unusual figures the person has already confirmed; the "Report now" button
carries a :class:`ReportTarget`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator
from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot import months
from bot.format import clip
from bot.measures import rules
from bot.measures.rules import MeasureInfo, ReportForm, ReportLine, Saved, SubmittedForm
from bot.phi import SAFETY_NET_NOTE
from bot.slack.blocks import Message, context, escape, message, section
from bot.slack.modals import ModalFrame
from bot.slack.payloads import Payload, RowId, parse
from storage.reports import Narrative

CALLBACK_ID = "measures_report"
TEAM_ACTION = "measures_team"
MONTH_ACTION = "measures_month"
OPEN_ACTION = "measures_open"  # the "Report now" button in reminders
VALUE_ACTION = "value"
TITLE = "Monthly measures"
MAX_BLOCKS = 100
PHI_REMINDER = SAFETY_NET_NOTE


def block_id(name: str, team_id: int, period: str) -> str:
    return f"{name}|{team_id}|{period}"


def _plain(text: str, limit: int) -> PlainTextObject:
    return PlainTextObject(text=clip(text, limit), emoji=True)


def _modal(
    blocks: list[Block], *, submit: str | None = None, metadata: str = "", close: str = "Close"
) -> View:
    return View(
        type="modal",
        callback_id=CALLBACK_ID,
        title=_plain(TITLE, 24),
        submit=_plain(submit, 24) if submit else None,
        close=_plain(close, 24),
        blocks=blocks,
        private_metadata=metadata,
    )


# The loading and notice modals (``bot.slack.modals``) for measures.
FRAME = ModalFrame(TITLE, ":hourglass_flowing_sand: Getting your team's measures…", CALLBACK_ID)
STALE = "This form or button is out of date, so nothing was done. Run `/measures` to start again."


# --- what travels through Slack -------------------------------------------------------------------


def _period(text: str) -> str:
    period = rules.parse_period(text)
    if period is None:
        raise ValueError("not a YYYY-MM month")
    return period


Period = Annotated[str, AfterValidator(_period)]


class ReportTarget(Payload):
    """The "Report now" button's value: ``{"team_id":3,"period":"2026-10"}``."""

    team_id: RowId
    period: Period | None = None


class ReportMeta(Payload):
    """The report modal's ``private_metadata``: its team and month, and the confirmed unusual figures."""

    team_id: RowId
    period: Period
    confirmed: dict[str, float] = {}


# --- the form -----------------------------------------------------------------------------------


def _metadata(form: ReportForm) -> str:
    return ReportMeta(team_id=form.team_id, period=form.period, confirmed=form.confirmed).dump()


def _team_picker(form: ReportForm) -> Block:
    options = [Option(value=str(t.team_id), text=clip(t.name, 75)) for t in form.teams[:100]]
    initial = next((o for o in options if o.value == str(form.team_id)), options[0])
    return InputBlock(
        block_id=block_id(rules.TEAM, form.team_id, form.period),
        label="Team",
        dispatch_action=True,
        element=StaticSelectElement(action_id=TEAM_ACTION, options=options, initial_option=initial),
    )


def _month_picker(form: ReportForm) -> Block:
    options = [Option(value=p, text=months.month_label(p)) for p in form.months[:100]]
    initial = next((o for o in options if o.value == form.period), options[0])
    return InputBlock(
        block_id=block_id(rules.MONTH, form.team_id, form.period),
        label="Month",
        hint="Pick an earlier month to report late or to correct it.",
        dispatch_action=True,
        element=StaticSelectElement(action_id=MONTH_ACTION, options=options, initial_option=initial),
    )


def _status_line(form: ReportForm) -> str:
    when = f"{months.day_label(form.due)}, {form.due.year}"
    month = months.month_label(form.period)
    due = (
        f"{month} was due {when}, so this report will be marked late."
        if form.late
        else f"{month} is due {when}."
    )
    return f"{due} {form.reported}" if form.reported else due


def _measure_input(form: ReportForm, m: MeasureInfo, part: str) -> Block:
    key = rules.field_key(m.key, part)
    hint = m.definition_of(part) or ""
    if key in form.previous:
        hint = f"{hint} (Last reported: {form.previous[key]}.)".strip()
    return InputBlock(
        block_id=block_id(key, form.team_id, form.period),
        label=clip(m.label(part), 2000),
        hint=clip(hint, 2000) if hint else None,
        element=NumberInputElement(
            action_id=VALUE_ACTION,
            is_decimal_allowed=False,
            initial_value=form.values.get(key) or None,
            placeholder="e.g. 120" if part != rules.NUMERATOR else "e.g. 84",
        ),
    )


def _narrative_input(form: ReportForm, name: str, label: str, initial: str | None) -> Block:
    return InputBlock(
        block_id=block_id(name, form.team_id, form.period),
        label=label,
        optional=True,
        element=PlainTextInputElement(
            action_id=VALUE_ACTION, multiline=True, max_length=2000, initial_value=initial or None
        ),
    )


def _level_option(score: float, name: str) -> Option:
    return Option(value=f"{score:.1f}", text=f"{score:.1f} · {name}")


def _self_assessment(form: ReportForm) -> Block:
    options = [_level_option(score, name) for score, name in rules.IHI_LEVELS]
    chosen = form.narrative.self_assessment
    initial = next((o for o in options if chosen is not None and o.value == f"{chosen:.1f}"), None)
    return InputBlock(
        block_id=block_id(rules.SELF_ASSESSMENT, form.team_id, form.period),
        label="Team self-assessment (IHI scale)",
        hint="Where the team is now on the IHI Assessment Scale for Collaboratives, 1.0 to 5.0.",
        optional=True,
        element=StaticSelectElement(
            action_id=VALUE_ACTION, options=options, initial_option=initial, placeholder="Choose a level"
        ),
    )


def report_modal(form: ReportForm) -> View:
    """The monthly report modal: team and month pickers, one input per figure, narrative."""
    blocks: list[Block] = []
    if form.notice:
        blocks.append(section(f":information_source: {form.notice}"))
    if form.warning:
        blocks.append(section(f":warning: {form.warning}"))
    if len(form.teams) > 1:
        blocks.append(_team_picker(form))
    else:
        blocks.append(section(f"*Team:* {escape(form.team_name)}"))
    blocks.append(_month_picker(form))
    blocks.append(context(_status_line(form)))
    blocks.append(DividerBlock())
    for m in form.measures:
        blocks.extend(_measure_input(form, m, part) for part in m.parts)
    blocks.append(DividerBlock())
    blocks.append(HeaderBlock(text="Narrative (optional)"))
    blocks.append(context(PHI_REMINDER))
    narrative = form.narrative
    initial = {"wins": narrative.wins, "barriers": narrative.barriers, "help_needed": narrative.help_needed}
    for name, label in rules.NARRATIVE_FIELDS.items():
        blocks.append(_narrative_input(form, name, label, initial[name]))
    blocks.append(_self_assessment(form))
    if len(blocks) > MAX_BLOCKS:
        raise ValueError(f"{len(form.measures)} measures need more than {MAX_BLOCKS} blocks in one modal")
    submit = "Submit anyway" if form.warning else "Submit"
    return _modal(blocks, submit=submit, metadata=_metadata(form), close="Cancel")


def fullest_form(measures: Sequence[MeasureInfo] = ()) -> ReportForm:
    """The report form with everything it can show besides the measures: the team picker, a
    notice, a warning, the narrative (for counting blocks against Slack's limit)."""
    return ReportForm(
        teams=[rules.TeamChoice(1, "A"), rules.TeamChoice(2, "B")],
        team_id=1,
        team_name="A",
        months=["2026-01"],
        period="2026-01",
        measures=list(measures),
        values={},
        previous={},
        narrative=Narrative(),
        due=date(2026, 2, 10),
        late=False,
        notice="notice",
        reported="reported",
        warning="warning",
    )


def measure_field_capacity() -> int:
    """How many measure fields (one per count, two per proportion or rate) the report modal can hold.

    Slack allows :data:`MAX_BLOCKS` blocks in a modal; the rest of the form takes the difference.
    Counted on the real form at its fullest, so it stays right when the form changes.
    """
    return MAX_BLOCKS - len(report_modal(fullest_form()).blocks)


# --- reading Slack's payloads ---------------------------------------------------------------------


@dataclass(frozen=True)
class ModalRef:
    """Which modal an action came from: its id and hash (for views.update), team and month."""

    view_id: str
    view_hash: str | None
    team_id: int
    period: str


def modal_ref(view: Mapping[str, Any]) -> ModalRef | None:
    """The modal an action came from, or ``None`` when its metadata is unreadable."""
    meta = parse(ReportMeta, view.get("private_metadata"))
    if meta is None:
        return None
    return ModalRef(str(view.get("id")), view.get("hash"), meta.team_id, meta.period)


def selected_value(action: Mapping[str, Any]) -> str | None:
    option = action.get("selected_option") or {}
    value = option.get("value")
    return str(value) if value is not None else None


def read_submission(view: Mapping[str, Any]) -> SubmittedForm | None:
    """The submitted modal as text fields, keyed the way :mod:`bot.measures.rules` expects.

    ``None`` when the modal's metadata is unreadable (nothing can be saved from it).
    """
    meta = parse(ReportMeta, view.get("private_metadata"))
    if meta is None:
        return None
    team_id, period, confirmed = meta.team_id, meta.period, meta.confirmed
    fields: dict[str, str | None] = {}
    narrative: dict[str, str | None] = {}
    selected_period: str | None = None
    score: str | None = None
    for bid, actions in ((view.get("state") or {}).get("values") or {}).items():
        name, _, rest = str(bid).partition("|")
        if rest != f"{team_id}|{period}" or not isinstance(actions, dict):
            continue
        for action_id, state in actions.items():
            if action_id == MONTH_ACTION:
                selected_period = selected_value(state)
            elif name == rules.SELF_ASSESSMENT:
                score = selected_value(state)
            elif name in rules.NARRATIVE_FIELDS:
                narrative[name] = state.get("value")
            elif ":" in name:
                fields[name] = state.get("value")
    return SubmittedForm(team_id, period, selected_period, fields, narrative, score, confirmed)


def error_blocks(
    errors: Mapping[str, str], team_id: int, period: str, view: Mapping[str, Any]
) -> dict[str, str]:
    """Errors keyed by the modal's block ids; an error for a block the modal lacks goes on the month."""
    present = [str(b.get("block_id")) for b in view.get("blocks") or [] if isinstance(b, dict)]
    month = next(
        (b for b in present if b.startswith(f"{rules.MONTH}|")), block_id(rules.MONTH, team_id, period)
    )
    out: dict[str, str] = {}
    for name, text in errors.items():
        bid = block_id(name, team_id, period)
        if bid not in present:
            bid = month
        out[bid] = f"{out[bid]} {text}" if bid in out else text
    return out


# --- confirmations --------------------------------------------------------------------------------


def _line(line: ReportLine, period: str) -> str:
    m = line.measure
    parts = [f"*{escape(m.name)}*: {rules.format_reported(m, line.value)}"]
    if m.goal is not None:
        parts.append(f"goal {rules.format_value(m, m.goal)}")
    if line.previous is None:
        parts.append("first report")
    else:
        before, value = line.previous
        when = "last month" if before == months.previous(period) else months.month_label(before)
        parts.append(f"{when} {rules.format_value(m, value.value)}")
    return "• " + " · ".join(parts) + (" _(corrected)_" if line.changed else "")


def _lines(saved: Saved) -> str:
    return "\n".join(_line(line, saved.period) for line in saved.lines)


def _late_text(saved: Saved) -> str:
    return f"Reported late: {months.month_label(saved.period)} was due {months.day_label(saved.due)}."


def channel_note(saved: Saved) -> Message:
    verb = "corrected" if saved.correction else "reported"
    month = months.month_label(saved.period)
    headline = f"<@{saved.user_id}> {verb} *{month}* measures for {escape(saved.team_name)}."
    text = headline + (" (late)" if saved.late else "")
    blocks: list[Block] = [section(headline), section(_lines(saved))]
    if saved.late:
        blocks.append(context(_late_text(saved)))
    return message(text, blocks)


def submitter_note(saved: Saved) -> Message:
    month = months.month_label(saved.period)
    headline = f"Thanks! Your {month} measures for {escape(saved.team_name)} are saved."
    blocks: list[Block] = [section(headline), section(_lines(saved))]
    tail = f"To correct them, run `/measures {saved.period}`."
    if saved.late:
        tail = f"{_late_text(saved)} {tail}"
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=tail)]))
    return message(headline, blocks)
