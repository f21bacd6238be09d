"""Run-chart analysis with a known false-alarm rate: the Anhøj rules by default, IHI's on request.

Rules (cited; every one judged against the centre line, every reported point used):

- ``anhoej`` (the default, as the R package qicharts2; Anhøj & Olesen 2014, PLoS One): with n
  useful points (reported and not on the centre line), an *unusually long run* is a run longer
  than ``round(log2(n)) + 3`` (Schilling 2012) and *too few crossings* is fewer crossings than
  ``qbinom(0.05, n - 1, 0.5)`` (Chen 2010). Points on the centre line neither extend nor break
  a run; months not reported (NaN) are skipped. As qicharts2 does with a frozen baseline, the
  baseline points and the points after it are judged separately (both against the frozen line),
  once at least :data:`MIN_USEFUL_POINTS` follow the baseline; before that, all points together.
  Only the latest part's signals can be current. Too few crossings after the baseline takes the
  direction of the side holding two thirds of that part's points (else none); otherwise the
  side of the latest run of 2+ points.
- ``ihi`` (Perla, Provost & Murray 2011, only when the collaborative file says ``rules: ihi``):
  a *shift* is 6 or more consecutive useful points on one side; a *trend* is 5 or more points all
  rising or all falling (equal neighbours count once); an *astronomical point* lies outside the
  control limits, when the caller gives them (a p-chart, :mod:`bot.analytics.pchart`).
  A trend never decides :attr:`RunChartResult.signal_direction` on its own (Davis & Woodall
  1988: it adds false alarms and little power), so it never flags a team by itself.
- Control limits given to :func:`analyse` (``limits``) add astronomical points under either
  rule set: the digest gives them for a collaborative proportion (its p′-chart).

Centre line: a per-measure ``center`` (the file's ``baseline``) when given; else the median of
the first ``baseline_n`` reported points (default 12), frozen only once there are at least that
many and never on fewer than :data:`MIN_BASELINE_POINTS` (10). Until then it is the median of
all points so far and :attr:`RunChartResult.frozen` is False ("baseline not yet frozen").

Each rule that fires gives a :class:`Signal`: which rule, over which points, in which direction,
and whether it is *current* (it reaches the latest point) or has *ended*. Only current signals
set ``signal_direction``; when current signals disagree it is None.
"""

from __future__ import annotations

import functools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from bot.format import run_chart_finding

Direction = Literal["up", "down"]
SignalDirection = Literal["improvement", "deterioration"]
RuleSet = Literal["anhoej", "ihi"]
SignalRule = Literal["run", "crossings", "shift", "trend", "astronomical"]
CenterSource = Literal["baseline", "all", "file", "none"]

RULE_SETS: tuple[RuleSet, ...] = ("anhoej", "ihi")
SHIFT_LENGTH = 6  # Perla/Provost/Murray: 6+ consecutive points on one side of the median
TREND_LENGTH = 5  # 5+ consecutive points all rising or all falling
DEFAULT_BASELINE_POINTS = 12  # the file's ``baseline_months`` default
MIN_BASELINE_POINTS = 10  # a baseline is never frozen on fewer points
MIN_USEFUL_POINTS = 10  # the rules are sensible from about 10 useful points
#: Which signal leads when several are current: the most concrete first.
RULE_ORDER: tuple[SignalRule, ...] = ("run", "shift", "astronomical", "crossings", "trend")

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


@functools.lru_cache(maxsize=512)
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


def normalise_rules(rules: str | None) -> RuleSet:
    """``anhoej`` (default, also for None) or ``ihi``."""
    value = (rules or "anhoej").strip().lower().replace("ø", "o")
    if value not in RULE_SETS:
        raise ValueError(f"rules must be 'anhoej' or 'ihi', got {rules!r}")
    return value  # type: ignore[return-value]


def freeze_points(baseline_n: int | None) -> int:
    """How many reported points a baseline needs before it is frozen (at least 10)."""
    return max(DEFAULT_BASELINE_POINTS if baseline_n is None else baseline_n, MIN_BASELINE_POINTS)


@dataclass(frozen=True)
class Signal:
    """One rule that fired. Indices refer to the input values.

    ``first``/``last``: the months it spans (for ``crossings``, the latest run, whose side gives
    the direction, or the whole series when that run is a single point). ``points``: the points
    it flags on a chart (none for ``crossings``: it marks the centre line). ``size``: the run or
    trend length, the number of crossings, or the number of points beyond the limits; ``limit``:
    the longest run or the fewest crossings allowed, or the IHI rule's length.
    """

    rule: SignalRule
    direction: SignalDirection | None
    sign: int  # +1 above / rising, -1 below / falling, 0 unknown
    first: int
    last: int
    points: tuple[int, ...]
    size: int
    limit: int
    current: bool

    @property
    def flags_teams(self) -> bool:
        """Whether this signal may, on its own, put a team in the spotlight or on the support list."""
        return self.rule != "trend"


@dataclass(frozen=True)
class RunChartResult:
    """Outcome of :func:`analyse` (frozen). Indices refer to the input values."""

    n_points: int
    n_useful: int
    center: float
    center_source: CenterSource
    baseline_n: int  # reported points under the frozen baseline (0 when not frozen or from the file)
    rules: RuleSet
    longest_run: int
    longest_run_max: int
    crossings: int
    crossings_min: int
    #: Index of the first point the Anhøj figures above describe: 0, or the first month after a
    #: frozen baseline (the baseline and the months after it are analysed separately).
    phase_start: int = 0
    signals: tuple[Signal, ...] = ()
    finding: str = ""

    @property
    def frozen(self) -> bool:
        """True when the centre line is a frozen baseline (from the data or the file)."""
        return self.center_source in ("baseline", "file")

    @property
    def current_signals(self) -> tuple[Signal, ...]:
        return tuple(s for s in self.signals if s.current)

    @property
    def lead(self) -> Signal | None:
        """The signal the words describe: current before ended, then by :data:`RULE_ORDER`, latest."""
        if not self.signals:
            return None
        return min(self.signals, key=lambda s: (not s.current, RULE_ORDER.index(s.rule), -s.last))

    @property
    def signal_direction(self) -> SignalDirection | None:
        """The direction of the current signals that may flag a team (None if none or they disagree)."""
        found = {s.direction for s in self.current_signals if s.flags_teams and s.direction}
        return found.pop() if len(found) == 1 else None

    @property
    def signal(self) -> Literal["improvement", "deterioration", "none"]:
        return self.signal_direction or "none"

    @property
    def rule(self) -> SignalRule | None:
        """The rule of the current signal that sets :attr:`signal_direction`."""
        lead = self._deciding()
        return lead.rule if lead else None

    @property
    def since(self) -> int | None:
        """Index of the first month of the current signal (None without one)."""
        lead = self._deciding()
        return lead.first if lead else None

    def _deciding(self) -> Signal | None:
        direction = self.signal_direction
        chosen = [s for s in self.current_signals if s.flags_teams and s.direction == direction]
        if direction is None or not chosen:
            return None
        return min(chosen, key=lambda s: (RULE_ORDER.index(s.rule), -s.last))

    @property
    def has_signal(self) -> bool:
        """True when any rule fired (current or ended)."""
        return bool(self.signals)

    @property
    def improvement(self) -> bool:
        """True when there is a current signal in the measure's better direction."""
        return self.signal_direction == "improvement"

    def fired(self, rule: SignalRule) -> bool:
        return any(s.rule == rule for s in self.signals)

    @property
    def runs_signal(self) -> bool:
        """Anhøj: an unusually long run or too few crossings."""
        return self.fired("run") or self.fired("crossings")

    @property
    def shift(self) -> bool:
        return self.fired("shift")

    @property
    def trend(self) -> bool:
        return self.fired("trend")

    @property
    def astronomical(self) -> bool:
        return self.fired("astronomical")

    @property
    def signal_points(self) -> list[int]:
        """Every point flagged by some rule."""
        return sorted({p for s in self.signals for p in s.points})

    def points_by_rule(self) -> dict[SignalRule, list[int]]:
        """Per rule, the points it flags (the real flags, for the chart markers)."""
        found: dict[SignalRule, set[int]] = {rule: set() for rule in RULE_ORDER}
        for s in self.signals:
            found[s.rule].update(s.points)
        return {rule: sorted(points) for rule, points in found.items()}


@dataclass(frozen=True)
class _Runs:
    """Run-length encoding of a +1/-1 sequence; positions index the original values."""

    sides: IntArray  # side of each run (+1 above, -1 below)
    lengths: IntArray
    starts: IntArray  # index (into the original values) of each run's first point
    ends: IntArray  # index of each run's last point


def _run_length_encode(signs: IntArray, positions: IntArray) -> _Runs:
    """Encode consecutive equal signs as runs; ``positions`` maps each sign to its index."""
    if signs.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return _Runs(empty, empty, empty, empty)
    change = np.flatnonzero(np.diff(signs) != 0)
    first = np.concatenate(([0], change + 1)).astype(np.int64)
    last = np.concatenate((change, [signs.size - 1])).astype(np.int64)
    return _Runs(signs[first], last - first + 1, positions[first], positions[last])


def centre_line(
    values: FloatArray, baseline_n: int | None, center: float | None = None
) -> tuple[float, CenterSource, int]:
    """(centre, where it comes from, points under the frozen baseline) for a series with NaN gaps."""
    if center is not None and not math.isnan(center):
        return float(center), "file", 0
    reported = values[~np.isnan(values)]
    if reported.size == 0:
        return math.nan, "none", 0
    needed = freeze_points(baseline_n)  # statistics.median: a few microseconds on a dozen values
    if reported.size >= needed:
        return float(statistics.median(reported[:needed].tolist())), "baseline", needed
    return float(statistics.median(reported.tolist())), "all", 0


def _label(sign: int, better: Direction) -> SignalDirection:
    return "improvement" if (sign > 0) == (better == "up") else "deterioration"


def _between(reported: IntArray, first: int, last: int) -> tuple[int, ...]:
    return tuple(int(i) for i in reported[(reported >= first) & (reported <= last)])


@dataclass(frozen=True)
class _Phase:
    """The runs of one part of a series (its reported indices) around the centre line."""

    reported: IntArray
    runs: _Runs
    n_useful: int
    run_max: int
    cross_min: int
    longest: int
    crossings: int


def _phase(values: FloatArray, reported: IntArray, centre: float) -> _Phase:
    offsets = values[reported] - centre
    useful = reported[offsets != 0]
    runs = _run_length_encode(np.sign(offsets[offsets != 0]).astype(np.int64), useful)
    n_useful = int(useful.size)
    run_max, cross_min = anhoej_limits(n_useful) if n_useful else (0, 0)
    longest = int(runs.lengths.max()) if n_useful else 0
    return _Phase(reported, runs, n_useful, run_max, cross_min, longest, max(int(runs.lengths.size) - 1, 0))


def _anhoej_signals(phase: _Phase, better: Direction, after: bool) -> list[Signal]:
    """The unusually long runs and too few crossings of one part of a series."""
    if not phase.n_useful:
        return []
    found = _run_signals(phase.runs, phase.reported, "run", phase.run_max + 1, phase.run_max, better)
    if phase.crossings < phase.cross_min:
        found.append(_crossings_signal(phase.runs, phase.reported, phase.cross_min, better, after))
    return found


def _run_signals(
    runs: _Runs, reported: IntArray, rule: SignalRule, min_length: int, limit: int, better: Direction
) -> list[Signal]:
    """Runs of ``min_length`` or more useful points (points on the centre line inside included)."""
    last_run = runs.lengths.size - 1
    return [
        Signal(
            rule=rule,
            direction=_label(int(runs.sides[i]), better),
            sign=int(runs.sides[i]),
            first=int(runs.starts[i]),
            last=int(runs.ends[i]),
            points=_between(reported, int(runs.starts[i]), int(runs.ends[i])),
            size=int(runs.lengths[i]),
            limit=limit,
            current=bool(i == last_run),
        )
        for i in np.flatnonzero(runs.lengths >= min_length)
    ]


def _crossings_signal(
    runs: _Runs, reported: IntArray, minimum: int, better: Direction, after: bool
) -> Signal:
    """Too few crossings: a property of the whole part, directed by the side it leans to.

    After a frozen baseline: the side holding at least two thirds of the part's useful points
    (they lean away from the baseline median; a noisy baseline median alone rarely does that).
    Otherwise (a median of all points, half the points on each side): the side of the latest run
    when it has 2+ points. Else no direction.
    """
    crossings = int(runs.lengths.size) - 1
    above = int(runs.lengths[runs.sides > 0].sum())
    below = int(runs.lengths[runs.sides < 0].sum())
    sign = 0
    if after:
        if 3 * max(above, below) >= 2 * (above + below):
            sign = 1 if above > below else -1
    elif runs.lengths[-1] >= 2:
        sign = int(runs.sides[-1])
    if not sign:
        return Signal("crossings", None, 0, int(reported[0]), int(reported[-1]), (), crossings, minimum, True)
    on_side = np.flatnonzero(runs.sides == sign)
    first = int(runs.starts[on_side[0]]) if after else int(runs.starts[-1])
    return Signal(
        "crossings", _label(sign, better), sign, first, int(reported[-1]), (), crossings, minimum, True
    )


def _trend_signals(values: FloatArray, reported: IntArray, better: Direction) -> list[Signal]:
    """Trends of TREND_LENGTH+ points, after collapsing repeated equal neighbours."""
    series = values[reported]
    if series.size < TREND_LENGTH:
        return []
    keep = np.flatnonzero(np.concatenate(([True], np.diff(series) != 0)))
    group_first = reported[keep]  # first index of each group of equal neighbours
    group_last = reported[np.concatenate((keep[1:] - 1, [series.size - 1]))]
    steps = np.sign(np.diff(values[group_first])).astype(np.int64)
    runs = _run_length_encode(steps, np.arange(steps.size, dtype=np.int64))
    found = []
    for sign, n_steps, first_step, last_step in zip(
        runs.sides, runs.lengths, runs.starts, runs.ends, strict=True
    ):
        if n_steps + 1 >= TREND_LENGTH:
            # from the last repeat of the starting value to the first of the final value
            start, end = int(group_last[first_step]), int(group_first[last_step + 1])
            found.append(
                Signal(
                    rule="trend",
                    direction=_label(int(sign), better),
                    sign=int(sign),
                    first=start,
                    last=end,
                    points=_between(reported, start, end),
                    size=int(n_steps) + 1,
                    limit=TREND_LENGTH,
                    current=bool(np.all(values[reported[reported > end]] == values[end])),
                )
            )
    return found


def _astronomical_signals(
    values: FloatArray, reported: IntArray, limits: tuple[FloatArray, FloatArray], better: Direction
) -> list[Signal]:
    lower, upper = (np.asarray(a, dtype=np.float64).ravel() for a in limits)
    found = []
    for i in reported:
        value = values[i]
        sign = 1 if value > upper[i] else -1 if value < lower[i] else 0
        if sign:
            found.append(
                Signal(
                    "astronomical", _label(sign, better), sign, int(i), int(i), (int(i),), 1, 0,
                    bool(i == reported[-1]),
                )
            )  # fmt: skip
    return found


def analyse(
    values: Sequence[float] | FloatArray,
    direction: str = "up",
    baseline_n: int | None = None,
    *,
    percent: bool = False,
    rules: str | None = "anhoej",
    center: float | None = None,
    limits: tuple[Sequence[float] | FloatArray, Sequence[float] | FloatArray] | None = None,
    months: Sequence[pd.Period | date | str] | None = None,
    describe: bool = True,
) -> RunChartResult:
    """Analyse a monthly series (NaN = not reported) against its centre line.

    ``baseline_n``: reported points in the frozen baseline (default 12, never fewer than 10).
    ``center``: a given baseline (the file's per-measure ``baseline``) used as the centre line.
    ``rules``: ``anhoej`` or ``ihi``. ``limits``: (lower, upper) control limits aligned with
    ``values``; a point beyond them is an astronomical point. ``percent`` and ``months`` only
    affect the words of ``finding`` (values are fractions, 0.58 -> "58%"; month names);
    ``describe=False`` leaves ``finding`` empty (many series at once, where no one reads it).
    """
    better = normalise_direction(direction)
    rule_set = normalise_rules(rules)
    array = np.asarray(values, dtype=np.float64).ravel()
    reported = np.flatnonzero(~np.isnan(array)).astype(np.int64)
    centre, source, frozen_n = centre_line(array, baseline_n, center)
    if reported.size == 0:
        result = RunChartResult(0, 0, centre, source, 0, rule_set, 0, 0, 0, 0)
        return _with_finding(result, run_chart_finding(result, months, percent))

    # as qicharts2: with a frozen baseline, the baseline months and the months after it are
    # analysed separately (both against the frozen centre); only the latest part is current
    split = rule_set == "anhoej" and source == "baseline" and reported.size >= frozen_n + MIN_USEFUL_POINTS
    parts = [reported[:frozen_n], reported[frozen_n:]] if split else [reported]
    signals: list[Signal] = []
    phases = [_phase(array, part, centre) for part in parts]
    phase = phases[-1]
    if rule_set == "anhoej":
        for each in phases:
            found = _anhoej_signals(each, better, split and each is phase)
            signals += found if each is phase else [replace(x, current=False) for x in found]
    else:
        signals += _run_signals(phase.runs, reported, "shift", SHIFT_LENGTH, SHIFT_LENGTH, better)
        signals += _trend_signals(array, reported, better)
    if limits is not None:
        signals += _astronomical_signals(
            array, reported, (np.asarray(limits[0]), np.asarray(limits[1])), better
        )

    result = RunChartResult(
        n_points=int(reported.size),
        n_useful=phase.n_useful,
        center=centre,
        center_source=source,
        baseline_n=frozen_n,
        rules=rule_set,
        longest_run=phase.longest,
        longest_run_max=phase.run_max,
        crossings=phase.crossings,
        crossings_min=phase.cross_min,
        phase_start=int(parts[-1][0]) if split else 0,
        signals=tuple(sorted(signals, key=lambda s: (s.first, s.last, RULE_ORDER.index(s.rule)))),
    )
    return _with_finding(result, run_chart_finding(result, months, percent)) if describe else result


def _with_finding(result: RunChartResult, finding: str) -> RunChartResult:
    return replace(result, finding=finding)
