"""Which rule flagged which point of a run chart, so the chart can mark each rule its own way.

The flags are the analysis's own (:attr:`bot.analytics.runchart.Signal.points`), not a guess:
``run`` (an unusually long run on one side of the centre line, Anhøj), ``shift`` (IHI's 6 in a
row), ``trend`` (IHI's 5 rising or falling), ``astronomical`` (a point beyond the control limits)
and ``crossings`` (too few crossings of the centre line: a property of the whole series, shown on
the centre line, so it flags no point).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from bot.analytics.runchart import RunChartResult, SignalRule

Rule = SignalRule
RULES: tuple[Rule, ...] = ("run", "shift", "crossings", "trend", "astronomical")
#: What each rule is called in a chart's legend.
RULE_LABELS: dict[Rule, str] = {
    "run": "Signal: unusually long run",
    "shift": "Signal: shift (6 or more on one side)",
    "crossings": "Signal: too few crossings of the median",
    "trend": "Signal: trend (5 or more rising or falling)",
    "astronomical": "Signal: astronomical point",
}


def points_by_rule(
    values: Sequence[float] | npt.NDArray[np.float64], result: RunChartResult
) -> dict[Rule, list[int]]:
    """Per rule, the indices of the points it flags (``crossings`` flags none: it marks the median)."""
    found = result.points_by_rule()
    size = np.asarray(values).size
    return {rule: [i for i in found.get(rule, []) if i < size] for rule in RULES}
