"""End-to-end: signed requests to the real /slack/events endpoint, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
import urllib.request

from handlers.gate import NOT_HERE
from tests.conftest import RunningBot
from tests.constants import NOBODY
from tests.helpers import wait_for_calls


def test_forged_signature_is_refused(bot: RunningBot) -> None:
    status, _, _ = bot.requests.post(
        "command=%2Fcollab&text=help&user_id=U0NOBODY01",
        "application/x-www-form-urlencoded",
        secret="not-the-secret",
    )
    assert status == 401


def test_stale_request_is_refused(bot: RunningBot) -> None:
    status, _, _ = bot.requests.command("/collab", "help", NOBODY, timestamp=int(time.time()) - 6 * 60)
    assert status == 401
    assert bot.slack.calls == []


def test_help_for_someone_on_no_team_says_who_to_ask(loaded_bot: RunningBot) -> None:
    assert "not on any team" in loaded_bot.answer("/collab", "help", NOBODY)["text"]


def test_a_workspace_without_a_collaborative_is_told_so_and_nothing_else(bot: RunningBot) -> None:
    reply = bot.answer("/collab", "help", NOBODY)
    assert reply == {"response_type": "ephemeral", "text": NOT_HERE}
    assert "isn't part of a learning collaborative" in reply["text"]


def test_unknown_subcommand_explains_and_shows_help(loaded_bot: RunningBot) -> None:
    assert "I don't know `/collab frobnicate`" in loaded_bot.answer("/collab", "frobnicate", NOBODY)["text"]


def test_retried_event_is_processed_once(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    event = {"type": "app_home_opened", "user": NOBODY, "channel": "D0HOME0001", "tab": "home"}
    for retry in (None, 1, 2):
        status, _, _ = bot.requests.event(event, event_id="Ev0RETRY0001", retry_num=retry)
        assert status == 200
    wait_for_calls(bot.slack, "views.publish", timeout=5)
    time.sleep(0.3)
    assert len(bot.slack.calls_to("views.publish")) == 1


def test_healthz_checks_the_database(bot: RunningBot) -> None:
    with urllib.request.urlopen(bot.url + "/healthz", timeout=5) as resp:
        assert resp.status == 200
        assert json.loads(resp.read())["database"] == "ok"
