"""``bot.months``: period arithmetic, local days, labels and the settable clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import months

periods = st.dates(min_value=date(2000, 1, 1), max_value=date(2199, 12, 31)).map(months.period_of)
shifts = st.integers(min_value=-600, max_value=600)


@given(periods, shifts)
def test_shifting_back_undoes_shifting(period: str, n: int) -> None:
    assert months.shift(months.shift(period, n), -n) == period


@given(periods, shifts, shifts)
def test_shifts_add_up(period: str, a: int, b: int) -> None:
    assert months.shift(months.shift(period, a), b) == months.shift(period, a + b)


@given(periods, shifts)
def test_a_shift_moves_by_that_many_months_and_keeps_order(period: str, n: int) -> None:
    moved = months.shift(period, n)
    start, end = months.first_day(period), months.first_day(moved)
    assert (end.year - start.year) * 12 + end.month - start.month == n
    assert (moved > period) == (n > 0) and (moved == period) == (n == 0)


@given(periods, st.integers(min_value=1, max_value=28))
def test_the_due_date_leads_back_to_its_period(period: str, due_day: int) -> None:
    due = months.day_in_following_month(period, due_day)
    assert due.day == due_day and months.period_of(due) == months.following(period)
    assert months.period_due_on(due) == period


@given(st.dates(min_value=date(2000, 2, 1), max_value=date(2199, 12, 31)))
def test_the_last_complete_month_is_the_one_before(day: date) -> None:
    last = months.last_complete(day)
    assert months.first_day(months.following(last)) <= day
    assert months.first_day(last) < day.replace(day=1)


def test_year_boundaries() -> None:
    assert months.shift("2026-12", 1) == "2027-01"
    assert months.previous("2027-01") == "2026-12"
    assert months.shift("2026-03", -15) == "2024-12"
    assert months.day_in_following_month("2026-12", 10) == date(2027, 1, 10)
    assert months.period_due_on(date(2027, 1, 10)) == "2026-12"
    assert months.last_complete(date(2026, 1, 1)) == "2025-12"


def test_months_back_lists_newest_first_and_is_empty_when_reversed() -> None:
    assert months.months_back("2026-02", "2025-11") == ["2026-02", "2026-01", "2025-12", "2025-11"]
    assert months.months_back("2026-02", "2026-02") == ["2026-02"]
    assert months.months_back("2025-10", "2025-11") == []


def test_local_date_is_the_date_in_the_timezone() -> None:
    # 06:30 UTC on 1 November is still 31 October (23:30 PDT) in Los Angeles.
    moment = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert months.local_date(moment, "America/Los_Angeles") == date(2026, 10, 31)
    assert months.local_date(moment, "Europe/Berlin") == date(2026, 11, 1)
    assert months.local_time(moment, "America/Los_Angeles").hour == 23


def test_iso_week_uses_the_iso_year() -> None:
    assert months.iso_week(date(2027, 2, 15)) == "2027-W07"
    assert months.iso_week(date(2027, 1, 1)) == "2026-W53"  # a Friday: still the last week of 2026


def test_labels() -> None:
    assert months.month_label("2026-03") == "March 2026"
    assert months.day_label(date(2026, 4, 10)) == "April 10"
    assert months.weekday_label(date(2026, 4, 10)) == "Friday, April 10"
    assert months.short_day_label(date(2026, 3, 2)) == "Mar 2"


def test_the_clock_tells_aware_time() -> None:
    real = months.utc_now()
    assert real.utcoffset() == timedelta(0)
    moment = datetime(2026, 4, 15, 12, tzinfo=timezone(timedelta(hours=-7)))
    clock = months.fixed_clock(moment)
    assert clock() == moment and clock() == moment
    with pytest.raises(ValueError):
        months.fixed_clock(datetime(2026, 4, 15, 12))
