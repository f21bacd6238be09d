"""The rules of monthly measure reporting (no I/O): months, values, unusual values, lateness.

- Reporting months: every month of the collaborative up to the last complete month in its
  timezone; the default is that last complete month. The current month, future months and months
  outside the collaborative are refused.
- Values arrive as text (Slack sends numbers as strings). Every field is a whole number: patients,
  visits or events. Proportions need numerator <= denominator; a denominator of 0 only goes with a
  numerator of 0 (no eligible patients that month).
- A value 10 times (or a tenth of) the team's previous one asks "Submit anyway?" before storing.
- Month M is due on the collaborative's due day of month M+1; a report after that day is late.

Errors are keyed by field (``"<measure key>:<part>"``, ``"month"``, ``"wins"`` ...) and phrased for
a clinic nurse.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from bot import months
from bot.format import clean, escape, measure_value, whole
from bot.phi import phi_error
from storage.enums import Direction, MeasureType
from storage.models import Collaborative, Measure
from storage.reports import Narrative, ReportedValue

NUMERATOR, DENOMINATOR, COUNT = "numerator", "denominator", "count"
NARRATIVE_FIELDS = {
    "wins": "Wins this month",
    "barriers": "Barriers",
    "help_needed": "Help needed",
}
SELF_ASSESSMENT = "self_assessment"
MONTH = "month"
TEAM = "team"

# The IHI Assessment Scale for Collaboratives.
IHI_LEVELS: tuple[tuple[float, str], ...] = (
    (1.0, "Forming team"),
    (1.5, "Planning begun"),
    (2.0, "Activity, no changes"),
    (2.5, "Changes tested, no improvement"),
    (3.0, "Modest improvement"),
    (3.5, "Improvement"),
    (4.0, "Significant improvement"),
    (4.5, "Sustainable improvement"),
    (5.0, "Outstanding sustainable results"),
)

UNUSUAL_FACTOR = 10.0
_PERIOD = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")


# --- measures ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureInfo:
    """What the form and the note need to know about a measure."""

    id: int
    key: str
    name: str
    type: MeasureType
    numerator_definition: str | None
    denominator_definition: str | None
    definition: str | None
    goal: float | None
    direction: Direction
    multiplier: float | None

    @classmethod
    def of(cls, m: Measure) -> MeasureInfo:
        return cls(
            m.id,
            m.key,
            m.name,
            m.type,
            m.numerator_definition,
            m.denominator_definition,
            m.definition,
            m.goal,
            m.direction,
            m.multiplier,
        )

    @property
    def parts(self) -> tuple[str, ...]:
        return (COUNT,) if self.type == MeasureType.COUNT else (NUMERATOR, DENOMINATOR)

    def definition_of(self, part: str) -> str | None:
        if part == NUMERATOR:
            return self.numerator_definition or self.definition
        if part == DENOMINATOR:
            return self.denominator_definition
        return self.definition

    def label(self, part: str) -> str:
        return self.name if part == COUNT else f"{self.name} — {part}"

    def figure(self, value: ReportedValue, part: str) -> float | None:
        return {NUMERATOR: value.numerator, DENOMINATOR: value.denominator, COUNT: value.value}[part]


def field_key(measure_key: str, part: str) -> str:
    return f"{measure_key}:{part}"


def field_texts(measures: Sequence[MeasureInfo], values: Mapping[int, ReportedValue]) -> dict[str, str]:
    """Stored values as the texts of the form's fields, for prefilling."""
    texts: dict[str, str] = {}
    for m in measures:
        stored = values.get(m.id)
        if stored is None:
            continue
        for part in m.parts:
            text = whole(m.figure(stored, part))
            if text:
                texts[field_key(m.key, part)] = text
    return texts


# --- months -----------------------------------------------------------------------------------


def parse_period(text: str) -> str | None:
    """``YYYY-MM`` (``2026-3`` is accepted) as a normalised period, or None."""
    match = _PERIOD.match(text)
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < 2000:
        return None
    return months.period_of(date(year, month, 1))


def local_today(collab: Collaborative, now: datetime) -> date:
    return months.local_date(now, collab.timezone)


def last_complete_month(collab: Collaborative, now: datetime) -> str:
    return months.last_complete(local_today(collab, now))


def reportable_months(collab: Collaborative, now: datetime) -> list[str]:
    """Months that can be reported now, newest first (empty before the first month is over)."""
    last = min(last_complete_month(collab, now), months.period_of(collab.end))
    return months.months_back(last, months.period_of(collab.start))


def default_month(collab: Collaborative, now: datetime) -> str | None:
    reportable = reportable_months(collab, now)
    return reportable[0] if reportable else None


def month_problem(collab: Collaborative, period: str, now: datetime) -> str | None:
    """Why ``period`` can't be reported for this collaborative now, or None."""
    label, start, end = (
        months.month_label(period),
        months.period_of(collab.start),
        months.period_of(collab.end),
    )
    if period < start:
        return f"{label} is before this collaborative started ({months.month_label(start)})."
    if period > end:
        return f"{label} is after this collaborative ended ({months.month_label(end)})."
    if period > last_complete_month(collab, now):
        current = months.period_of(local_today(collab, now))
        when = "isn't over yet" if period == current else "is in the future"
        return f"{label} {when}, so it can't be reported yet. Report a month once it has ended."
    return None


def first_reporting_day(collab: Collaborative) -> date:
    """The first day a month of the collaborative can be reported: when its first month is over."""
    return months.first_day(months.following(months.period_of(collab.start)))


def due_date(collab: Collaborative, period: str) -> date:
    """Month M is due on the collaborative's due day of month M+1."""
    return months.day_in_following_month(period, collab.due_day)


def is_late(collab: Collaborative, period: str, now: datetime) -> bool:
    return local_today(collab, now) > due_date(collab, period)


# --- values -----------------------------------------------------------------------------------


@dataclass
class ParsedValues:
    values: dict[int, ReportedValue]
    errors: dict[str, str]


#: The largest figure a team reports for a month (a numerator, denominator or count): anything
#: larger is a typing slip (or a 25-digit paste), refused with a plain error.
MAX_FIGURE = 10_000_000


def _parse_whole(text: str | None, what: str) -> tuple[int | None, str | None]:
    """(number, None) or (None, error) for one field."""
    raw = (text or "").strip()
    if not raw:
        return None, f"Please enter the {what} (enter 0 if there were none)."
    cleaned = raw.replace(",", "") if _THOUSANDS.match(raw) else raw
    if not _NUMBER.match(cleaned):
        shown = raw if len(raw) <= 20 else raw[:20] + "…"
        return None, f"“{shown}” isn't a number. Type digits only, for example 120."
    number = float(cleaned)
    if number < 0:
        return None, "This can't be negative: enter how many there were (0 or more)."
    if not number.is_integer():
        return None, f"Use a whole number: the {what} counts people or visits, so it has no decimals."
    if number > MAX_FIGURE:
        shown = raw if len(raw) <= 20 else raw[:20] + "…"
        return None, f"{shown} is more than {MAX_FIGURE:,}; check the number."
    return int(number), None


def parse_values(measures: Sequence[MeasureInfo], texts: Mapping[str, str | None]) -> ParsedValues:
    """Turn the submitted texts into values, with an error under every field that is wrong."""
    result = ParsedValues({}, {})
    for m in measures:
        numbers: dict[str, int] = {}
        for part in m.parts:
            what = "count" if part == COUNT else part
            number, error = _parse_whole(texts.get(field_key(m.key, part)), what)
            if error is not None:
                result.errors[field_key(m.key, part)] = error
            elif number is not None:
                numbers[part] = number
        if m.type == MeasureType.COUNT:
            if COUNT in numbers:
                count = float(numbers[COUNT])
                result.values[m.id] = ReportedValue(m.id, None, None, count)
            continue
        if len(numbers) < 2:
            continue
        num, den = numbers[NUMERATOR], numbers[DENOMINATOR]
        if den == 0 and num > 0:
            result.errors[field_key(m.key, DENOMINATOR)] = (
                f"The denominator is 0 but the numerator is {num}. The numerator counts patients who "
                "are also in the denominator; if no patients qualified this month, enter 0 for both."
            )
            continue
        if m.type == MeasureType.PROPORTION and num > den:
            result.errors[field_key(m.key, NUMERATOR)] = (
                f"This is more than the denominator ({den}). The numerator counts only patients who "
                "are also in the denominator, so it can't be larger."
            )
            continue
        scale = (m.multiplier or 1.0) if m.type == MeasureType.RATE else 1.0
        value = None if den == 0 else num / den * scale
        result.values[m.id] = ReportedValue(m.id, float(num), float(den), value)
    return result


def parse_self_assessment(text: str | None) -> tuple[float | None, str | None]:
    if not text:
        return None, None
    try:
        score = float(text)
    except ValueError:
        return None, "Pick a level from the list."
    if score not in {level for level, _ in IHI_LEVELS}:
        return None, "Pick a level from the list."
    return score, None


def narrative_errors(texts: Mapping[str, str | None], today: date) -> dict[str, str]:
    """PHI refusals for the free-text fields (``today`` tells old dates from recent ones)."""
    errors: dict[str, str] = {}
    for name in NARRATIVE_FIELDS:
        error = phi_error(texts.get(name), today)
        if error is not None:
            errors[name] = error
    return errors


def narrative_of(texts: Mapping[str, str | None], self_assessment: float | None) -> Narrative:
    return Narrative(
        wins=clean(texts.get("wins")),
        barriers=clean(texts.get("barriers")),
        help_needed=clean(texts.get("help_needed")),
        self_assessment=self_assessment,
    )


# --- unusual values ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UnusualValue:
    measure: MeasureInfo
    part: str
    new: float
    previous: float
    previous_period: str

    @property
    def key(self) -> str:
        return field_key(self.measure.key, self.part)


def _far_apart(a: float, b: float) -> bool:
    big, small = max(a, b), min(a, b)
    return big >= UNUSUAL_FACTOR and big >= UNUSUAL_FACTOR * max(small, 1.0)


def unusual_values(
    measures: Sequence[MeasureInfo],
    values: Mapping[int, ReportedValue],
    history: Mapping[int, tuple[str, ReportedValue]],
) -> list[UnusualValue]:
    """Figures 10 times (or a tenth of) the team's most recent earlier figure for the same field."""
    found: list[UnusualValue] = []
    for m in measures:
        new, before = values.get(m.id), history.get(m.id)
        if new is None or before is None:
            continue
        period, old = before
        for part in m.parts:
            a, b = m.figure(new, part), m.figure(old, part)
            if a is not None and b is not None and _far_apart(a, b):
                found.append(UnusualValue(m, part, a, b, period))
    return found


def unconfirmed(unusual: Sequence[UnusualValue], confirmed: Mapping[str, float]) -> list[UnusualValue]:
    """The unusual figures the person has not yet confirmed with exactly these numbers."""
    return [u for u in unusual if confirmed.get(u.key) != u.new]


def unusual_warning(unusual: Sequence[UnusualValue], period: str) -> str:
    lines = []
    for u in unusual:
        when = (
            "last month"
            if u.previous_period == months.previous(period)
            else months.month_label(u.previous_period)
        )
        lines.append(f"• {escape(u.measure.label(u.part))}: *{whole(u.new)}* ({when}: {whole(u.previous)})")
    return (
        "*Please check these numbers.* They are at least 10 times higher or lower than before:\n"
        + "\n".join(lines)
        + "\nIf they are right, press *Submit anyway*. Otherwise correct them below."
    )


# --- showing values ---------------------------------------------------------------------------


def format_value(m: MeasureInfo, value: float | None) -> str:
    """A value of ``m`` as a nurse reads it: 63%, 41, 2.5 per 1,000."""
    return measure_value(value, m.type, m.multiplier)


def format_reported(m: MeasureInfo, value: ReportedValue) -> str:
    shown = format_value(m, value.value)
    if m.type != MeasureType.COUNT:
        shown += f" ({whole(value.numerator)}/{whole(value.denominator)})"
    return shown


# --- what the modal and the confirmations show -------------------------------------------------


@dataclass(frozen=True)
class TeamChoice:
    team_id: int
    name: str


@dataclass
class ReportForm:
    """Everything the measures modal shows."""

    teams: list[TeamChoice]
    team_id: int
    team_name: str
    months: list[str]  # newest first
    period: str
    measures: list[MeasureInfo]
    values: dict[str, str]  # field key -> text to prefill
    previous: dict[str, str]  # field key -> the team's previous figure, for the hint
    narrative: Narrative
    due: date
    late: bool
    notice: str | None = None  # e.g. why the month asked for is not the one shown
    reported: str | None = None  # "already reported by ... on ..."
    warning: str | None = None  # unusual values to confirm
    confirmed: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportLine:
    measure: MeasureInfo
    value: ReportedValue
    previous: tuple[str, ReportedValue] | None
    changed: bool


@dataclass(frozen=True)
class Saved:
    """A stored report, with what the confirmations say."""

    key: str
    collaborative_id: int
    team_id: int
    team_name: str
    channel_id: str | None
    period: str
    user_id: str
    late: bool
    due: date
    correction: bool
    lines: list[ReportLine]


@dataclass(frozen=True)
class SubmittedForm:
    """What came back from the modal, still as text."""

    team_id: int
    period: str
    selected_period: str | None
    fields: Mapping[str, str | None]
    narrative: Mapping[str, str | None]
    self_assessment: str | None
    confirmed: Mapping[str, float]
