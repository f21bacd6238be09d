"""Run-chart rules against reference values (qicharts2 limits, IHI shift and trend)."""

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from bot.analytics.runchart import analyse, anhoej_limits, baseline_length

REFERENCE = {
    10: (6, 2), 12: (7, 3), 14: (7, 4), 17: (7, 5), 19: (7, 6), 22: (7, 7), 23: (8, 7),
    24: (8, 8), 27: (8, 9), 30: (8, 10), 36: (8, 13), 40: (8, 14), 50: (9, 19), 60: (9, 23),
}  # fmt: skip

NAN = math.nan


@pytest.mark.parametrize(("n", "expected"), sorted(REFERENCE.items()))
def test_anhoej_limits_match_reference_table(n: int, expected: tuple[int, int]) -> None:
    assert anhoej_limits(n) == expected


def _brute_force_qbinom_05(trials: int) -> int:
    cdf = 0.0
    for k in range(trials + 1):
        cdf += math.comb(trials, k) * 0.5**trials
        if cdf >= 0.05 - 1e-12:
            return k
    return trials


def test_anhoej_limits_monotone_and_match_brute_force() -> None:
    limits = [anhoej_limits(n) for n in range(10, 61)]
    for (run_a, cross_a), (run_b, cross_b) in zip(limits, limits[1:], strict=False):
        assert run_a <= run_b
        assert cross_a <= cross_b
    for n, (_, crossings) in zip(range(10, 61), limits, strict=True):
        assert crossings == _brute_force_qbinom_05(n - 1)


def test_anhoej_limits_reject_zero() -> None:
    with pytest.raises(ValueError):
        anhoej_limits(0)


def test_random_looking_series_has_no_signal() -> None:
    values = [5, 3, 6, 2, 5, 4, 6, 3, 5, 2, 6, 4]
    result = analyse(values, "up", baseline_n=12)
    assert result.center == 4.5
    assert not result.has_signal
    assert result.signal_direction is None
    assert result.signal_points == []
    assert result.finding.startswith("No signal")


def test_shift_of_six_above_is_improvement_when_up() -> None:
    values = [50, 52, 48, 51, 49, 50, 55, 56, 53, 57, 54, 58]
    result = analyse(values, "up", baseline_n=6, percent=False)
    assert result.center == 50.0
    assert result.shift
    assert result.signal_direction == "improvement"
    assert result.signal_points == [6, 7, 8, 9, 10, 11]
    assert result.finding == "Improvement: 6 points in a row above the baseline median (50)."


def test_shift_of_five_is_not_a_shift() -> None:
    values = [50, 52, 48, 51, 49, 50, 55, 49, 53, 57, 54, 58]
    assert not analyse(values, "up", baseline_n=6).shift


def test_shift_below_is_improvement_when_down_and_deterioration_when_up() -> None:
    values = [0.60, 0.58, 0.62, 0.59, 0.61, 0.63, 0.55, 0.54, 0.56, 0.53, 0.57, 0.52]
    down = analyse(values, "down", baseline_n=6, percent=True)
    assert down.shift
    assert down.signal_direction == "improvement"
    assert down.finding == "Improvement: 6 points in a row below the baseline median (60%)."
    assert analyse(values, "up", baseline_n=6).signal_direction == "deterioration"
    assert analyse(values, "lower", baseline_n=6).signal_direction == "improvement"


def test_points_on_median_neither_extend_nor_break_a_run() -> None:
    # baseline median 5; five points above, two on the median, then one more above.
    values = [4, 6, 4, 6, 4, 6, 7, 8, 5, 7, 5, 8, 9]
    result = analyse(values, "up", baseline_n=6)
    assert result.center == 5.0
    assert result.n_points == 13
    assert result.n_useful == 11
    assert result.longest_run == 6  # 7, 8, 7, 8, 9 + the 6 at index 5: the 5s don't break it
    assert result.shift
    assert result.signal_points == list(range(5, 13))  # on-median points inside the run included


def test_points_on_median_do_not_extend_a_run() -> None:
    values = [4, 6, 4, 6, 4, 6, 7, 5, 5, 5, 8, 9]
    result = analyse(values, "up", baseline_n=6)
    assert result.n_useful == 9
    assert result.longest_run == 4  # 6, 7, 8, 9: the three 5s add nothing
    assert not result.shift


def test_trend_counts_equal_neighbours_once() -> None:
    result = analyse([1, 2, 2, 3, 4, 5], "up", baseline_n=6)
    assert result.trend
    assert result.signal_direction == "improvement"
    assert result.signal_points == [0, 1, 2, 3, 4, 5]
    assert "5 points in a row rising" in result.finding


def test_four_rising_with_a_repeat_is_not_a_trend() -> None:
    assert not analyse([1, 2, 2, 3, 4, 3], "up", baseline_n=6).trend


def test_falling_trend_is_improvement_when_down() -> None:
    values = [10, 12, 11, 10, 11, 12, 9, 8, 7, 6]
    result = analyse(values, "down", baseline_n=6)
    assert result.trend
    assert result.signal_direction == "improvement"
    assert not result.shift
    assert result.signal_points == [5, 6, 7, 8, 9]
    assert result.finding == "Improvement: 5 points in a row falling."
    assert analyse(values, "up", baseline_n=6).signal_direction == "deterioration"


def test_trend_starts_at_last_repeat_and_ends_at_first_repeat() -> None:
    result = analyse([3, 1, 3, 1, 1, 2, 3, 4, 5, 5, 4], "up", baseline_n=11)
    assert result.trend
    assert not result.shift
    assert result.signal_points == [4, 5, 6, 7, 8]


def test_too_few_crossings_signal_without_shift() -> None:
    # 16 useful points around a median of 5: runs of 5, 5, 3, 3 -> 3 crossings (< 4 allowed).
    values = [1, 2, 1, 2, 1, 9, 8, 9, 8, 9, 2, 1, 2, 8, 9, 8]
    result = analyse(values, "up", baseline_n=16)
    assert result.center == 5.0
    assert result.n_useful == 16
    assert result.longest_run == 5
    assert result.crossings == 3
    assert result.crossings_min == anhoej_limits(16)[1] == 4
    assert result.runs_signal
    assert not result.shift
    assert not result.trend
    assert result.signal_direction == "improvement"  # the last run (3 points) sits above
    assert result.signal_points == []
    assert "only 3 crossings" in result.finding
    assert analyse(values, "down", baseline_n=16).signal_direction == "deterioration"


def test_crossings_signal_with_single_last_point_has_no_direction() -> None:
    values = [1, 2, 1, 2, 1, 9, 8, 9, 8, 9, 2, 1, 2, 1, 2, 8]
    result = analyse(values, "up", baseline_n=10)
    assert result.center == 5.0
    assert result.crossings == 3
    assert result.runs_signal
    assert not result.shift
    assert result.signal_direction is None
    assert result.finding.startswith("Non-random variation")


def test_long_run_beyond_anhoej_limit_is_runs_signal() -> None:
    values = [4, 6, 4, 6, 4, 6, 7, 8, 7, 9, 8, 7, 9]
    result = analyse(values, "up", baseline_n=6)
    assert result.longest_run == 8
    assert result.longest_run > result.longest_run_max
    assert result.runs_signal


def test_nans_are_skipped() -> None:
    values = [50, 52, NAN, 48, 51, 49, 50, NAN, 55, 56, 53, NAN, 57, 54, 58]
    result = analyse(np.array(values), "up", baseline_n=7)
    assert result.n_points == 12
    assert result.center == 50.0
    assert result.shift
    assert result.signal_points == [8, 9, 10, 12, 13, 14]  # indices into the input


def test_baseline_is_frozen_and_defaults_to_six_points() -> None:
    values = [1, 2, 3, 4, 5, 6, 100, 100, 100]
    assert analyse(values).center == 3.5
    assert analyse(values).baseline_n == 6
    assert analyse([1, 2, 3]).baseline_n == 3
    assert analyse(values, baseline_n=9).center == 5.0


def test_baseline_without_reported_values_falls_back_to_first_reported() -> None:
    result = analyse([NAN, NAN, 1, 2, 3], baseline_n=2)
    assert result.center == 2.0
    assert result.baseline_n == 5


def test_empty_series() -> None:
    result = analyse([NAN, NAN])
    assert result.n_points == 0
    assert math.isnan(result.center)
    assert not result.has_signal
    assert result.finding == "No data reported yet."


def test_few_points_finding_says_not_enough_yet() -> None:
    assert analyse([1, 3, 2, 3, 1], baseline_n=5).finding.startswith("No signal yet")


def test_bad_direction_rejected() -> None:
    with pytest.raises(ValueError):
        analyse([1, 2, 3], "sideways")


def test_baseline_length_counts_months_before_first_session() -> None:
    months = list(pd.period_range("2024-01", periods=12, freq="M"))
    assert baseline_length(months, "2024-04") == 3
    assert baseline_length(months, date(2024, 7, 15)) == 6
    assert baseline_length(["2024-01", "2024-02"], pd.Period("2024-02", "M")) == 1
    assert baseline_length(months, "2023-12") == 6  # fallback
    assert baseline_length(months[:3], "2023-12") == 3
    assert baseline_length(months, "2023-12", fallback=4) == 4


def test_conflicting_signals_at_the_same_point_have_no_direction() -> None:
    # below the median (bad when up) but rising (good when up), both ending at the last point
    result = analyse([10, 11, 9, 10, 11, 9, 1, 2, 3, 4, 5, 6], "up", baseline_n=6)
    assert result.shift and result.trend
    assert result.signal_direction is None
    assert result.finding.startswith("Non-random variation in mixed directions")


def test_most_recent_signal_decides_direction() -> None:
    # an early shift below, then a later shift above; direction up -> improvement
    values = [5, 6, 4, 5, 4, 6, 1, 2, 1, 2, 1, 2, 9, 8, 9, 8, 9, 8, 9]
    result = analyse(values, "up", baseline_n=6)
    assert result.signal_direction == "improvement"
    assert result.signal_points == list(range(6, 19))


# qicharts2 / Anhøj & Olesen (2014) limits for every n from 10 to 60, written out (not computed):
# longest run allowed = round(log2(n)) + 3 steps from 6 to 7 at n = 12, to 8 at n = 23 and to 9 at
# n = 46; fewest crossings allowed = qbinom(0.05, n - 1, 0.5).
FULL_TABLE = (
    "10:6/2 11:6/2 12:7/3 13:7/3 14:7/4 15:7/4 16:7/4 17:7/5 18:7/5 19:7/6 20:7/6 21:7/6 22:7/7 "
    "23:8/7 24:8/8 25:8/8 26:8/8 27:8/9 28:8/9 29:8/10 30:8/10 31:8/11 32:8/11 33:8/11 34:8/12 "
    "35:8/12 36:8/13 37:8/13 38:8/14 39:8/14 40:8/14 41:8/15 42:8/15 43:8/16 44:8/16 45:8/17 "
    "46:9/17 47:9/17 48:9/18 49:9/18 50:9/19 51:9/19 52:9/20 53:9/20 54:9/21 55:9/21 56:9/21 "
    "57:9/22 58:9/22 59:9/23 60:9/23"
)


def test_anhoej_limits_for_every_n_from_10_to_60() -> None:
    table = {}
    for item in FULL_TABLE.split():
        n, limits = item.split(":")
        run, crossings = limits.split("/")
        table[int(n)] = (int(run), int(crossings))
    assert sorted(table) == list(range(10, 61))
    assert {n: anhoej_limits(n) for n in table} == table
    assert all(table[n] == REFERENCE[n] for n in REFERENCE)


def test_equal_neighbours_do_not_make_a_trend_longer() -> None:
    # six values but only four distinct steps up: 1, 2, 2, 2, 3, 4 is 4 points for the trend rule
    assert not analyse([1, 2, 2, 2, 3, 4], "up", baseline_n=6).trend
    # a falling trend of 5 distinct values with repeats, judged "down is better"
    result = analyse([9, 9, 8, 7, 7, 6, 5, 5], "down", baseline_n=8)
    assert result.trend and result.signal_direction == "improvement"


def test_points_on_the_median_inside_a_shift_are_skipped() -> None:
    # median 5; the two 5s in the middle of 6, 5, 5, 7, 8, ... neither break nor extend the run
    values = [4, 6, 4, 6, 5, 5, 7, 8, 7, 8, 9, 7]
    result = analyse(values, "up", baseline_n=6)
    assert result.center == 5.0
    assert result.n_useful == 10
    assert result.longest_run == 7
    assert result.shift
    assert result.signal_direction == "improvement"
    assert analyse(values, "down", baseline_n=6).signal_direction == "deterioration"
