"""Run-chart rules for many series at once: one numpy pass over a (series x months) panel.

:func:`analyse_panel` gives, for every row of the panel, the same verdict as
:func:`bot.analytics.runchart.analyse` (shift, trend, Anhøj runs/crossings, direction-aware
``signal_direction``) without a Python loop per series or per point: run-length encoding is done
on the flattened useful points with ``cumsum``/``bincount``. The digest uses it for every team
and measure; the one-sentence ``finding`` for the few series it shows comes from ``analyse``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from bot.analytics.runchart import (
    DEFAULT_BASELINE_POINTS,
    SHIFT_LENGTH,
    TREND_LENGTH,
    analyse,
    anhoej_limits,
    normalise_direction,
)

PANEL_COLUMNS = [
    "center",
    "n_points",
    "n_useful",
    "longest_run",
    "crossings",
    "runs_signal",
    "shift",
    "trend",
    "has_signal",
    "signal_direction",
]

IntArray = npt.NDArray[np.int64]


def _limits(max_n: int) -> tuple[IntArray, IntArray]:
    """Anhøj limits indexed by the number of useful points (0 gives 0, 0)."""
    runs = np.zeros(max_n + 1, dtype=np.int64)
    crossings = np.zeros(max_n + 1, dtype=np.int64)
    for n in range(1, max_n + 1):
        runs[n], crossings[n] = anhoej_limits(n)
    return runs, crossings


def _runs(sign: npt.NDArray[np.int64], rows: IntArray, cols: IntArray) -> pd.DataFrame:
    """Run-length encode ``sign`` along rows (input in row-major order): row, sign, length, start, end."""
    if sign.size == 0:
        return pd.DataFrame(
            {k: np.zeros(0, dtype=np.int64) for k in ("row", "sign", "length", "start", "end")}
        )
    new = np.ones(sign.size, dtype=bool)
    new[1:] = (rows[1:] != rows[:-1]) | (sign[1:] != sign[:-1])
    first = np.flatnonzero(new)
    last = np.r_[first[1:] - 1, sign.size - 1]
    return pd.DataFrame(
        {
            "row": rows[first],
            "sign": sign[first],
            "length": last - first + 1,
            "start": cols[first],
            "end": cols[last],
        }
    )


def _trend_events(matrix: npt.NDArray[np.float64]) -> pd.DataFrame:
    """Trends of TREND_LENGTH+ points per row, equal neighbours counted once (row, sign, end)."""
    rows, cols = np.nonzero(~np.isnan(matrix))
    values = matrix[rows, cols]
    keep = np.ones(values.size, dtype=bool)
    keep[1:] = (rows[1:] != rows[:-1]) | (values[1:] != values[:-1])
    kept = np.flatnonzero(keep)
    g_rows, g_values, g_first = rows[kept], values[kept], cols[kept]
    # pairs of consecutive groups in the same row are the steps
    pair = np.flatnonzero(g_rows[1:] == g_rows[:-1]) if kept.size > 1 else np.zeros(0, dtype=np.int64)
    if pair.size == 0:
        return pd.DataFrame({"row": [], "sign": [], "end": []}, dtype=np.int64)
    step_sign = np.sign(g_values[pair + 1] - g_values[pair]).astype(np.int64)
    new = np.ones(pair.size, dtype=bool)
    new[1:] = (pair[1:] != pair[:-1] + 1) | (step_sign[1:] != step_sign[:-1])
    first = np.flatnonzero(new)
    last = np.r_[first[1:] - 1, pair.size - 1]
    n_points = last - first + 2
    chosen = n_points >= TREND_LENGTH
    return pd.DataFrame(
        {
            "row": g_rows[pair[first[chosen]]],
            "sign": step_sign[first[chosen]],
            "end": g_first[pair[last[chosen]] + 1],
        }
    )


def _direction_of_events(events: pd.DataFrame, up: npt.NDArray[np.bool_], size: int) -> pd.Series:
    """Per row: the label of its latest events (None if they disagree or there are none)."""
    result = pd.Series([None] * size, dtype=object)
    if events.empty:
        return result
    latest = events[events["end"] == events.groupby("row")["end"].transform("max")]
    good = (latest["sign"].to_numpy() > 0) == up[latest["row"].to_numpy()]
    verdict = pd.Series(good, index=latest["row"].to_numpy()).groupby(level=0).agg(["min", "max"])
    agreed = verdict[verdict["min"] == verdict["max"]]
    labels = np.where(agreed["max"].to_numpy(), "improvement", "deterioration")
    result.iloc[agreed.index.to_numpy()] = labels
    return result


def analyse_panel(
    panel: pd.DataFrame, directions: pd.Series | str, baseline_n: int | None = None
) -> pd.DataFrame:
    """Run-chart verdicts for every row of ``panel`` (rows = series, columns = months, NaN = gap).

    ``directions`` is "up"/"down" for all rows, or a Series aligned with the panel's index.
    ``baseline_n`` counts leading months, as in :func:`analyse`. Returns one row per series
    with :data:`PANEL_COLUMNS`.
    """
    matrix = panel.to_numpy(dtype=np.float64)
    size, width = matrix.shape
    if isinstance(directions, str):
        up = np.full(size, normalise_direction(directions) == "up")
    else:
        up = directions.reindex(panel.index).map(normalise_direction).eq("up").to_numpy()
    span = max(0, min(DEFAULT_BASELINE_POINTS if baseline_n is None else baseline_n, width))
    reported = ~np.isnan(matrix)
    in_span = reported[:, :span].any(axis=1)
    center = np.full(size, np.nan)
    if in_span.any():
        center[in_span] = np.nanmedian(matrix[in_span, :span], axis=1)

    offsets = matrix - center[:, None]
    useful = reported & (offsets != 0) & ~np.isnan(offsets)
    rows, cols = np.nonzero(useful)
    runs = _runs(np.sign(offsets[rows, cols]).astype(np.int64), rows, cols)
    n_useful = np.bincount(rows, minlength=size)
    n_runs = np.bincount(runs["row"].to_numpy(), minlength=size)
    longest = np.zeros(size, dtype=np.int64)
    np.maximum.at(longest, runs["row"].to_numpy(), runs["length"].to_numpy())
    crossings = np.maximum(n_runs - 1, 0)
    run_max, cross_min = _limits(width)
    too_long = (n_useful > 0) & (longest > run_max[n_useful])
    too_few = (n_useful > 0) & (crossings < cross_min[n_useful])

    shifts = runs[runs["length"] >= SHIFT_LENGTH]
    trends = _trend_events(matrix)
    has_shift = np.bincount(shifts["row"].to_numpy(), minlength=size) > 0
    has_trend = np.bincount(trends["row"].to_numpy(dtype=np.int64), minlength=size) > 0
    events = pd.concat([shifts[["row", "sign", "end"]], trends], ignore_index=True).astype(np.int64)
    direction = _direction_of_events(events, up, size)

    # rows with no event but too few crossings: the side of the last run, if it has 2+ points
    last_run = runs.groupby("row").tail(1).set_index("row")
    crossing_only = too_few & ~has_shift & ~has_trend
    which = np.flatnonzero(crossing_only)
    if which.size:
        tail = last_run.reindex(which)
        good = (tail["sign"].to_numpy() > 0) == up[which]
        labels = np.where(good, "improvement", "deterioration").astype(object)
        labels[tail["length"].to_numpy() < 2] = None
        direction.iloc[which] = labels

    result = pd.DataFrame(
        {
            "center": center,
            "n_points": reported.sum(axis=1),
            "n_useful": n_useful,
            "longest_run": longest,
            "crossings": crossings,
            "runs_signal": too_long | too_few,
            "shift": has_shift,
            "trend": has_trend,
            "has_signal": too_long | too_few | has_shift | has_trend,
            "signal_direction": direction.to_numpy(),
        },
        index=panel.index,
    )
    _fallback_rows(result, panel, up, reported, in_span, baseline_n)
    return result[PANEL_COLUMNS]


def _fallback_rows(
    result: pd.DataFrame,
    panel: pd.DataFrame,
    up: npt.NDArray[np.bool_],
    reported: npt.NDArray[np.bool_],
    in_span: npt.NDArray[np.bool_],
    baseline_n: int | None,
) -> None:
    """Series with data but none in the baseline span use ``analyse``'s fallback baseline (rare)."""
    for position in np.flatnonzero(~in_span & reported.any(axis=1)):
        single = analyse(
            panel.iloc[position].to_numpy(dtype=np.float64), "up" if up[position] else "down", baseline_n
        )
        values = [
            single.center,
            single.n_points,
            single.n_useful,
            single.longest_run,
            single.crossings,
            single.runs_signal,
            single.shift,
            single.trend,
            single.has_signal,
            single.signal_direction,
        ]
        for column, value in zip(PANEL_COLUMNS, values, strict=True):
            result.iat[int(position), list(result.columns).index(column)] = value
