"""Values and text as people read them, in one place, so a nurse sees the same "63%" everywhere.

The report confirmation, the digest, the run charts and their alt text all format measure values
here: proportions as whole percents (``63%``), rates per their multiplier (``2.5 per 1,000``),
counts as typed (``41``, or ``20.5`` for an average). Free text is cleaned (stripped, blank is
None) and clipped to Slack's limits here too.
"""

from __future__ import annotations

import math

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


def measure_value(value: float | None, measure_type: str, multiplier: float | None = None) -> str:
    """A measure's value as a nurse reads it: ``63%``, ``41``, ``2.5 per 1,000`` (``n/a`` if missing)."""
    if value is None or math.isnan(value):
        return "n/a"
    if measure_type == MeasureType.PROPORTION:
        return percent(value)
    if measure_type == MeasureType.RATE:
        return f"{value:.1f} per {multiplier or DEFAULT_RATE_MULTIPLIER:,.0f}"
    return number(value)


def clip(text: str | None, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut (None is empty)."""
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clean(text: str | None) -> str | None:
    """Stripped text, or None when blank."""
    stripped = (text or "").strip()
    return stripped or None
