"""Run-chart rules against reference values (qicharts2 limits, IHI shift and trend)."""

import math

import numpy as np
import pandas as pd
import pytest

from bot.analytics.runchart import analyse, anhoej_limits

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


BASE = [5, 3, 6, 2, 5, 4, 6, 3, 5, 2, 6, 4]  # 12 random-looking months, median 4.5
MONTHS = [str(p) for p in pd.period_range("2025-01", periods=40, freq="M")]


def test_random_looking_series_has_no_signal() -> None:
    result = analyse(BASE, "up")
    assert result.center == 4.5
    assert result.center_source == "baseline" and result.frozen and result.baseline_n == 12
    assert not result.has_signal
    assert result.signal_direction is None and result.signal == "none"
    assert result.signal_points == []
    assert (
        result.finding
        == "No signal: no non-random variation found in 12 points around the baseline median of 4.5."
    )


def test_long_run_after_the_baseline_is_a_current_improvement_naming_rule_and_months() -> None:
    values = BASE + [7, 8, 9, 7, 8, 9, 8, 7, 9, 8]
    result = analyse(values, "up", 12, months=MONTHS[: len(values)])
    assert result.phase_start == 12  # the months after the baseline are analysed on their own
    assert [s.rule for s in result.signals] == ["run", "crossings"]  # 0 crossings of the median, too
    signal = result.signals[0]
    assert result.lead == signal
    assert (signal.rule, signal.direction, signal.current) == ("run", "improvement", True)
    assert (signal.first, signal.last, signal.size, signal.limit) == (12, 21, 10, 6)
    assert result.signal_direction == "improvement" and result.rule == "run" and result.since == 12
    assert result.signal_points == list(range(12, 22))
    assert result.finding == (
        "Improvement since Jan 2026: 10 months in a row above the baseline median of 4.5 "
        "(longest run allowed for the 10 months after the baseline: 6)."
    )
    down = analyse(values, "down", 12)
    assert down.signal_direction == "deterioration"
    assert analyse(values, "lower", 12).signal_direction == "deterioration"


def test_a_run_that_ended_is_described_as_ended_and_flags_nobody() -> None:
    values = BASE + [7, 8, 9, 7, 8, 9, 8, 7] + [3, 6, 2, 5, 3, 6, 2, 6, 3, 5, 2, 6]
    result = analyse(values, "up", 12, months=MONTHS[: len(values)])
    assert result.has_signal
    assert result.signal_direction is None and result.current_signals == ()
    assert result.finding.startswith(
        "Ended signal: improvement, Jan 2026 to Aug 2026: 8 months in a row above"
    )


def test_too_few_crossings_after_the_baseline_takes_the_side_most_points_lean_to() -> None:
    values = BASE + [7, 8, 9, 7, 3, 8, 9, 8, 7, 9, 8, 9]  # one dip: no run of 8, but 2 crossings
    result = analyse(values, "up", 12)
    crossings = [s for s in result.signals if s.rule == "crossings"]
    assert crossings and crossings[0].current and crossings[0].points == ()
    assert result.signal_direction == "improvement"
    assert result.rule == "crossings"
    assert "only 2 crossings" in result.finding and "fewest expected by chance: 3" in result.finding


def test_baseline_not_yet_frozen_uses_the_median_of_all_points_and_says_so() -> None:
    result = analyse([1, 2, 3, 4, 5, 6, 7, 8], "up", 12)
    assert result.center == 4.5 and result.center_source == "all" and not result.frozen
    assert "Baseline not yet frozen" in result.finding
    assert result.finding.startswith("No signal yet")


def test_a_baseline_is_never_frozen_on_fewer_than_10_points() -> None:
    values = [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert analyse(values, "up", 6).baseline_n == 10
    assert analyse(values, "up", 6).center == 5.5
    assert analyse(values[:9], "up", 6).center_source == "all"


def test_a_baseline_from_the_file_is_the_centre_line() -> None:
    result = analyse(BASE, "up", 12, center=2.0, percent=False)
    assert result.center == 2.0 and result.center_source == "file" and result.frozen
    assert result.signal_direction == "improvement"  # every point above the given baseline
    assert "given in the collaborative file" in result.finding


def test_ihi_rules_only_on_request_shift_of_six() -> None:
    values = [50, 52, 48, 51, 49, 50, 55, 56, 53, 57, 54, 58]
    assert not analyse(values, "up").shift  # Anhøj by default
    result = analyse(values, "up", rules="ihi")
    assert result.shift and result.rule == "shift" and result.signal_direction == "improvement"
    assert result.points_by_rule()["shift"] == list(range(12))  # 6 below (ended), then 6 above
    assert [s.current for s in result.signals] == [False, True]


def test_a_trend_alone_never_flags_a_team() -> None:
    result = analyse([3, 1, 3, 1, 1, 2, 3, 4, 5, 5, 4, 2, 3, 1], "up", rules="ihi")
    assert result.trend and not result.shift
    assert result.signal_direction is None  # a trend alone sets no direction
    assert all(not s.current for s in result.signals if s.rule == "trend")
    current = analyse([3, 1, 3, 1, 1, 2, 3, 4, 5, 5], "up", rules="ihi")
    (trend,) = current.signals
    assert trend.rule == "trend" and trend.current and not trend.flags_teams
    assert current.signal_direction is None
    assert current.finding.startswith("Rising trend since point 5 (improvement)")
    assert analyse([1, 2, 2, 2, 3, 4], "up", rules="ihi").trend is False  # equal neighbours once


def test_astronomical_point_beyond_given_limits() -> None:
    values = [0.5] * 5 + [0.52, 0.48] * 3 + [0.9]
    lower, upper = [0.4] * len(values), [0.6] * len(values)
    result = analyse(values, "up", limits=(lower, upper), months=MONTHS[: len(values)], percent=True)
    assert result.astronomical and result.rule == "astronomical"
    assert result.signal_direction == "improvement" and result.since == 11
    assert result.finding.startswith("Improvement in Dec 2025: Dec 2025 is above the control limits")


def test_points_on_the_centre_line_neither_extend_nor_break_a_run() -> None:
    values = [4, 6, 4, 6, 5, 5, 4, 6, 4, 6, 5, 5, 7, 5, 8, 7, 8, 9, 7, 5, 8, 9]
    result = analyse(values, "up", 12)
    assert result.center == 5.0
    run = [s for s in result.signals if s.rule == "run"]
    assert run and run[0].size == 8 and run[0].first == 12
    assert run[0].points == tuple(range(12, 22))  # points on the median inside the run included


def test_indices_refer_to_the_input_with_gaps() -> None:
    values = BASE + [NAN, 8, 9, NAN, 8, 9, 8, 7, 9, 8]
    result = analyse(np.array(values), "up", 12)
    assert result.signal_points == [13, 14, 16, 17, 18, 19, 20, 21]
    assert result.since == 13


def test_empty_series() -> None:
    result = analyse([NAN, NAN])
    assert result.n_points == 0
    assert math.isnan(result.center)
    assert not result.has_signal
    assert result.finding == "No data reported yet."


def test_bad_direction_or_rules_raise() -> None:
    with pytest.raises(ValueError):
        analyse([1, 2, 3], "sideways")
    with pytest.raises(ValueError):
        analyse([1, 2, 3], "up", rules="western-electric")


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


def test_current_signals_in_opposite_directions_set_no_direction_and_say_both() -> None:
    values = BASE + [7, 8, 9, 7, 8, 9, 8, 7, 9, 8, 7, 8]
    lower, upper = [0.0] * 24, [100.0] * 24
    lower[23] = 50.0  # the latest point is below its (made-up) lower limit
    result = analyse(values, "up", limits=(lower, upper))
    assert result.signal_direction is None and result.rule is None and result.since is None
    assert result.finding.startswith("Non-random variation in mixed directions: 12 points in a row above")
    assert result.finding.endswith("and point 24 is below the control limits (astronomical point).")
