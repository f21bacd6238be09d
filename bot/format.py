"""Values and text as people read them, in one place, so a nurse sees the same "63%" everywhere.

The report confirmation, the digest, the run charts and their alt text all format measure values
here: proportions as whole percents (``63%``), rates per their multiplier (``2.5 per 1,000``),
counts as typed (``41``, or ``20.5`` for an average). Charts label their y axis with the unit
(``% of patients``, ``per 1,000 visits``, ``per team``). Free text is cleaned (stripped, blank is
None) and clipped to Slack's limits here too; ``escape`` makes typed text safe for mrkdwn
and ``link`` writes the links the bot makes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from storage.enums import MeasureType

if TYPE_CHECKING:
    from bot.analytics.runchart import RunChartResult, Signal

#: What a rate is "per" when its measure has no multiplier (the analytics use the same default).
DEFAULT_RATE_MULTIPLIER = 1000.0


def whole(number: float | None) -> str:
    """A stored figure as the text a person typed (120, not 120.0); empty for None."""
    if number is None:
        return ""
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def number(value: float) -> str:
    """A count or an average: whole when it is whole (41), else one decimal (20.5)."""
    return whole(value) if float(value).is_integer() else f"{value:.1f}"


def percent(fraction: float) -> str:
    """A proportion (0.63) as a whole percent: ``63%``."""
    return f"{fraction * 100:.0f}%"


def figure(value: float, as_percent: bool) -> str:
    """A value on a run chart: a percent for proportions, else a number."""
    return percent(value) if as_percent else number(value)


def bare_value(value: float, measure_type: str) -> str:
    """A measure's value without its "per …": ``63%``, ``2.5`` (a rate), ``41``; for a chart's labels."""
    if measure_type == MeasureType.PROPORTION:
        return percent(value)
    if measure_type == MeasureType.RATE:
        return f"{value:.1f}"
    return number(value)


def per_multiplier(multiplier: float | None) -> str:
    """What a rate is per: ``per 1,000``."""
    return f"per {multiplier or DEFAULT_RATE_MULTIPLIER:,.0f}"


def measure_value(
    value: float | None, measure_type: str, multiplier: float | None = None, *, per_team: bool = False
) -> str:
    """A measure's value as a nurse reads it: ``63%``, ``41``, ``2.5 per 1,000`` (``n/a`` if missing).

    ``per_team``: a collaborative count is the mean per reporting team (``20.5 per team``).
    """
    if value is None or math.isnan(value):
        return "n/a"
    shown = bare_value(value, measure_type)
    if measure_type == MeasureType.RATE:
        return f"{shown} {per_multiplier(multiplier)}"
    if measure_type == MeasureType.COUNT and per_team:
        return f"{shown} per team"
    return shown


#: What a denominator counts, in the words its definition uses (the first one found names the unit).
DENOMINATOR_NOUNS = (
    "patients",
    "visits",
    "encounters",
    "admissions",
    "discharges",
    "appointments",
    "deliveries",
    "births",
    "prescriptions",
    "procedures",
    "referrals",
    "members",
    "residents",
    "adults",
    "children",
    "women",
    "people",
    "days",
)
_NOUN = re.compile(r"\b(" + "|".join(DENOMINATOR_NOUNS) + r")\b", re.IGNORECASE)


def denominator_noun(definition: str | None) -> str | None:
    """``visits`` for "Medical visits by patients …": the first known noun of a denominator's definition."""
    match = _NOUN.search(definition or "")
    return match.group(1).lower() if match else None


def unit_label(
    measure_type: str,
    multiplier: float | None = None,
    denominator: str | None = None,
    *,
    per_team: bool = False,
) -> str:
    """A chart's y-axis label: ``% of patients``, ``per 1,000 visits``, ``per team`` or ``per month``.

    ``denominator`` is the measure's denominator definition; ``per_team`` marks a collaborative
    chart, where a count is the mean per reporting team.
    """
    noun = denominator_noun(denominator)
    if measure_type == MeasureType.PROPORTION:
        return f"% of {noun}" if noun else "percent"
    if measure_type == MeasureType.RATE:
        return f"{per_multiplier(multiplier)} {noun}" if noun else per_multiplier(multiplier)
    return "per team" if per_team else "per month"


def clip(text: str | None, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut (None is empty)."""
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clean(text: str | None) -> str | None:
    """Stripped text, or None when blank."""
    stripped = (text or "").strip()
    return stripped or None


# -- mrkdwn ----------------------------------------------------------------------------------------

_MRKDWN_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_LINK_UNSAFE = re.compile(r"[\s<>|\x00-\x1f\x7f]")


def escape(text: str | None) -> str:
    """Text a person typed (or a name from the collaborative file) made safe for Slack's mrkdwn.

    Slack's rule: ``&``, ``<`` and ``>`` are sent as ``&amp;``, ``&lt;`` and ``&gt;``; then
    ``<!channel>``, ``<@U…>`` and ``<https://…|label>`` show as the characters typed, not as a
    mention or a disguised link. Everything else (``*bold*``, emoji) is left as typed.
    """
    return (text or "").translate(_MRKDWN_ENTITIES)


def link(url: str, label: str) -> str:
    """A link the bot makes itself: ``<https://…|label>`` with the label escaped.

    A URL that is not http(s) or that holds characters which would break the link (space, ``<``,
    ``>``, ``|``) is not linked: the escaped label alone is shown.
    """
    if not url.startswith(("https://", "http://")) or _LINK_UNSAFE.search(url):
        return escape(label)
    return f"<{url.replace('&', '&amp;')}|{escape(label)}>"


# --- run-chart findings: which rule fired, over which months, current or ended -------------------

_RULE_NAMES = {
    "run": "unusually long run",
    "crossings": "too few crossings",
    "shift": "shift",
    "trend": "trend",
    "astronomical": "astronomical point",
}


def rule_name(rule: str) -> str:
    """A rule as people read it: ``unusually long run``, ``too few crossings``, ``shift`` …"""
    return _RULE_NAMES.get(rule, rule)


def short_month(period: object) -> str:
    """``2026-04`` (or a Period or date) -> ``Apr 2026``."""
    import pandas as pd

    return pd.Period(period, freq="M").strftime("%b %Y")  # type: ignore[arg-type]


def plural(count: int, word: str) -> str:
    """``1 point``, ``3 points``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def run_chart_finding(
    result: RunChartResult, months: Sequence[object] | None = None, as_percent: bool = False
) -> str:
    """One or two sentences: what the run-chart rules found, naming the rule and the months.

    ``months`` (aligned with the analysed values) lets the sentence say "since Apr 2026";
    without them it counts points. "No signal" means no non-random variation was found.
    """
    if result.n_points == 0:
        return "No data reported yet."
    unit = "month" if months is not None else "point"

    def when(index: int) -> str:
        return short_month(months[index]) if months is not None else f"point {index + 1}"

    centre_value = figure(result.center, as_percent)
    if result.center_source == "file":
        centre = f"the baseline of {centre_value} given in the collaborative file"
    elif result.center_source == "baseline":
        centre = f"the baseline median of {centre_value}"
    else:
        centre = f"the median of {centre_value}"
    not_frozen = (
        " Baseline not yet frozen: the centre line is the median of all "
        f"{plural(result.n_points, unit)} so far."
        if result.center_source == "all"
        else ""
    )
    lead = result.lead
    if lead is None:
        if result.n_points < 10:
            return (
                f"No signal yet: only {plural(result.n_points, unit)} reported; "
                f"run charts need about 10.{not_frozen}"
            )
        return (
            f"No signal: no non-random variation found in {plural(result.n_points, unit)} around {centre}."
        )
    described = _describe_signal(result, lead, unit, centre, when)
    if lead.current:
        direction = result.signal_direction
        conflicting = {s.direction for s in result.current_signals if s.flags_teams and s.direction}
        if len(conflicting) > 1:
            others = [s for s in result.current_signals if s.direction not in (None, lead.direction)]
            extra = f"; and {_describe_signal(result, others[0], unit, centre, when)[1]}" if others else ""
            return f"Non-random variation in mixed directions: {described[1]}{extra}.{not_frozen}"
        label = (lead.direction or direction or "").capitalize()
        if lead.rule == "trend":
            way = "Rising" if lead.sign > 0 else "Falling"
            return (
                f"{way} trend since {when(lead.first)} ({lead.direction}): {described[1]}; "
                f"a trend alone does not flag a team.{not_frozen}"
            )
        if lead.rule == "astronomical":
            return f"{label or 'Non-random variation'} in {when(lead.first)}: {described[1]}.{not_frozen}"
        if not label:
            return f"Non-random variation: {described[1]}.{not_frozen}"
        return f"{label} since {when(lead.first)}: {described[1]}.{not_frozen}"
    label = (lead.direction or "non-random variation").capitalize()
    span = when(lead.first) if lead.first == lead.last else f"{when(lead.first)} to {when(lead.last)}"
    return (
        f"Ended signal: {label.lower()}, {span}: {described[1]}. No signal in the latest {unit}s.{not_frozen}"
    )


def _describe_signal(
    result: RunChartResult, s: Signal, unit: str, centre: str, when: Callable[[int], str]
) -> tuple[str, str]:
    """(rule name, what it saw) for one signal."""
    side = "above" if s.sign > 0 else "below"
    in_baseline = 0 < s.first < result.phase_start or (result.phase_start > 0 and s.first == 0)
    after = result.phase_start > 0 and not in_baseline
    # the Anhøj limits depend on how many points were judged together: say which
    if in_baseline:
        judged = "in the baseline months"
    elif after:
        judged = f"for the {result.n_useful} {unit}s after the baseline"
    else:
        judged = f"for {result.n_useful} {unit}s"
    if s.rule == "run":
        return rule_name(s.rule), (
            f"{s.size} {unit}s in a row {side} {centre} (longest run allowed {judged}: {s.limit})"
        )
    if s.rule == "shift":
        return rule_name(s.rule), f"{s.size} {unit}s in a row {side} {centre} (IHI shift: 6 or more)"
    if s.rule == "trend":
        way = "rising" if s.sign > 0 else "falling"
        return rule_name(s.rule), f"{s.size} {unit}s in a row {way} (IHI trend: 5 or more)"
    if s.rule == "astronomical":
        return rule_name(s.rule), f"{when(s.first)} is {side} the control limits (astronomical point)"
    crossed = f"only {plural(s.size, 'crossing')}" if s.size else "no crossings"
    where = judged.replace("for the", "in the").replace("for ", "in ")
    text = f"{crossed} of {centre} {where} (fewest expected by chance: {s.limit})"
    if s.sign and after:
        text += f", most of them {side} it"
    elif s.sign:
        text += f", every {unit} since {when(s.first)} {side} it"
    return rule_name(s.rule), text
