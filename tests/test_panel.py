"""The vectorised panel analysis gives exactly the per-series verdicts of ``analyse``."""

import math

import numpy as np
import pandas as pd
import pytest

from bot.analytics.panel import analyse_panel
from bot.analytics.runchart import analyse

FIELDS = ["n_points", "n_useful", "longest_run", "crossings", "runs_signal", "shift", "trend", "has_signal"]


def _random_panel(seed: int, rows: int = 600, months: int = 20) -> tuple[np.ndarray, pd.Series]:
    rng = np.random.default_rng(seed)
    matrix = rng.integers(0, 6, size=(rows, months)).astype(float)  # small integers: ties and repeats
    matrix[: rows // 3] += np.linspace(0, 4, months)  # drifting series: shifts and trends
    matrix[rng.random((rows, months)) < 0.15] = np.nan
    matrix[5, :8] = np.nan  # nothing reported in the baseline span: analyse's fallback
    matrix[6, :] = np.nan  # nothing at all
    directions = pd.Series(np.where(rng.random(rows) < 0.5, "up", "down"))
    return matrix, directions


@pytest.mark.parametrize(("seed", "baseline_n"), [(1, 6), (2, None), (3, 3), (4, 20)])
def test_panel_matches_analyse_row_by_row(seed: int, baseline_n: int | None) -> None:
    matrix, directions = _random_panel(seed)
    panel = analyse_panel(pd.DataFrame(matrix), directions, baseline_n)
    for i in range(matrix.shape[0]):
        expected = analyse(matrix[i], directions[i], baseline_n)
        row = panel.iloc[i]
        assert [row[f] for f in FIELDS] == [getattr(expected, f) for f in FIELDS], i
        assert row["signal_direction"] == expected.signal_direction, i
        assert (math.isnan(expected.center) and math.isnan(row["center"])) or row["center"] == expected.center


def test_panel_keeps_the_index_and_accepts_one_direction() -> None:
    index = pd.MultiIndex.from_tuples([("a", "bp"), ("b", "bp")], names=["team", "measure"])
    values = [
        [50, 52, 48, 51, 49, 50, 55, 56, 53, 57, 54, 58],
        [50, 52, 48, 51, 49, 50, 49, 51, 50, 52, 48, 51],
    ]
    panel = analyse_panel(pd.DataFrame(values, index=index), "up", 6)
    assert list(panel.index) == list(index)
    assert panel.loc[("a", "bp"), "signal_direction"] == "improvement"
    assert not panel.loc[("b", "bp"), "has_signal"]


def test_empty_panel() -> None:
    panel = analyse_panel(pd.DataFrame(np.zeros((0, 5))), "up", 3)
    assert panel.empty
