"""Synthetic but realistic collaborative data for the demo and the benchmark (pure numpy/pandas).

Each team follows a :class:`Profile`: flat, improving from some month (a real step change, so
run charts show shifts), or deteriorating. Proportions are drawn as binomial counts around the
measure's baseline, rates as Poisson counts per 1,000 visits, counts as Poisson. Teams may skip
months (late or missing reporters). PDSA cycles come in ramps (cycle 1, 2, 3 on one change idea,
a few weeks apart) ending in adapt/adopt or, sometimes, abandon. Everything is drawn from the
``numpy.random.Generator`` passed in, so a seed gives the same data every time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

CHANGE_IDEAS = (
    "Repeat BP when the first reading is high",
    "Standing orders for MA-led BP rechecks",
    "Loaner home BP cuffs with teach-back",
    "Pharmacist titration visits",
    "PHQ-2 at rooming for every adult",
    "Same-day follow-up call for missed visits",
    "Text reminders two days before visits",
    "Huddle review of uncontrolled patients",
    "Team-based care protocol for titration",
    "BP cuff size check at every visit",
    "Outreach list of patients overdue for a visit",
    "Community health worker home visits",
    "Single-pill combination as first choice",
    "Automated office BP in a quiet room",
    "Self-management goal setting at checkout",
    "Nurse BP visits without a provider",
    "Patient portal BP log upload",
    "Warm hand-off to behavioral health",
    "Medication adherence pill boxes",
    "Weekend walk-in BP clinic",
)


@dataclass(frozen=True)
class Profile:
    """How a team's measures move: ``effect`` (fraction of the baseline-to-goal gap) from ``start``."""

    kind: str = "flat"  # flat | improving | deteriorating
    start: pd.Period | None = None
    effect: float = 0.0
    missing: tuple[pd.Period, ...] = ()
    size: float = 1.0  # panel size relative to a typical clinic
    pdsa_until: date | None = None  # no cycles after this date
    pdsa_tracks: int = 1


def _step(months: pd.PeriodIndex, profile: Profile) -> np.ndarray:
    """0 before the profile's start month, then ``effect`` (a sustained shift)."""
    if profile.start is None or profile.kind == "flat":
        return np.zeros(len(months))
    sign = -1.0 if profile.kind == "deteriorating" else 1.0
    return np.where(months >= profile.start, sign * profile.effect, 0.0)


def synthetic_reports(
    teams: list[str],
    measures: pd.DataFrame,
    months: pd.PeriodIndex,
    profiles: dict[str, Profile],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """One row per team, measure and month reported: team, measure, period, numerator, denominator, value."""
    frames = []
    for team in teams:
        profile = profiles.get(team, Profile())
        step = _step(months, profile)
        for measure in measures.to_dict("records"):
            frames.append(_measure_rows(team, measure, months, step, profile, rng))
    frame = pd.concat(frames, ignore_index=True)
    missing = pd.Series([(t, p) for t in teams for p in profiles.get(t, Profile()).missing], dtype=object)
    if not missing.empty:
        keys = pd.Series(list(zip(frame["team"], frame["period"], strict=True)), index=frame.index)
        frame = frame[~keys.isin(set(missing))]
    frame["period"] = frame["period"].astype(str)
    return frame.reset_index(drop=True)


def _measure_rows(
    team: str,
    measure: dict[Any, Any],
    months: pd.PeriodIndex,
    step: np.ndarray,
    profile: Profile,
    rng: np.random.Generator,
) -> pd.DataFrame:
    n = len(months)
    kind = str(measure["type"])
    baseline = float(measure["baseline"] or 0.0)
    goal = float(measure["goal"] or baseline)
    gap = (goal - baseline) * 1.6  # a full effect overshoots the goal a little
    team_offset = rng.normal(0, abs(gap) * 0.15 + 1e-9)
    nan = np.full(n, np.nan)
    if kind == "proportion":
        denominator = rng.poisson(420 * profile.size, n).astype(float) + 40
        p = np.clip(baseline + team_offset + step * gap, 0.02, 0.98)
        numerator = rng.binomial(denominator.astype(int), p).astype(float)
        values = nan
    elif kind == "rate":
        multiplier = float(measure["multiplier"] or 1000.0)
        denominator = rng.poisson(1600 * profile.size, n).astype(float) + 100
        rate = np.clip(baseline + team_offset + step * gap * 0.5, 0.1, None)
        numerator = rng.poisson(rate * denominator / multiplier).astype(float)
        values = nan
    else:
        level = np.clip((baseline + team_offset + step * gap) * profile.size, 1, None)
        values = rng.poisson(level).astype(float)
        numerator = denominator = nan
    return pd.DataFrame(
        {
            "team": team,
            "measure": str(measure["key"]),
            "period": months,
            "numerator": numerator,
            "denominator": denominator,
            "value": values,
        }
    )


def synthetic_pdsa(
    teams: list[str],
    profiles: dict[str, Profile],
    first_day: date,
    last_day: date,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """PDSA ramps per team: team, idea, cycle_number, start_date, end_date, status, act_decision.

    A team runs ``pdsa_tracks`` tracks side by side. On a track, one change idea is tested in a
    ramp of 2-5 cycles, each 1-3 weeks long with a gap of 1-2 weeks; earlier cycles end in adapt,
    the last in adopt (or abandon, one ramp in five); then the track moves to a new idea. A cycle
    still running on ``last_day`` (or the team's ``pdsa_until``) is left open.
    """
    rows: list[dict[str, object]] = []
    for team in teams:
        profile = profiles.get(team, Profile())
        stop = min(profile.pdsa_until or last_day, last_day)
        ideas = list(rng.permutation(len(CHANGE_IDEAS)))
        for _track in range(profile.pdsa_tracks):
            day = first_day + timedelta(days=int(rng.integers(0, 30)))
            while ideas and day <= stop:
                idea = CHANGE_IDEAS[int(ideas.pop())]
                cycles = int(rng.integers(2, 6))
                abandon = rng.random() < 0.2
                for number in range(1, cycles + 1):
                    if day > stop:
                        break
                    end = day + timedelta(days=int(rng.integers(7, 22)))
                    finished = end <= stop
                    decision = ("abandon" if abandon else "adopt") if number == cycles else "adapt"
                    rows.append(
                        {
                            "team": team,
                            "idea": idea,
                            "cycle_number": number,
                            "start_date": day,
                            "end_date": end if finished else None,
                            "status": "completed" if finished else "open",
                            "act_decision": decision if finished else None,
                        }
                    )
                    day = end + timedelta(days=int(rng.integers(3, 15)))
    columns = ["team", "idea", "cycle_number", "start_date", "end_date", "status", "act_decision"]
    return pd.DataFrame(rows, columns=columns)
