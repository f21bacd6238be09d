"""Run-chart rendering: a PNG and alt text that states the finding."""

import math

import pandas as pd
import pytest

from bot.analytics.charts import render_run_chart
from bot.analytics.runchart import analyse

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_render_run_chart_png_and_alt_text() -> None:
    values = [0.57, 0.59, 0.56, 0.60, 0.58, 0.55, 0.58, 0.61, math.nan, 0.62, 0.64, 0.63, 0.66]
    months = list(pd.period_range("2024-01", periods=len(values), freq="M"))
    result = analyse(values, "up", baseline_n=6, percent=True)
    png, alt = render_run_chart(
        months,
        values,
        result,
        title="BP control — Riverside",
        goal=0.70,
        percent=True,
        pdsa_months=["2024-07", pd.Period("2024-09", "M"), "2030-01"],
        baseline_n=6,
    )
    assert png.startswith(PNG_SIGNATURE)
    assert len(png) > 10_000
    assert result.finding in alt
    assert "BP control — Riverside" in alt
    assert "Goal 70%" in alt
    assert "2 months with a PDSA cycle start" in alt


def test_render_count_chart_without_goal_or_data() -> None:
    months = ["2024-01", "2024-02", "2024-03"]
    result = analyse([math.nan] * 3)
    png, alt = render_run_chart(
        months, [math.nan] * 3, result, title="Missed appointments", goal=None, percent=False, baseline_n=3
    )
    assert png.startswith(PNG_SIGNATURE)
    assert "No data reported yet." in alt


def test_render_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError):
        render_run_chart(
            ["2024-01"], [1.0, 2.0], analyse([1.0, 2.0]), title="x", goal=None, percent=False, baseline_n=1
        )
