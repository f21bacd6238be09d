"""Months, local days and the clock, in one place (no I/O).

A reporting period is a month written ``YYYY-MM`` (that is how it is stored). Month arithmetic goes
through ``dateutil.relativedelta``; a collaborative's "today" is the date of a moment in its IANA
timezone. The feature rules (what is due when) live with their features and use these helpers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

#: Something that tells the time: returns a timezone-aware moment.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real time, timezone-aware (UTC): the default clock."""
    return datetime.now(UTC)


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always says ``moment`` (which must be timezone-aware)."""
    if moment.tzinfo is None:
        raise ValueError("a clock tells timezone-aware time")
    return lambda: moment


# --- periods ----------------------------------------------------------------------------------


def period_of(day: date) -> str:
    """The month ``day`` falls in: ``2026-03``."""
    return f"{day.year:04d}-{day.month:02d}"


def first_day(period: str) -> date:
    """``2026-03`` -> 1 March 2026."""
    return date(int(period[:4]), int(period[5:7]), 1)


def shift(period: str, months: int) -> str:
    """The period ``months`` months later (earlier when negative)."""
    return period_of(first_day(period) + relativedelta(months=months))


def previous(period: str) -> str:
    return shift(period, -1)


def following(period: str) -> str:
    return shift(period, 1)


def months_back(last: str, first: str) -> list[str]:
    """Every period from ``last`` back to ``first``, newest first (empty when ``last < first``)."""
    months: list[str] = []
    current = last
    while current >= first:
        months.append(current)
        current = previous(current)
    return months


def last_complete(day: date) -> str:
    """The last month that is over on ``day``: the month before ``day``'s."""
    return previous(period_of(day))


def day_in_following_month(period: str, day: int) -> date:
    """Day ``day`` of the month after ``period`` (month M is due on a day of month M+1)."""
    return first_day(following(period)).replace(day=day)


def period_due_on(due: date) -> str:
    """The period whose due date (a day of the next month) is ``due``."""
    return previous(period_of(due))


# --- local time -------------------------------------------------------------------------------


def local_time(moment: datetime, timezone: str) -> datetime:
    """``moment`` (aware) as wall-clock time in ``timezone``."""
    return moment.astimezone(ZoneInfo(timezone))


def local_date(moment: datetime, timezone: str) -> date:
    """The date in ``timezone`` at ``moment`` (aware)."""
    return local_time(moment, timezone).date()


def iso_week(day: date) -> str:
    """``2027-W07``: the ISO year and week of ``day``."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


# --- labels -----------------------------------------------------------------------------------


def month_label(period: str) -> str:
    """``2026-03`` -> ``March 2026``."""
    return first_day(period).strftime("%B %Y")


def day_label(day: date) -> str:
    """``April 10``."""
    return f"{day.strftime('%B')} {day.day}"


def short_day_label(day: date) -> str:
    """``Mar 2``."""
    return f"{day:%b} {day.day}"


def weekday_label(day: date) -> str:
    """``Friday, April 10``."""
    return f"{day.strftime('%A, %B')} {day.day}"
