"""`/collab help` by role, `/collab status` and the Home tab, driven through signed requests."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot import months
from bot.measures import rules
from storage.models import Collaborative
from tests.conftest import NOW, RunningBot
from tests.constants import ADMIN, ALICE, ARJUN, FACULTY, NOBODY
from tests.helpers import report_one_measure, wait_for_calls
from tests.slack_standin import validate_blocks

EXAMPLE_COLLAB = Collaborative(
    timezone="America/Los_Angeles", start=date(2026, 1, 1), end=date(2027, 6, 30), due_day=10
)


def reply(bot: RunningBot, text: str, user: str) -> dict[str, Any]:
    answer = bot.answer("/collab", text, user)  # acked empty, answered through the response_url
    assert validate_blocks(answer["blocks"], "message") == []
    return answer


def shown(answer: dict[str, Any]) -> str:
    return json.dumps(answer["blocks"])


def this_month() -> str:
    """The month being reported at the pinned ``NOW``: March 2026."""
    period = rules.default_month(EXAMPLE_COLLAB, NOW)
    assert period == "2026-03"
    return period


def test_help_lists_every_command_by_role(loaded_bot: RunningBot) -> None:
    member = shown(reply(loaded_bot, "help", ARJUN))
    for command in ("`/measures`", "`/pdsa`", "`/collab status`", "`/collab help`"):
        assert command in member
    assert "/collab digest" not in member and "team lead" not in member

    lead = shown(reply(loaded_bot, "help", ALICE))
    assert "(team lead)" in lead and "direct message if your team's report is late" in lead

    faculty = shown(reply(loaded_bot, "help", FACULTY))
    assert "*Faculty* of Hypertension Control Learning Collaborative" in faculty
    for command in ("`/measures`", "`/pdsa`", "`/collab status`", "`/collab digest`", "`/collab help`"):
        assert command in faculty
    assert "for any team" in faculty

    admin = shown(reply(loaded_bot, "help", ADMIN))
    assert "*Admin* of Hypertension Control Learning Collaborative" in admin
    for command in ("`/measures`", "`/pdsa`", "`/collab status`", "`/collab help`", "collab-bot load FILE"):
        assert command in admin
    assert "/collab digest" not in admin


def test_status_says_what_is_due_and_what_is_in(loaded_bot: RunningBot) -> None:
    period = this_month()
    month = months.month_label(period)
    before = reply(loaded_bot, "status", ALICE)
    assert f"Riverside Family Clinic: {month} measures" in before["text"]
    assert f"{month} measures reported" not in before["text"]
    buttons = [b for b in before["blocks"] if b["type"] == "actions"]
    assert len(buttons) == 1
    button = buttons[0]["elements"][0]
    assert button["text"]["text"] == "Report now" and json.loads(button["value"])["period"] == period
    assert "No PDSA cycle running: plan one with `/pdsa`." in shown(before)

    report_one_measure(loaded_bot.db, "riverside", period)
    after = reply(loaded_bot, "status", ALICE)
    assert f"Riverside Family Clinic: {month} measures reported" in after["text"]
    assert f"To correct them, run `/measures {period}`." in shown(after)
    assert not [b for b in after["blocks"] if b["type"] == "actions"]

    faculty = reply(loaded_bot, "status", FACULTY)
    assert "Hypertension Control Learning Collaborative: 1 of 8 teams reported" in faculty["text"]
    assert f"1 of 8 teams reported {month}" in shown(faculty)
    assert "Not yet: Eastside Community Health Center" in shown(faculty)
    assert "Riverside Family Clinic" not in shown(faculty)


def test_status_for_someone_on_no_team_says_who_to_ask(loaded_bot: RunningBot) -> None:
    answer = reply(loaded_bot, "status", NOBODY)
    assert "not on any team" in answer["text"] and f"<@{FACULTY}>" in answer["text"]


def test_home_tab_shows_this_month_then_the_help(loaded_bot: RunningBot) -> None:
    period = this_month()
    loaded_bot.requests.event(
        {"type": "app_home_opened", "user": ALICE, "channel": "D0HOME0001", "tab": "home"}
    )
    [call] = wait_for_calls(loaded_bot.slack, "views.publish")
    home = json.dumps(loaded_bot.slack.home_views[ALICE]["blocks"])
    assert "*This month*" in home and f"*{months.month_label(period)}* measures" in home
    assert home.index("*This month*") < home.index("Here's what you can do")
    assert "`/collab status`" in home


def test_an_answer_slack_fails_to_take_at_first_is_sent_again(loaded_bot: RunningBot) -> None:
    """The response_url answer goes with the Web API client's retries: a 503 from Slack is retried."""
    loaded_bot.slack.fail_next(1, status=503, method="(respond)")
    assert "Here's what you can do" in reply(loaded_bot, "help", ALICE)["text"]
