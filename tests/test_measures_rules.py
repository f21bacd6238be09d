"""The reporting rules: months, value checks, unusual values, lateness (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.measures import rules
from bot.measures.rules import MeasureInfo
from storage.enums import Direction, MeasureType
from storage.models import Collaborative
from storage.reports import ReportedValue

COLLAB = Collaborative(
    key="htn",
    name="HTN",
    timezone="America/Los_Angeles",
    start=date(2026, 1, 1),
    end=date(2027, 6, 30),
    due_day=10,
)
BP = MeasureInfo(
    1,
    "bp",
    "Blood pressure control",
    MeasureType.PROPORTION,
    "controlled",
    "all",
    None,
    0.7,
    Direction.UP,
    None,
)
HYPO = MeasureInfo(
    2, "hypo", "Hypotension", MeasureType.RATE, "events", "visits", None, 3.0, Direction.DOWN, 1000.0
)
MISSED = MeasureInfo(
    3,
    "missed",
    "Missed appointments",
    MeasureType.COUNT,
    None,
    None,
    "missed visits",
    40,
    Direction.DOWN,
    None,
)
ALL = [BP, HYPO, MISSED]


def texts(**values: str | None) -> dict[str, str | None]:
    base: dict[str, str | None] = {
        "bp:numerator": "126",
        "bp:denominator": "200",
        "hypo:numerator": "5",
        "hypo:denominator": "2000",
        "missed:count": "41",
    }
    base.update({k.replace("__", ":"): v for k, v in values.items()})
    return base


def test_default_month_is_the_last_complete_month_in_the_collaboratives_timezone() -> None:
    # 06:30 UTC on 1 November is still 31 October (23:30 PDT) in Los Angeles.
    assert rules.default_month(COLLAB, datetime(2026, 11, 1, 6, 30, tzinfo=UTC)) == "2026-09"
    assert rules.default_month(COLLAB, datetime(2026, 11, 1, 9, 0, tzinfo=UTC)) == "2026-10"


def test_reportable_months_are_newest_first_and_inside_the_collaborative() -> None:
    months = rules.reportable_months(COLLAB, datetime(2026, 4, 15, tzinfo=UTC))
    assert months == ["2026-03", "2026-02", "2026-01"]
    assert rules.reportable_months(COLLAB, datetime(2025, 12, 15, tzinfo=UTC)) == []
    assert rules.reportable_months(COLLAB, datetime(2030, 1, 1, tzinfo=UTC))[0] == "2027-06"


@pytest.mark.parametrize(
    "period,needle",
    [
        ("2025-12", "before this collaborative started"),
        ("2027-07", "after this collaborative ended"),
        ("2026-04", "isn't over yet"),
        ("2026-06", "is in the future"),
    ],
)
def test_months_that_cannot_be_reported(period: str, needle: str) -> None:
    problem = rules.month_problem(COLLAB, period, datetime(2026, 4, 15, 18, 0, tzinfo=UTC))
    assert problem is not None and needle in problem


def test_parse_period() -> None:
    assert rules.parse_period("2026-3") == "2026-03"
    assert rules.parse_period(" 2026-10 ") == "2026-10"
    assert rules.parse_period("2026-13") is None
    assert rules.parse_period("march") is None


def test_late_after_the_due_day_of_the_next_month() -> None:
    assert rules.due_date(COLLAB, "2026-12") == date(2027, 1, 10)
    assert not rules.is_late(COLLAB, "2026-03", datetime(2026, 4, 10, 23, 0, tzinfo=UTC))  # 16:00 local
    assert rules.is_late(COLLAB, "2026-03", datetime(2026, 4, 11, 8, 0, tzinfo=UTC))


def test_valid_values_are_parsed() -> None:
    parsed = rules.parse_values(ALL, texts(bp__numerator="1,200", bp__denominator="2,000"))
    assert parsed.errors == {}
    assert parsed.values[1] == ReportedValue(1, 1200.0, 2000.0, 0.6)
    assert parsed.values[2].value == pytest.approx(2.5)
    assert parsed.values[3] == ReportedValue(3, None, None, 41.0)


def test_zero_over_zero_means_no_eligible_patients() -> None:
    parsed = rules.parse_values(ALL, texts(bp__numerator="0", bp__denominator="0"))
    assert parsed.errors == {} and parsed.values[1].value is None


@pytest.mark.parametrize(
    "field,values,needle",
    [
        ("bp:numerator", {"bp__numerator": None}, "Please enter the numerator"),
        ("missed:count", {"missed__count": " "}, "Please enter the count"),
        ("bp:denominator", {"bp__denominator": "two hundred"}, "isn't a number"),
        ("bp:denominator", {"bp__denominator": "nan"}, "isn't a number"),
        ("missed:count", {"missed__count": "-3"}, "can't be negative"),
        ("bp:numerator", {"bp__numerator": "12.5"}, "whole number"),
        ("bp:numerator", {"bp__numerator": "250"}, "more than the denominator (200)"),
        ("bp:denominator", {"bp__numerator": "4", "bp__denominator": "0"}, "denominator is 0"),
        ("hypo:denominator", {"hypo__numerator": "4", "hypo__denominator": "0"}, "denominator is 0"),
    ],
)
def test_bad_values_get_an_error_under_their_field(
    field: str, values: dict[str, str | None], needle: str
) -> None:
    parsed = rules.parse_values(ALL, texts(**values))
    assert list(parsed.errors) == [field]
    assert needle in parsed.errors[field]


def test_a_rate_numerator_may_exceed_its_denominator() -> None:
    assert rules.parse_values(ALL, texts(hypo__numerator="30", hypo__denominator="20")).errors == {}


def test_unusual_values_against_the_teams_history() -> None:
    new = rules.parse_values(ALL, texts(bp__denominator="2000", missed__count="4")).values
    history = {
        1: ("2026-09", ReportedValue(1, 120.0, 200.0, 0.6)),
        3: ("2026-09", ReportedValue(3, None, None, 45.0)),
    }
    unusual = rules.unusual_values(ALL, new, history)
    assert [(u.key, u.new, u.previous) for u in unusual] == [
        ("bp:denominator", 2000.0, 200.0),
        ("missed:count", 4.0, 45.0),
    ]
    assert rules.unconfirmed(unusual, {"bp:denominator": 2000.0, "missed:count": 4.0}) == []
    assert len(rules.unconfirmed(unusual, {"bp:denominator": 3000.0})) == 2
    warning = rules.unusual_warning(unusual, "2026-10")
    assert "last month: 200" in warning and "Submit anyway" in warning


def test_small_numbers_are_not_unusual() -> None:
    history = {3: ("2026-09", ReportedValue(3, None, None, 0.0))}
    new = {3: ReportedValue(3, None, None, 5.0)}
    assert rules.unusual_values(ALL, new, history) == []


def test_self_assessment_levels() -> None:
    assert rules.parse_self_assessment("3.5") == (3.5, None)
    assert rules.parse_self_assessment(None) == (None, None)
    assert rules.parse_self_assessment("3.7")[1] is not None
    assert [score for score, _ in rules.IHI_LEVELS] == [1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0]


def test_values_as_people_read_them() -> None:
    assert rules.format_reported(BP, ReportedValue(1, 126.0, 200.0, 0.63)) == "63% (126/200)"
    assert rules.format_value(HYPO, 2.5) == "2.5 per 1,000"
    assert rules.format_value(MISSED, 41.0) == "41"
