"""Payloads the bot round-trips through Slack: one parser, strict models, and the wire names pinned."""

from __future__ import annotations

import json

import pytest
from slack_sdk.models.blocks import ButtonElement

from bot.calls import views as calls
from bot.measures import views as measures
from bot.measures.reminder_views import report_button
from bot.pdsa import views as pdsa
from bot.slack.payloads import Id, Payload, RowId, parse, parse_id


class Target(Payload):
    team_id: RowId
    period: str | None = None


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "not json",
        "{",
        "[]",
        "null",
        "3",
        '{"period": "2026-03"}',  # team_id missing
        '{"team_id": "3"}',  # a string is not an id
        '{"team_id": true}',
        '{"team_id": 3.0}',
        '{"team_id": 0}',
        '{"team_id": -4}',
        '{"team_id": 100000000000000000000}',  # beyond an INTEGER column
        '{"team_id": 3, "period": 7}',
    ],
)
def test_garbage_parses_to_none(raw: str | None) -> None:
    assert parse(Target, raw) is None


def test_a_good_value_parses_and_dumps_back_the_same() -> None:
    raw = '{"team_id":3,"period":"2026-03"}'
    target = parse(Target, raw)
    assert target == Target(team_id=3, period="2026-03")
    assert target is not None and target.dump() == raw
    assert parse(Target, '{"team_id": 3, "extra": 1}') == Target(team_id=3)  # unknown keys are ignored


@pytest.mark.parametrize(("raw", "expected"), [("42", 42), ("0", None), ("abc", None), ('"42"', None)])
def test_bare_ids(raw: str, expected: int | None) -> None:
    assert parse_id(raw) == expected
    assert parse(Id, raw) == (Id(expected) if expected is not None else None)


def test_feature_payloads_keep_the_json_already_posted() -> None:
    """Buttons already in channels must still work: the JSON each payload writes stays byte-for-byte."""
    assert pdsa.cycle_value(3) == '{"cycle_id": 3}'
    assert pdsa.TeamRef(team_id=2).dump() == '{"team_id": 2}'
    button = report_button(4, "2026-05").elements[0]
    assert isinstance(button, ButtonElement)
    assert button.value == '{"team_id":4,"period":"2026-05"}'
    meta = measures.ReportMeta(team_id=1, period="2026-03", confirmed={"bp_control:numerator": 130.0})
    assert meta.dump() == '{"team_id":1,"period":"2026-03","confirmed":{"bp_control:numerator":130.0}}'
    assert parse(measures.ReportMeta, '{"team_id":1,"period":"2026-3"}') == measures.ReportMeta(
        team_id=1, period="2026-03"
    )
    assert parse(measures.ReportTarget, '{"team_id":1,"period":"March"}') is None
    assert parse(pdsa.CycleRef, json.dumps({"cycle_id": 7})) == pdsa.CycleRef(cycle_id=7)


def test_action_and_callback_ids_stay_the_same() -> None:
    """Messages already posted carry these names: renaming one would break their buttons."""
    assert (measures.CALLBACK_ID, measures.TEAM_ACTION, measures.MONTH_ACTION, measures.OPEN_ACTION) == (
        "measures_report",
        "measures_team",
        "measures_month",
        "measures_open",
    )
    assert (pdsa.START_CALLBACK, pdsa.NEW_CALLBACK, pdsa.UPDATE_CALLBACK) == (
        "pdsa_start",
        "pdsa_new",
        "pdsa_update",
    )
    assert (pdsa.ACTION_TEAM, pdsa.ACTION_NEW, pdsa.ACTION_OPEN, pdsa.ACTION_NEXT, pdsa.ACTION_DETAILS) == (
        "pdsa_team",
        "pdsa_new_cycle",
        "pdsa_open",
        "pdsa_next",
        "pdsa_details",
    )
    assert (calls.RSVP_GOING, calls.RSVP_NOT_GOING, calls.FEEDBACK_ACTION) == (
        "rsvp_going",
        "rsvp_not_going",
        "feedback_open",
    )
