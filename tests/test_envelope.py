"""The envelope check: bodies Slack really sends pass; a signed body Bolt cannot read is named."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.slack.envelope import problem
from tests.constants import ALICE
from tests.signing import block_actions_payload, event_body, interactive_body, slash_command_body

FORM = "application/x-www-form-urlencoded"


def _form(payload: dict[str, Any]) -> bytes:
    return interactive_body(payload).encode()


def test_what_slack_sends_passes() -> None:
    assert problem(slash_command_body("/measures", "2026-03", ALICE).encode(), FORM) is None
    assert problem(_form(block_actions_payload("measures_open", ALICE, value="{}")), FORM) is None
    picker = block_actions_payload(
        "d", ALICE, action_type="datetimepicker", view={"id": "V1", "hash": "h", "state": {"values": {}}}
    )
    picker["actions"][0]["selected_date_time"] = 1628633820  # Slack sends this one as a number
    assert problem(_form(picker), FORM) is None
    event = event_body({"type": "app_home_opened", "user": ALICE, "tab": "home"}, "Ev1")
    assert problem(event.encode(), "application/json") is None
    assert problem(b'{"type": "url_verification", "challenge": "x"}', "application/json") is None


@pytest.mark.parametrize(
    "change,part",
    [
        ({"actions": None}, "actions"),
        ({"actions": []}, "actions"),
        ({"actions": [1]}, "actions"),
        ({"team": [1]}, "team"),
        ({"user": "U1"}, "user"),
        ({"user": {"id": 5}}, "user.id"),
        ({"view": "V1"}, "view"),
        ({"trigger_id": 3}, "trigger_id"),
    ],
)
def test_a_body_bolt_cannot_read_is_named(change: dict[str, Any], part: str) -> None:
    payload = {**block_actions_payload("measures_open", ALICE, value="{}"), **change}
    assert problem(_form(payload), FORM) == part


def test_garbled_bodies() -> None:
    assert problem(b"payload=%7Bnot+json", FORM) == "body"
    assert problem(b"[1, 2]", "application/json") == "body"
    assert problem(b"command=%2Fpdsa&user_id=U1&team_id=T1", FORM) == "trigger_id"  # no trigger id
    state = {"values": {"b": {"a": {"type": "plain_text_input", "value": ["x"]}}}}
    view = {"id": "V1", "hash": "h", "state": state}
    assert problem(_form(block_actions_payload("x", ALICE, view=view)), FORM) == "state.values"
    assert problem(json.dumps({"type": "event_callback", "event": {"type": 3}}).encode(), "application/json")
