"""Series helpers: pooled proportions, rates, counts, completeness, signals per team."""

import math

import pandas as pd
import pytest

from bot.analytics.series import (
    collaborative_series,
    completeness,
    progress_to_goal,
    signals_by_team,
    team_series,
)

MEASURES = pd.DataFrame(
    {
        "key": ["bp", "noshow", "falls"],
        "type": ["proportion", "count", "rate"],
        "direction": ["up", "down", "down"],
        "goal": [0.70, 10, 2.0],
        "multiplier": [None, None, 1000],
    }
)


def _report(
    team: str, measure: str, period: str, num: float | None, den: float | None, value: float | None = None
) -> dict:
    return {
        "team": team,
        "measure": measure,
        "period": period,
        "numerator": num,
        "denominator": den,
        "value": value,
    }


def test_collaborative_proportion_is_pooled_not_mean_of_percent() -> None:
    reports = pd.DataFrame([_report("a", "bp", "2024-01", 90, 100), _report("b", "bp", "2024-01", 1, 10)])
    pooled = collaborative_series(reports, MEASURES).xs(("bp", pd.Period("2024-01", "M")))
    assert pooled["value"] == pytest.approx(91 / 110)
    assert pooled["value"] != pytest.approx((0.9 + 0.1) / 2)
    assert pooled["n_teams"] == 2


def test_team_series_values_by_type() -> None:
    reports = pd.DataFrame(
        [
            _report("a", "bp", "2024-01", 58, 100),
            _report("a", "falls", "2024-01", 3, 1500),
            _report("a", "noshow", "2024-01", None, None, 12),
            _report("a", "bp", "2024-02", 5, 0),  # zero denominator -> NaN
        ]
    )
    series = team_series(reports, MEASURES)["value"].to_dict()
    jan = pd.Period("2024-01", "M")
    assert series[("a", "bp", jan)] == pytest.approx(0.58)
    assert series[("a", "falls", jan)] == pytest.approx(2.0)  # 3 / 1500 * 1000
    assert series[("a", "noshow", jan)] == 12
    assert math.isnan(series[("a", "bp", pd.Period("2024-02", "M"))])


def test_rate_multiplier_in_collaborative_series_and_default() -> None:
    reports = pd.DataFrame(
        [_report("a", "falls", "2024-01", 3, 1000), _report("b", "falls", "2024-01", 1, 3000)]
    )
    pooled = collaborative_series(reports, MEASURES)
    assert pooled["value"].to_dict()[("falls", pd.Period("2024-01", "M"))] == pytest.approx(4 / 4000 * 1000)
    no_multiplier = MEASURES.drop(columns="multiplier")
    assert collaborative_series(reports, no_multiplier)["value"].iloc[0] == pytest.approx(1.0)


def test_collaborative_count_is_sum_with_teams_reporting() -> None:
    reports = pd.DataFrame(
        [
            _report("a", "noshow", "2024-01", None, None, 12),
            _report("b", "noshow", "2024-01", 8, None),  # count given as numerator
            _report("c", "noshow", "2024-01", None, None, None),  # nothing reported
        ]
    )
    row = collaborative_series(reports, MEASURES).xs(("noshow", pd.Period("2024-01", "M")))
    assert row["value"] == 20
    assert row["n_teams"] == 2


def test_completeness_lists_missing_teams() -> None:
    reports = pd.DataFrame(
        [
            _report("a", "bp", "2024-01", 1, 2),
            _report("b", "bp", "2024-01", 1, 2),
            _report("b", "noshow", "2024-02", None, None, 3),
            _report("zz", "bp", "2024-02", 1, 2),  # not an expected team
        ]
    )
    result = completeness(reports, ["a", "b", "c"], ["2024-01", "2024-02", pd.Period("2024-03", "M")])
    assert list(result["n_reported"]) == [2, 1, 0]
    assert list(result["n_expected"]) == [3, 3, 3]
    missing = result["missing"].to_dict()
    assert missing[pd.Period("2024-01", "M")] == ["c"]
    assert missing[pd.Period("2024-02", "M")] == ["a", "c"]
    assert missing[pd.Period("2024-03", "M")] == ["a", "b", "c"]


def test_progress_to_goal() -> None:
    assert progress_to_goal(0.58, 0.64, 0.70) == pytest.approx(0.5)
    assert progress_to_goal(20, 15, 10) == pytest.approx(0.5)  # lower is better
    assert progress_to_goal(0.58, 0.55, 0.70) == pytest.approx(-0.25)
    assert progress_to_goal(0.58, 0.60, 0.58) is None
    assert progress_to_goal(math.nan, 0.60, 0.70) is None


def test_signals_by_team() -> None:
    months = [str(p) for p in pd.period_range("2024-01", periods=12, freq="M")]
    improving = [50, 52, 48, 51, 49, 50, 55, 56, 53, 57, 54, 58]
    flat = [50, 52, 48, 51, 49, 50, 52, 48, 51, 49, 52, 48]
    rows = [_report("a", "bp", m, v, 100) for m, v in zip(months, improving, strict=True)]
    rows += [_report("b", "bp", m, v, 100) for m, v in zip(months, flat, strict=True)]
    rows.remove(rows[13])  # team b missed February: stays a NaN gap on the calendar
    result = signals_by_team(pd.DataFrame(rows), MEASURES, baseline_n=12)
    assert list(result.index) == [("a", "bp"), ("b", "bp")]
    assert result.loc[("a", "bp"), "signal_direction"] == "improvement"
    assert result.loc[("a", "bp"), "rule"] == "crossings"  # 6 below, then 6 above: 1 crossing
    assert str(result.loc[("a", "bp"), "finding"]).startswith("Improvement since point 7")
    assert not result.loc[("b", "bp"), "has_signal"]
    assert result.loc[("b", "bp"), "n_points"] == 11
    assert result["improvement"].mean() == 0.5
