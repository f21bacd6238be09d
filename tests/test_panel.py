"""The vectorised panel analysis gives exactly the per-series verdicts of ``analyse``."""

import math

import numpy as np
import pandas as pd
import pytest

from bot.analytics.panel import analyse_panel
from bot.analytics.runchart import analyse

FIELDS = [
    "frozen", "n_points", "n_useful", "longest_run", "crossings", "runs_signal", "shift", "trend",
    "has_signal", "signal_direction", "rule", "since", "baseline_n",
]  # fmt: skip


def _random_panel(seed: int, rows: int = 600, months: int = 24) -> tuple[np.ndarray, pd.Series]:
    rng = np.random.default_rng(seed)
    matrix = rng.integers(0, 6, size=(rows, months)).astype(float)  # small integers: ties and repeats
    matrix[: rows // 3] += np.linspace(0, 4, months)  # drifting series: runs, shifts and trends
    matrix[rows // 3 : rows // 2, months // 2 :] += 3  # a step after the baseline
    matrix[rng.random((rows, months)) < 0.15] = np.nan
    matrix[5, :14] = np.nan  # too few points to freeze a baseline
    matrix[6, :] = np.nan  # nothing at all
    directions = pd.Series(np.where(rng.random(rows) < 0.5, "up", "down"))
    return matrix, directions


@pytest.mark.parametrize(
    ("seed", "baseline_n", "rules"),
    [(1, 12, "anhoej"), (2, None, "anhoej"), (3, 3, "anhoej"), (4, 20, "ihi")],
)
def test_panel_matches_analyse_row_by_row(seed: int, baseline_n: int | None, rules: str) -> None:
    matrix, directions = _random_panel(seed)
    panel = analyse_panel(pd.DataFrame(matrix), directions, baseline_n, rules)
    assert panel["signal_direction"].notna().sum() > 50  # the panel has signals to compare
    for i in range(matrix.shape[0]):
        expected = analyse(matrix[i], directions[i], baseline_n, rules=rules)
        row = panel.iloc[i]
        assert [row[f] for f in FIELDS] == [getattr(expected, f) for f in FIELDS], i
        assert (math.isnan(expected.center) and math.isnan(row["center"])) or row["center"] == expected.center


def test_panel_keeps_the_index_and_accepts_one_direction() -> None:
    index = pd.MultiIndex.from_tuples([("a", "bp"), ("b", "bp")], names=["team", "measure"])
    values = [
        [50, 52, 48, 51, 49, 50, 55, 56, 53, 57, 54, 58],
        [50, 52, 48, 51, 49, 50, 49, 51, 50, 52, 48, 51],
    ]
    panel = analyse_panel(pd.DataFrame(values, index=index), "up", 12)
    assert list(panel.index) == list(index)
    assert panel.loc[("a", "bp"), "signal_direction"] == "improvement"
    assert not panel.loc[("b", "bp"), "has_signal"]


def test_empty_panel() -> None:
    panel = analyse_panel(pd.DataFrame(np.zeros((0, 5))), "up", 3)
    assert panel.empty


def test_panel_with_control_limits_matches_analyse() -> None:
    matrix, directions = _random_panel(5, rows=120)
    limits = {i: (np.full(30, 0.5), np.full(30, 7.5)) for i in range(0, 120, 3)}  # wider than the panel
    panel = analyse_panel(pd.DataFrame(matrix), directions, 12, "ihi", limits)
    assert panel["rule"].eq("astronomical").any()
    for i in range(matrix.shape[0]):
        bounds = (limits[i][0][:24], limits[i][1][:24]) if i in limits else None
        expected = analyse(matrix[i], directions[i], 12, rules="ihi", limits=bounds)
        row = panel.iloc[i]
        assert [row[f] for f in FIELDS] == [getattr(expected, f) for f in FIELDS], i
