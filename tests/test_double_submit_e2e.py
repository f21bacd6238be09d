"""A modal submitted twice (a double click, a retry) is handled once: signed requests, the stand-in.

Slack sends the same ``view.id`` and ``view.hash`` both times; the second is answered like the
first and writes and posts nothing. Field errors are not remembered (the corrected form keeps its
hash), and "Submit anyway" comes in a view Slack gave a new hash.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bot.pdsa.views import ACTION_NEW
from storage import submissions
from storage.db import Database
from storage.models import MeasureRevision, PdsaCycle, ViewSubmission
from tests.conftest import RunningBot
from tests.constants import ALICE, RIVER
from tests.helpers import team_id_by_key, wait_for_messages
from tests.signing import view_submission_payload
from tests.test_measures_e2e import VALID, default_month, open_modal, riverside, state_for
from tests.test_pdsa_e2e import click_in_view, open_pdsa, plan_values


def _send(bot: RunningBot, payload: dict[str, Any]) -> tuple[int, str]:
    status, _, body = bot.requests.interact(payload)
    return status, body


def _plan_payload(bot: RunningBot, **overrides: Any) -> dict[str, Any]:
    view_id = open_pdsa(bot, ALICE)
    click_in_view(
        bot, view_id, ACTION_NEW, ALICE, value=str(team_id_by_key(bot.db, "riverside")), block_id="new"
    )
    view = bot.slack.views[view_id]
    return view_submission_payload(
        view, plan_values(**overrides), ALICE, view_id=view_id, view_hash=view["hash"]
    )


def _count(bot: RunningBot, model: Any) -> int:
    with bot.db.reader() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_same_pdsa_plan_twice_makes_one_cycle_and_one_card(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    payload = _plan_payload(bot)
    first = _send(bot, payload)
    second = _send(bot, payload)
    assert first[0] == second[0] == 200
    assert json.loads(first[1])["response_action"] == "update"
    assert json.loads(second[1]) == json.loads(first[1])  # answered exactly like the first
    assert _count(bot, PdsaCycle) == 1
    [card] = wait_for_messages(bot.slack, RIVER, 1)
    assert "PDSA cycle started" in card["text"]
    assert len(bot.slack.messages(RIVER)) == 1


def test_a_concurrent_double_click_makes_one_cycle(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    payload = _plan_payload(bot)
    barrier = threading.Barrier(2)
    replies: list[tuple[int, str]] = []

    def click() -> None:
        barrier.wait()
        replies.append(_send(bot, payload))

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert [status for status, _ in replies] == [200, 200]
    assert _count(bot, PdsaCycle) == 1
    wait_for_messages(bot.slack, RIVER, 1)
    assert len(bot.slack.messages(RIVER)) == 1


def test_field_errors_are_not_remembered_so_the_corrected_form_is_saved(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    payload = _plan_payload(bot, objective={"value": {"type": "plain_text_input", "value": None}})
    status, body = _send(bot, payload)
    assert status == 200 and json.loads(body)["response_action"] == "errors"
    assert _count(bot, ViewSubmission) == 0 and _count(bot, PdsaCycle) == 0
    # The person fills in the objective and presses the button again: same view id, same hash.
    payload["view"]["state"]["values"].update(plan_values())
    status, body = _send(bot, payload)
    assert json.loads(body)["response_action"] == "update"
    assert _count(bot, PdsaCycle) == 1


def test_the_same_measures_report_twice_posts_reported_once_and_never_corrected(
    loaded_bot: RunningBot,
) -> None:
    bot, month = loaded_bot, default_month()
    view = open_modal(bot, ALICE)
    payload = view_submission_payload(
        view, state_for(view), ALICE, view_id=view["id"], view_hash=view["hash"]
    )
    assert _send(bot, payload) == (200, "")
    assert _send(bot, payload) == (200, "")  # the modal closes again, as the first time
    assert riverside(bot.db, month)[1]["bp_control"].numerator == float(VALID["bp_control:numerator"])
    assert _count(bot, MeasureRevision) == 0
    [note] = wait_for_messages(bot.slack, RIVER, 1)
    assert "reported" in note["text"]
    wait_for_messages(bot.slack, ALICE, 1)
    texts = [m["text"] for m in bot.slack.messages(RIVER)]
    assert len(texts) == 1 and not any("corrected" in t for t in texts)
    assert len(bot.slack.messages(ALICE)) == 1


def test_submit_anyway_in_the_updated_view_is_a_new_submission(loaded_bot: RunningBot) -> None:
    bot, month = loaded_bot, default_month()
    earlier = open_modal(bot, ALICE, "2026-02")
    payload = view_submission_payload(
        earlier, state_for(earlier), ALICE, view_id=earlier["id"], view_hash=earlier["hash"]
    )
    assert _send(bot, payload) == (200, "")
    view = open_modal(bot, ALICE)
    wild = {**VALID, "bp_control:numerator": "1260", "bp_control:denominator": "2000"}
    payload = view_submission_payload(
        view, state_for(view, wild), ALICE, view_id=view["id"], view_hash=view["hash"]
    )
    status, body = _send(bot, payload)
    confirm = json.loads(body)
    assert confirm["response_action"] == "update" and confirm["view"]["submit"]["text"] == "Submit anyway"
    assert json.loads(_send(bot, payload)[1]) == confirm  # a double click: the same question again
    assert riverside(bot.db, month)[1] == {}
    # Slack shows the updated view under a new hash; "Submit anyway" saves.
    updated = {**confirm["view"], "id": view["id"], "hash": view["hash"] + "-updated"}
    payload = view_submission_payload(
        updated, state_for(updated, wild), ALICE, view_id=view["id"], view_hash=updated["hash"]
    )
    assert _send(bot, payload) == (200, "")
    assert riverside(bot.db, month)[1]["bp_control"].denominator == 2000


def test_claims_answers_releases_expiry_and_housekeeping(db: Database) -> None:
    now = datetime(2026, 4, 15, 12, tzinfo=UTC)
    assert submissions.claim(db, "V1", "h1", now) is None  # first: claimed
    assert submissions.claim(db, "V1", "h1", now) == submissions.Seen(None)  # still being handled
    assert submissions.claim(db, "V1", "h2", now) is None  # a new hash is a new submission
    submissions.answer(db, "V1", "h1", '{"response_action": "clear"}')
    assert submissions.claim(db, "V1", "h1", now) == submissions.Seen('{"response_action": "clear"}')
    submissions.release(db, "V1", "h2")
    assert submissions.claim(db, "V1", "h2", now) is None  # released: may be sent again
    later = now + submissions.CLAIM_EXPIRES + timedelta(seconds=1)
    assert submissions.claim(db, "V1", "h2", later) is None  # never answered: taken over
    assert submissions.forget_submissions_before(db, later) == 1  # h1 (h2 was re-stamped)
    assert submissions.claim(db, "V1", "h1", later) is None
