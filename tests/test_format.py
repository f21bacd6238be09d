"""``bot.format``: one way to show values and to clip and clean text."""

from __future__ import annotations

import pytest

from bot.format import (
    bare_value,
    clean,
    clip,
    denominator_noun,
    figure,
    measure_value,
    number,
    percent,
    unit_label,
    whole,
)
from storage.enums import MeasureType


@pytest.mark.parametrize(
    "value,measure_type,multiplier,shown",
    [
        (0.63, MeasureType.PROPORTION, None, "63%"),
        (0.625, "proportion", None, "62%"),  # correctly rounded: 0.625 * 100 is 62.5 exactly, to even
        (1.0, "proportion", None, "100%"),
        (2.5, MeasureType.RATE, 1000.0, "2.5 per 1,000"),
        (12.0, "rate", 10000.0, "12.0 per 10,000"),
        (2.5, "rate", None, "2.5 per 1,000"),
        (41.0, MeasureType.COUNT, None, "41"),
        (20.25, "count", None, "20.2"),
        (None, "proportion", None, "n/a"),
        (float("nan"), "count", None, "n/a"),
    ],
)
def test_measure_values(value: float | None, measure_type: str, multiplier: float | None, shown: str) -> None:
    assert measure_value(value, measure_type, multiplier) == shown


def test_numbers_percents_and_chart_figures() -> None:
    assert whole(120.0) == "120" and whole(2.5) == "2.5" and whole(None) == ""
    assert number(41.0) == "41" and number(20.56) == "20.6"
    assert percent(0.705) == "70%" and percent(0.7051) == "71%"
    assert figure(0.7, True) == "70%" and figure(12.0, False) == "12" and figure(1.86, False) == "1.9"


def test_clip_keeps_short_text_and_marks_a_cut() -> None:
    assert clip("Riverside", 20) == "Riverside"
    assert clip("Riverside Family Clinic", 10) == "Riverside…" and len(clip("x" * 50, 10)) == 10
    assert clip(None, 5) == ""


def test_clean_strips_and_blank_is_none() -> None:
    assert clean("  wins  ") == "wins"
    assert clean("   ") is None and clean("") is None and clean(None) is None


def test_chart_labels_and_collaborative_counts() -> None:
    assert measure_value(20.25, "count", per_team=True) == "20.2 per team"
    assert measure_value(0.63, "proportion", per_team=True) == "63%"  # only counts are per team
    assert [bare_value(0.625, "proportion"), bare_value(2.54, "rate"), bare_value(41.0, "count")] == [
        "62%",
        "2.5",
        "41",
    ]


@pytest.mark.parametrize(
    "measure_type,multiplier,denominator,per_team,label",
    [
        ("proportion", None, "Patients 18-85 with hypertension and a visit", False, "% of patients"),
        ("proportion", None, "Visits by adults in the month", False, "% of visits"),
        ("proportion", None, "Everyone eligible", False, "percent"),
        ("rate", 1000.0, "Medical visits by patients 18-85 with hypertension", True, "per 1,000 visits"),
        ("rate", 10000.0, "Inpatient days", False, "per 10,000 days"),
        ("rate", None, None, False, "per 1,000"),
        ("count", None, None, True, "per team"),
        ("count", None, None, False, "per month"),
    ],
)
def test_unit_labels(
    measure_type: str, multiplier: float | None, denominator: str | None, per_team: bool, label: str
) -> None:
    assert unit_label(measure_type, multiplier, denominator, per_team=per_team) == label


def test_denominator_noun_is_the_first_known_word() -> None:
    assert denominator_noun("Patients 12 and older with a medical visit") == "patients"
    assert denominator_noun("Patientsvisits") is None  # whole words only
