"""Scoring rules (pure): the IHI Assessment Scale, checking a score, the hint from the data, and
which teams' faculty and self-scores disagree.

The hint only suggests; a score is never set automatically. Its rules (issue 12):

* every measure at least 20 % of the way from its baseline to its goal, each with a sustained
  improvement signal (the digest's run-chart rules) → *at least 3.5*;
* no PDSA cycle started or updated in the month or the month before → *at most 2.0*.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.phi import phi_error
from storage.enums import Direction

#: The IHI Assessment Scale for Collaboratives (1.0-5.0 in half points).
LEVELS: dict[float, str] = {
    1.0: "forming team",
    1.5: "planning begun",
    2.0: "activity, no changes",
    2.5: "changes tested, no improvement",
    3.0: "modest improvement",
    3.5: "improvement",
    4.0: "significant improvement",
    4.5: "sustainable improvement",
    5.0: "outstanding sustainable results",
}
MAX_REASON = 500
#: Faculty and self-scores this far apart are listed in the digest.
DISAGREEMENT = 1.5
#: How far from baseline to goal every measure must be for the "at least 3.5" hint.
PROGRESS_NEEDED = 0.2


def level_label(score: float) -> str:
    """``3.5 · improvement``."""
    return f"{score:.1f} · {LEVELS.get(score, '')}".rstrip(" ·")


def parse_score(raw: str | None) -> float | None:
    """A score from the form (``"3.5"``), or None when it is not one of the scale's nine values."""
    try:
        value = float(raw) if raw is not None else None
    except ValueError:
        return None
    return value if value in LEVELS else None


def check_score(score: float | None, reason: str | None, today: date) -> dict[str, str]:
    """Field errors by block id; empty when the score can be stored."""
    errors: dict[str, str] = {}
    if score is None:
        errors["score"] = "Choose a score from 1.0 (forming team) to 5.0 (outstanding sustainable results)."
    if not reason:
        errors["reason"] = "Give a short reason: the team sees it beside the score."
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"Please keep the reason under {MAX_REASON} characters (it has {len(reason)})."
    elif (phi := phi_error(reason, today)) is not None:
        errors["reason"] = phi
    return errors


@dataclass(frozen=True)
class Progress:
    """One measure of the team in the month: how far from baseline to goal, and whether it improves."""

    name: str
    fraction: float | None  # (value - baseline) / (goal - baseline); None without the figures
    improving: bool


def progress(
    name: str,
    value: float | None,
    baseline: float | None,
    goal: float | None,
    direction: Direction,
    improving: bool,
) -> Progress:
    if value is None or baseline is None or goal is None or goal == baseline:
        return Progress(name, None, improving)
    fraction = (value - baseline) / (goal - baseline)  # the sign takes care of "lower is better"
    return Progress(name, fraction, improving)


@dataclass(frozen=True)
class Hint:
    at_least: float | None
    at_most: float | None
    reasons: tuple[str, ...]


def suggest(measures: Sequence[Progress], pdsa_recently: bool) -> Hint | None:
    """What the data suggest for the month's score (see the module docstring), or None."""
    reasons: list[str] = []
    at_least = at_most = None
    if measures and all(
        m.fraction is not None and m.fraction >= PROGRESS_NEEDED and m.improving for m in measures
    ):
        at_least = 3.5
        reasons.append("every measure is at least 20% of the way to its goal with an improvement signal")
    if not pdsa_recently:
        at_most = 2.0
        reasons.append("no PDSA cycle started or updated in the last two months")
    return Hint(at_least, at_most, tuple(reasons)) if reasons else None


def hint_text(hint: Hint | None) -> str:
    if hint is None:
        return "The data suggest no particular score this month."
    bounds = []
    if hint.at_least is not None:
        bounds.append(f"at least {hint.at_least:.1f}")
    if hint.at_most is not None:
        bounds.append(f"at most {hint.at_most:.1f}")
    return f"The data suggest {' and '.join(bounds)}: {'; '.join(hint.reasons)}. It's only a hint."


def disagree(faculty: float | None, self_score: float | None) -> bool:
    """Faculty and the team see the month differently: 1.5 points or more apart."""
    return faculty is not None and self_score is not None and abs(faculty - self_score) >= DISAGREEMENT
