"""Run-chart verdicts for many series at once (rows = series, columns = months).

:func:`analyse_panel` gives, for every row of the panel, the verdict of
:func:`bot.analytics.runchart.analyse` (same rules, same centre line, same signals), so the
digest, the team chart and the signals export say the same thing. Under the Anhøj rules the
runs and crossings of every row are first counted in one numpy pass (run-length encoding of the
flattened useful points); only rows where a rule may fire are analysed one by one, so a panel
of thousands of quiet series costs a few array operations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from bot.analytics.runchart import (
    MIN_USEFUL_POINTS,
    RunChartResult,
    analyse,
    anhoej_limits,
    freeze_points,
    normalise_direction,
    normalise_rules,
)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

PANEL_COLUMNS = [
    "center",
    "frozen",
    "n_points",
    "n_useful",
    "longest_run",
    "crossings",
    "runs_signal",
    "shift",
    "trend",
    "has_signal",
    "signal_direction",
    "rule",
    "since",
    "baseline_n",
]


def _row(result: RunChartResult) -> list[object]:
    return [getattr(result, column) for column in PANEL_COLUMNS]


def _limits(max_n: int) -> tuple[IntArray, IntArray]:
    """Anhøj limits indexed by the number of useful points (0 gives 0, 0)."""
    runs = np.zeros(max_n + 1, dtype=np.int64)
    crossings = np.zeros(max_n + 1, dtype=np.int64)
    for n in range(1, max_n + 1):
        runs[n], crossings[n] = anhoej_limits(n)
    return runs, crossings


def _run_counts(
    matrix: npt.NDArray[np.float64], mask: BoolArray, center: npt.NDArray[np.float64]
) -> tuple[IntArray, IntArray, IntArray]:
    """Per row, over the points in ``mask``: (useful points, longest run, crossings)."""
    size = matrix.shape[0]
    offsets = matrix - center[:, None]
    useful = mask & (offsets != 0) & ~np.isnan(offsets)
    rows, cols = np.nonzero(useful)
    sign = np.sign(offsets[rows, cols])
    n_useful = np.bincount(rows, minlength=size).astype(np.int64)
    longest = np.zeros(size, dtype=np.int64)
    if rows.size == 0:
        return n_useful, longest, longest.copy()
    new = np.ones(rows.size, dtype=bool)
    new[1:] = (rows[1:] != rows[:-1]) | (sign[1:] != sign[:-1])
    first = np.flatnonzero(new)
    lengths = np.diff(np.r_[first, rows.size])
    np.maximum.at(longest, rows[first], lengths)
    n_runs = np.bincount(rows[first], minlength=size)
    return n_useful, longest, np.maximum(n_runs - 1, 0).astype(np.int64)


def _quiet_row(
    center: float,
    frozen: bool,
    n_points: int,
    n_useful: int,
    longest: int,
    crossings: int,
    baseline_n: int = 0,
) -> list[object]:
    quiet = [False, False, False, False, None, None, None]
    return [center, frozen, n_points, n_useful, longest, crossings, *quiet, baseline_n]


def analyse_panel(
    panel: pd.DataFrame,
    directions: pd.Series | str,
    baseline_n: int | None = None,
    rules: str | None = "anhoej",
    limits: Mapping[Any, tuple[FloatArray, FloatArray]] | None = None,
) -> pd.DataFrame:
    """Run-chart verdicts for every row of ``panel`` (NaN = not reported), one row per series.

    ``directions`` is "up"/"down" for all rows, or a Series aligned with the panel's index.
    ``limits``: control limits (lower, upper) by row key, at least as wide as the panel (cut to it):
    a point beyond them is an astronomical point.
    ``since`` is the column position of the first month of the current signal (None without one).
    """
    matrix = panel.to_numpy(dtype=np.float64)
    size, width = matrix.shape
    if isinstance(directions, str):
        ups = [normalise_direction(directions)] * size
    else:
        ups = [normalise_direction(str(d)) for d in directions.reindex(panel.index)]
    rule_set = normalise_rules(rules)
    reported = ~np.isnan(matrix)
    order = np.cumsum(reported, axis=1)
    n_points = reported.sum(axis=1)
    needed = freeze_points(baseline_n)
    frozen = n_points >= needed
    baseline = reported & (order <= np.where(frozen, needed, width)[:, None])
    center = np.full(size, math.nan)
    has_base = baseline.any(axis=1)
    if has_base.any():
        center[has_base] = np.nanmedian(np.where(baseline, matrix, np.nan)[has_base], axis=1)
    # as analyse: baseline and later months apart once 10 months follow the baseline
    split_rows = frozen & (n_points >= needed + MIN_USEFUL_POINTS)
    base = reported & ((order <= needed) | ~split_rows[:, None])
    after = reported & (order > needed) & split_rows[:, None]

    run_max, cross_min = _limits(width)
    candidate = np.zeros(size, dtype=bool)
    stats = []
    for mask in (base, after):
        n_useful, longest, crossings = _run_counts(matrix, mask, center)
        stats.append((n_useful, longest, crossings))
        candidate |= (n_useful > 0) & ((longest > run_max[n_useful]) | (crossings < cross_min[n_useful]))
    if rule_set != "anhoej":
        candidate[:] = True
    split = after.any(axis=1)
    rows: list[list[object]] = []
    for i in range(size):
        if not reported[i].any():
            rows.append(_quiet_row(math.nan, False, 0, 0, 0, 0))
        elif candidate[i] or (limits and panel.index[i] in limits):
            bounds = limits.get(panel.index[i]) if limits else None
            cut = (bounds[0][:width], bounds[1][:width]) if bounds is not None else None
            rows.append(
                _row(analyse(matrix[i], ups[i], baseline_n, rules=rule_set, limits=cut, describe=False))
            )
        else:
            n_useful, longest, crossings = stats[1] if split[i] else stats[0]
            rows.append(
                _quiet_row(
                    float(center[i]), bool(frozen[i]), int(n_points[i]), int(n_useful[i]), int(longest[i]),
                    int(crossings[i]), needed if frozen[i] else 0,
                )
            )  # fmt: skip
    frame = pd.DataFrame(rows, columns=PANEL_COLUMNS, index=panel.index, dtype=object)
    return frame.astype(
        {
            "center": float, "frozen": bool, "n_points": int, "n_useful": int, "longest_run": int,
            "crossings": int, "runs_signal": bool, "shift": bool, "trend": bool, "has_signal": bool,
            "baseline_n": int,
        }
    )  # fmt: skip
