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

from storage.enums import MeasureType

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
