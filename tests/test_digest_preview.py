"""``/collab digest``: faculty get a private preview by DM after a quick ack; others a polite no."""

from __future__ import annotations

import time

from bot.collaborative.demo import seed_demo
from tests.conftest import RunningBot
from tests.constants import ALICE, DIGEST_CHANNEL, FACULTY
from tests.helpers import wait_for_calls
from tests.slack_standin import validate_blocks


def test_faculty_preview_arrives_by_direct_message(loaded_bot: RunningBot) -> None:
    seed_demo(loaded_bot.db.url).db.dispose()
    started = time.monotonic()
    answer = loaded_bot.answer("/collab", "digest", FACULTY)
    assert time.monotonic() - started < 3
    assert "Preparing your preview" in answer["text"]

    calls = wait_for_calls(loaded_bot.slack, "chat.postMessage", 1, where=lambda c: "thread_ts" not in c.args)
    main = next(c for c in calls if "Weekly digest" in str(c.args.get("blocks")))
    assert main.args["channel"] == FACULTY  # a DM: only the asker sees it
    assert "Preview: only you see this" in str(main.args["blocks"])
    assert validate_blocks(main.args["blocks"], "message") == []
    assert len(main.args["blocks"]) <= 50
    dm = main.response["channel"]  # type: ignore[index]
    replies = wait_for_calls(loaded_bot.slack, "chat.postMessage", 1, where=lambda c: "thread_ts" in c.args)
    assert replies and all(r.args["channel"] == dm for r in replies)
    assert loaded_bot.slack.messages(DIGEST_CHANNEL) == []  # nothing in the faculty channel
    assert loaded_bot.slack.completed_uploads == []


def test_preview_works_before_any_data(loaded_bot: RunningBot) -> None:
    loaded_bot.answer("/collab", "digest", FACULTY)
    calls = wait_for_calls(loaded_bot.slack, "chat.postMessage", 1)
    assert calls, "no preview was sent"
    blocks = str(calls[0].args["blocks"])
    assert "0 of 8 teams reported" in blocks
    assert validate_blocks(calls[0].args["blocks"], "message") == []


def test_member_is_refused_politely(loaded_bot: RunningBot) -> None:
    assert "The digest preview is for faculty" in loaded_bot.answer("/collab", "digest", ALICE)["text"]
    time.sleep(0.3)
    assert loaded_bot.slack.calls_to("chat.postMessage") == []


def test_a_failed_preview_says_so_instead_of_leaving_the_asker_waiting(loaded_bot: RunningBot) -> None:
    loaded_bot.slack.fail_next(1, status=400, method="chat.postMessage")
    assert "Preparing your preview" in loaded_bot.answer("/collab", "digest", FACULTY)["text"]
    calls = wait_for_calls(loaded_bot.slack, "chat.postMessage", 1)
    assert calls and calls[0].args["channel"] == FACULTY
    assert "couldn't prepare the digest preview" in calls[0].args["text"]
