"""Which rule flagged which point of a run chart, so the chart can mark each rule its own way.

The rules the charts know: ``run`` (an unusually long run, or a shift, on one side of the centre
line), ``crossings`` (too few crossings of it: a property of the whole series, shown on the
centre line), ``trend`` (IHI's rising or falling points) and ``astronomical`` (a point beyond the
limits). :func:`points_by_rule` reads them from a :class:`~bot.analytics.runchart.RunChartResult`:
run points are the reported points inside a run long enough to signal, trend points the
remaining signal points; ``astronomical`` stays empty until the analysis reports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

from bot.analytics.runchart import SHIFT_LENGTH, RunChartResult

Rule = Literal["run", "crossings", "trend", "astronomical"]
RULES: tuple[Rule, ...] = ("run", "crossings", "trend", "astronomical")
#: What each rule is called in a chart's legend.
RULE_LABELS: dict[Rule, str] = {
    "run": "Signal: unusually long run",
    "crossings": "Signal: too few crossings of the median",
    "trend": "Signal: trend",
    "astronomical": "Signal: astronomical point",
}


def _run_points(values: npt.NDArray[np.float64], center: float, min_length: int) -> set[int]:
    reported = np.flatnonzero(~np.isnan(values))
    useful = reported[values[reported] != center]
    sides = np.sign(values[useful] - center)
    points: set[int] = set()
    start = 0
    for end in range(1, useful.size + 1):
        if end == useful.size or sides[end] != sides[start]:
            if end - start >= min_length:
                first, last = useful[start], useful[end - 1]
                points.update(int(i) for i in reported[(reported >= first) & (reported <= last)])
            start = end
    return points


def points_by_rule(
    values: Sequence[float] | npt.NDArray[np.float64], result: RunChartResult
) -> dict[Rule, list[int]]:
    """Per rule, the indices of the points it flags (``crossings`` flags none: it marks the median)."""
    array = np.asarray(values, dtype=np.float64).ravel()
    signalled = set(result.signal_points)
    found: dict[Rule, list[int]] = {rule: [] for rule in RULES}
    if not signalled or np.isnan(result.center):
        return found
    shortest = min(SHIFT_LENGTH, result.longest_run_max + 1) if result.longest_run_max else SHIFT_LENGTH
    run = _run_points(array, result.center, shortest) & signalled
    found["run"] = sorted(run)
    found["trend"] = sorted(signalled - run)
    return found


def too_few_crossings(result: RunChartResult) -> bool:
    """True when the series crosses its centre line fewer times than chance allows."""
    return result.n_useful > 0 and result.crossings < result.crossings_min
