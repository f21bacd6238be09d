"""Run-chart analysis: Anhøj rules (qicharts2) plus the IHI shift and trend rules.

The centre line is the median of a frozen baseline; every reported point is then judged
against it. Points exactly on the median are dropped from the runs analysis (they neither
extend nor break a run), NaN values (months not reported) are skipped altogether.

``signal_direction`` is direction-aware. When several signals exist, the most recent one
(the one whose last point is latest) decides; if signals ending at the same point disagree
the direction is ``None``. A "too few crossings" signal on its own has no inherent direction,
so it is labelled by the side of the median where the last run sits, or ``None`` when that
last run is a single point (too short to say which way the process has moved).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from bot.format import figure

Direction = Literal["up", "down"]
SignalDirection = Literal["improvement", "deterioration"]

SHIFT_LENGTH = 6  # Perla/Provost/Murray: 6+ consecutive points on one side of the median
TREND_LENGTH = 5  # 5+ consecutive points all rising or all falling
DEFAULT_BASELINE_POINTS = 6
MIN_USEFUL_POINTS = 10  # the rules are sensible from about 10 useful points

_DIRECTION_ALIASES: dict[str, Direction] = {
    "up": "up",
    "higher": "up",
    "increase": "up",
    "down": "down",
    "lower": "down",
    "decrease": "down",
}

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def anhoej_limits(n: int) -> tuple[int, int]:
    """Return (longest run allowed, fewest crossings allowed) for ``n`` useful points.

    Longest run allowed is ``round(log2(n)) + 3`` (R's round-half-to-even, as Python's);
    fewest crossings allowed is ``qbinom(0.05, n - 1, 0.5)``, computed exactly.
    """
    if n < 1:
        raise ValueError(f"need at least one useful point, got n={n}")
    return round(math.log2(n)) + 3, _binom_half_quantile_05(n - 1)


def _binom_half_quantile_05(trials: int) -> int:
    """Smallest k with P(Binomial(trials, 0.5) <= k) >= 0.05, in exact integer arithmetic."""
    total = 2**trials
    cumulative = 0
    for k in range(trials + 1):
        cumulative += math.comb(trials, k)
        if 20 * cumulative >= total:  # cumulative / total >= 1/20
            return k
    return trials


def normalise_direction(direction: str) -> Direction:
    """Map "up"/"higher"/"increase" and "down"/"lower"/"decrease" to "up" or "down"."""
    try:
        return _DIRECTION_ALIASES[direction.strip().lower()]
    except KeyError:
        raise ValueError(f"direction must be 'up' or 'down', got {direction!r}") from None


@dataclass(frozen=True)
class RunChartResult:
    """Outcome of :func:`analyse`; indices in ``signal_points`` refer to the input values."""

    n_points: int
    n_useful: int
    center: float
    baseline_n: int
    longest_run: int
    longest_run_max: int
    crossings: int
    crossings_min: int
    runs_signal: bool
    shift: bool
    trend: bool
    signal_direction: SignalDirection | None
    signal_points: list[int] = field(default_factory=list)
    finding: str = ""

    @property
    def has_signal(self) -> bool:
        """True when any rule (Anhøj runs/crossings, shift or trend) signals."""
        return self.runs_signal or self.shift or self.trend

    @property
    def improvement(self) -> bool:
        """True when there is a signal in the measure's better direction."""
        return self.signal_direction == "improvement"


@dataclass(frozen=True)
class _Runs:
    """Run-length encoding of a +1/-1 sequence; positions index the original values."""

    sides: IntArray  # side of each run (+1 above, -1 below)
    lengths: IntArray
    starts: IntArray  # index (into the original values) of each run's first point
    ends: IntArray  # index of each run's last point


@dataclass(frozen=True)
class _Event:
    kind: Literal["run", "trend"]
    sign: int  # +1 above / rising, -1 below / falling
    length: int
    start: int
    end: int


def _run_length_encode(signs: IntArray, positions: IntArray) -> _Runs:
    """Encode consecutive equal signs as runs; ``positions`` maps each sign to its index."""
    if signs.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return _Runs(empty, empty, empty, empty)
    change = np.flatnonzero(np.diff(signs) != 0)
    first = np.concatenate(([0], change + 1)).astype(np.int64)
    last = np.concatenate((change, [signs.size - 1])).astype(np.int64)
    return _Runs(signs[first], last - first + 1, positions[first], positions[last])


def _baseline(values: FloatArray, reported: IntArray, baseline_n: int | None) -> tuple[int, float]:
    """Return (positional baseline length, frozen median).

    ``baseline_n`` counts positions (months) from the start of the series, NaNs included,
    so it lines up with the calendar. If that span holds no reported value, the baseline
    falls back to the first ``DEFAULT_BASELINE_POINTS`` reported points.
    """
    size = values.size
    span = DEFAULT_BASELINE_POINTS if baseline_n is None else baseline_n
    span = max(0, min(span, size))
    in_span = reported[reported < span]
    if in_span.size == 0 and reported.size > 0:
        in_span = reported[:DEFAULT_BASELINE_POINTS]
        span = int(in_span[-1]) + 1
    center = float(np.median(values[in_span])) if in_span.size else math.nan
    return span, center


def _trend_events(values: FloatArray, reported: IntArray) -> list[_Event]:
    """Trends of TREND_LENGTH+ points, after collapsing repeated equal neighbours."""
    series = values[reported]
    if series.size < TREND_LENGTH:
        return []
    keep = np.flatnonzero(np.concatenate(([True], np.diff(series) != 0)))
    group_first = reported[keep]  # first index of each group of equal neighbours
    group_last = reported[np.concatenate((keep[1:] - 1, [series.size - 1]))]
    steps = np.sign(np.diff(values[group_first])).astype(np.int64)
    runs = _run_length_encode(steps, np.arange(steps.size, dtype=np.int64))
    events = []
    for sign, n_steps, first_step, last_step in zip(
        runs.sides, runs.lengths, runs.starts, runs.ends, strict=True
    ):
        if n_steps + 1 >= TREND_LENGTH:
            # from the last repeat of the starting value to the first of the final value
            start, end = int(group_last[first_step]), int(group_first[last_step + 1])
            events.append(_Event("trend", int(sign), int(n_steps) + 1, start, end))
    return events


def _run_events(runs: _Runs, min_length: int) -> list[_Event]:
    """Runs of ``min_length`` or more useful points on one side of the median."""
    chosen = np.flatnonzero(runs.lengths >= min_length)
    return [
        _Event("run", int(runs.sides[i]), int(runs.lengths[i]), int(runs.starts[i]), int(runs.ends[i]))
        for i in chosen
    ]


def _points_of(events: Sequence[_Event], reported: IntArray) -> list[int]:
    """Reported indices covered by any event (points on the median inside a run included)."""
    covered = np.zeros(0, dtype=np.int64)
    for event in events:
        inside = reported[(reported >= event.start) & (reported <= event.end)]
        covered = np.union1d(covered, inside)
    return [int(i) for i in covered]


def _label(sign: int, direction: Direction) -> SignalDirection:
    good = (sign > 0) == (direction == "up")
    return "improvement" if good else "deterioration"


def _latest(events: Sequence[_Event]) -> list[_Event]:
    last_end = max(e.end for e in events)
    latest = [e for e in events if e.end == last_end]
    return sorted(latest, key=lambda e: (e.kind != "run", -e.length))  # runs first, longest first


def _points(count: int) -> str:
    return f"{count} point" if count == 1 else f"{count} points"


def _describe(event: _Event, center_text: str) -> str:
    if event.kind == "trend":
        return f"{event.length} points in a row {'rising' if event.sign > 0 else 'falling'}"
    side = "above" if event.sign > 0 else "below"
    return f"{event.length} points in a row {side} the baseline median ({center_text})"


def _crossings_direction(runs: _Runs, direction: Direction) -> SignalDirection | None:
    if runs.lengths.size == 0 or runs.lengths[-1] < 2:
        return None
    return _label(int(runs.sides[-1]), direction)


def _finding(
    events: Sequence[_Event],
    signal_direction: SignalDirection | None,
    runs: _Runs,
    crossings: tuple[int, int],
    n_useful: int,
    center_text: str,
) -> str:
    """One plain-English sentence summarising the analysis."""
    label = (signal_direction or "").capitalize()
    if events:
        latest = _latest(events)
        if signal_direction is None:
            parts = " and ".join(_describe(e, center_text) for e in latest[:2])
            return f"Non-random variation in mixed directions: {parts}."
        return f"{label}: {_describe(latest[0], center_text)}."
    count, minimum = crossings
    if count < minimum:
        sentence = (
            f"only {count} crossings of the baseline median ({center_text}), "
            f"fewer than the {minimum} expected by chance"
        )
        if signal_direction is None:
            return f"Non-random variation: {sentence}."
        side = "above" if runs.sides[-1] > 0 else "below"
        return f"{label}: {sentence}, with the latest points {side} it."
    if n_useful < MIN_USEFUL_POINTS:
        return (
            f"No signal yet: only {_points(n_useful)} off the baseline median ({center_text}); "
            f"run charts need about {MIN_USEFUL_POINTS}."
        )
    return f"No signal: {n_useful} points vary randomly around the baseline median ({center_text})."


def analyse(
    values: Sequence[float] | FloatArray,
    direction: str = "up",
    baseline_n: int | None = None,
    *,
    percent: bool = False,
) -> RunChartResult:
    """Analyse a monthly series against a frozen baseline median.

    ``baseline_n`` is the number of leading months (positions, NaNs included) whose median
    forms the centre line; default the first 6, or all if fewer. ``percent`` only affects how
    the median is written in ``finding`` (values are fractions, 0.58 -> "58.0%").
    """
    better = normalise_direction(direction)
    array = np.asarray(values, dtype=np.float64).ravel()
    reported = np.flatnonzero(~np.isnan(array)).astype(np.int64)
    span, center = _baseline(array, reported, baseline_n)
    if reported.size == 0:
        return _empty_result(span)

    offsets = array[reported] - center
    useful = reported[offsets != 0]
    sides = np.sign(offsets[offsets != 0]).astype(np.int64)
    runs = _run_length_encode(sides, useful)
    n_useful = int(useful.size)
    run_max, cross_min = anhoej_limits(n_useful) if n_useful else (0, 0)
    longest = int(runs.lengths.max()) if n_useful else 0
    crossings = max(int(runs.lengths.size) - 1, 0)
    too_long = n_useful > 0 and longest > run_max
    too_few = n_useful > 0 and crossings < cross_min

    shift_events = _run_events(runs, SHIFT_LENGTH)
    long_events = _run_events(runs, run_max + 1) if too_long else []
    trend_events = _trend_events(array, reported)
    events = shift_events + [e for e in long_events if e not in shift_events] + trend_events

    signal_direction = _overall_direction(events, runs, too_few, better)
    center_text = figure(center, percent)
    return RunChartResult(
        n_points=int(reported.size),
        n_useful=n_useful,
        center=center,
        baseline_n=span,
        longest_run=longest,
        longest_run_max=run_max,
        crossings=crossings,
        crossings_min=cross_min,
        runs_signal=too_long or too_few,
        shift=bool(shift_events),
        trend=bool(trend_events),
        signal_direction=signal_direction,
        signal_points=_points_of(events, reported),
        finding=_finding(events, signal_direction, runs, (crossings, cross_min), n_useful, center_text),
    )


def _overall_direction(
    events: Sequence[_Event], runs: _Runs, too_few_crossings: bool, better: Direction
) -> SignalDirection | None:
    if events:
        labels = {_label(e.sign, better) for e in _latest(events)}
        return labels.pop() if len(labels) == 1 else None
    if too_few_crossings:
        return _crossings_direction(runs, better)
    return None


def _empty_result(span: int) -> RunChartResult:
    return RunChartResult(
        n_points=0,
        n_useful=0,
        center=math.nan,
        baseline_n=span,
        longest_run=0,
        longest_run_max=0,
        crossings=0,
        crossings_min=0,
        runs_signal=False,
        shift=False,
        trend=False,
        signal_direction=None,
        signal_points=[],
        finding="No data reported yet.",
    )


def _to_month(value: object) -> pd.Period:
    if isinstance(value, pd.Period):
        return value.asfreq("M")
    if isinstance(value, str | date | pd.Timestamp):
        return pd.Period(value, freq="M")
    raise TypeError(f"cannot read a month from {value!r}")


def baseline_length(
    months: Sequence[pd.Period | date | str],
    first_session_month: pd.Period | date | str,
    fallback: int = DEFAULT_BASELINE_POINTS,
) -> int:
    """Number of months in ``months`` before the first learning session.

    Falls back to ``fallback`` points (capped at ``len(months)``) when no month precedes it.
    """
    session = _to_month(first_session_month)
    before = sum(1 for month in months if _to_month(month) < session)
    return before if before >= 1 else min(fallback, len(months))
