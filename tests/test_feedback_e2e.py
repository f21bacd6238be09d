"""Feedback after a call, end to end: the request's button opens the form, answers are stored
anonymously (one per person, replaced on re-submission), outsiders are refused, the window closes
after 14 days. Signed requests to the real endpoint, the Slack stand-in, SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.calls.views import FEEDBACK_ACTION
from bot.digest.delivery import compute_digest
from bot.feedback.rules import responder_hash
from bot.feedback.views import CALLBACK
from bot.months import fixed_clock
from bot.peers.channel import sync_peer_channel
from storage.calendar import set_rsvp
from storage.enums import RsvpAnswer
from storage.feedback import active_member_count
from storage.models import FeedbackResponse, Team
from tests.conftest import RunningBot
from tests.constants import ALICE, ALL_FACULTY, BRUNO, FACULTY, NOBODY, SIGNING_SECRET, TEAM_ID
from tests.helpers import collaborative_named, export_with_cli, run_job_at, wait_for_calls
from tests.signing import block_actions_payload, view_submission_payload

#: 14:00 PST on the day of the interim call (12:00-13:00 PST on 2026-11-12).
AFTER_CALL = datetime(2026, 11, 12, 22, 0, tzinfo=UTC)


def text(value: str | None) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def answers(
    usefulness: str | None = "4", *, add_name: bool = False, **texts: str | None
) -> dict[str, dict[str, Any]]:
    option = {"text": {"type": "plain_text", "text": "x"}, "value": usefulness} if usefulness else None
    ticked = (
        [{"text": {"type": "plain_text", "text": "Add my name"}, "value": "add_name"}] if add_name else []
    )
    values: dict[str, dict[str, Any]] = {
        "usefulness": {"value": {"type": "radio_buttons", "selected_option": option}},
        "most_useful": text("The run chart walkthrough"),
        "to_improve": text(None),
        "will_apply": text("Repeat high BP readings"),
        "next_topics": text(None),
        "add_name": {"value": {"type": "checkboxes", "selected_options": ticked}},
    }
    values.update({name: text(value) for name, value in texts.items()})
    return values


def request_button(bot: RunningBot) -> tuple[str, dict[str, Any]]:
    """Run the feedback-requests job after the call; the request's channel and its button."""
    result = sync_peer_channel(bot.ctx, collaborative_named(bot.db).id)  # the channel it goes to
    assert result is not None and result.ok
    run_job_at(bot.ctx, "feedback-requests", "2026-11-12T14:00")
    [request] = [m for m in bot.slack.messages() if m["text"].startswith("How was")]
    button = request["blocks"][2]["elements"][0]
    assert button["action_id"] == FEEDBACK_ACTION
    return str(request["channel"]), button


def press(
    bot: RunningBot, button: dict[str, Any], user: str, on: tuple[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Press "Give feedback" as ``user`` (on the request ``on``: channel, message); the view it opened."""
    before = len(bot.slack.calls_to("views.open"))
    where: dict[str, Any] = {"channel_id": on[0], "message": on[1]} if on else {}
    payload = block_actions_payload(
        FEEDBACK_ACTION, user, value=button["value"], trigger_id=bot.slack.issue_trigger_id(), **where
    )
    assert bot.requests.interact(payload)[0] == 200
    opened = wait_for_calls(bot.slack, "views.open", before + 1)[-1]
    assert opened.ok, opened.response
    shown = opened.response["view"]  # type: ignore[index]
    return {**opened.args["view"], "id": shown["id"], "hash": shown["hash"]}


def send(bot: RunningBot, view: dict[str, Any], values: dict[str, Any], user: str) -> dict[str, Any]:
    """Submit ``view`` (the id and hash Slack gave it: each modal opened is a new submission)."""
    payload = view_submission_payload(view, values, user, view_id=view["id"], view_hash=view["hash"])
    status, _, body = bot.requests.interact(payload)
    assert status == 200
    return json.loads(body) if body else {}


def stored(bot: RunningBot) -> list[FeedbackResponse]:
    with bot.db.reader() as session:
        return list(session.scalars(select(FeedbackResponse).order_by(FeedbackResponse.id)))


def test_an_answer_is_anonymous_one_per_person_and_replaced_on_resubmission(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    bot.ctx.clock = fixed_clock(AFTER_CALL)
    _, button = request_button(bot)
    view = press(bot, button, ALICE)
    assert view["callback_id"] == CALLBACK and view["submit"]["text"] == "Send"
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    labels = [o["text"]["text"] for o in blocks["usefulness"]["element"]["options"]]
    assert labels[0] == "1 · not useful" and labels[-1] == "5 · extremely useful" and len(labels) == 5
    assert "initial_options" not in blocks["add_name"]["element"]  # anonymous is the default
    assert "anonymous" in json.dumps(view["blocks"])

    answer = send(bot, view, answers("4"), ALICE)
    assert answer["response_action"] == "update" and "Thank you" in json.dumps(answer["view"])
    [row] = stored(bot)
    assert row.slack_user_id is None and row.usefulness == 4
    assert row.responder == responder_hash(SIGNING_SECRET.encode(), row.event_id, ALICE)
    assert ALICE not in json.dumps([str(getattr(row, c.name)) for c in FeedbackResponse.__table__.columns])
    with bot.db.reader() as session:
        team = session.get(Team, row.team_id)
        assert team is not None and team.key == "riverside"

    # pressing again shows her answer, and sending again replaces it
    again = press(bot, button, ALICE)
    assert "You answered before" in json.dumps(again["blocks"])
    radios = {b.get("block_id"): b for b in again["blocks"]}["usefulness"]["element"]
    assert radios["initial_option"]["value"] == "4"
    reply = send(bot, again, answers("2", to_improve="Shorter slides"), ALICE)
    assert "replaces your earlier answer" in json.dumps(reply["view"])
    [row] = stored(bot)
    assert (row.usefulness, row.to_improve, row.slack_user_id) == (2, "Shorter slides", None)

    # adding her name stores it; faculty answer too (no team)
    send(bot, press(bot, button, ALICE), answers("3", add_name=True), ALICE)
    send(bot, press(bot, button, FACULTY), answers("5"), FACULTY)
    rows = stored(bot)
    assert [(r.usefulness, r.slack_user_id) for r in rows] == [(3, ALICE), (5, None)]
    assert rows[1].team_id is None


def test_missing_score_and_patient_information_are_errors_in_place(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    bot.ctx.clock = fixed_clock(AFTER_CALL)
    _, button = request_button(bot)
    view = press(bot, button, ALICE)
    reply = send(bot, view, answers(None, will_apply="Call Mrs Jones, MRN 12345678, DOB 3/4/1950"), ALICE)
    assert reply["response_action"] == "errors"
    assert set(reply["errors"]) == {"usefulness", "will_apply"}
    assert "patient information" in reply["errors"]["will_apply"]
    assert stored(bot) == []


def test_an_outsider_is_refused_politely_and_logged(
    loaded_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = loaded_bot
    bot.ctx.clock = fixed_clock(AFTER_CALL)
    caplog.set_level(logging.WARNING, logger="bot.security")
    _, button = request_button(bot)
    view = press(bot, button, NOBODY)
    assert "Only people on a team" in json.dumps(view) and view.get("submit") is None
    # a forged submission of the form is refused the same way, and nothing is stored
    member_view = press(bot, button, ALICE)
    reply = send(bot, member_view, answers("5"), NOBODY)
    assert reply["response_action"] == "update" and "Only people on a team" in json.dumps(reply["view"])
    assert stored(bot) == []
    refusals = [r.getMessage() for r in caplog.records if r.name == "bot.security"]
    assert any(f"refused user={NOBODY} workspace={TEAM_ID} action=feedback" in r for r in refusals)


def test_the_window_closes_14_days_after_the_call(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    bot.ctx.clock = fixed_clock(AFTER_CALL)
    channel, button = request_button(bot)
    open_form = press(bot, button, ALICE)
    bot.ctx.clock = fixed_clock(datetime(2026, 11, 26, 20, 59, tzinfo=UTC))  # 13 days 23:59 after the end
    assert press(bot, button, ALICE)["callback_id"] == CALLBACK
    bot.ctx.clock = fixed_clock(datetime(2026, 11, 26, 21, 0, tzinfo=UTC))  # 14 days after 13:00 PST
    [posted] = [
        c.response["message"]
        for c in bot.slack.calls_to("chat.postMessage")
        if c.ok and c.response and c.args["text"].startswith("How was")
    ]
    closed = json.dumps(press(bot, button, ALICE, on=(channel, posted)))
    assert "feedback window" in closed and "has closed" in closed and "November 26" in closed
    # the request itself now says so, without its button
    [update] = wait_for_calls(bot.slack, "chat.update")
    assert update.args["ts"] == posted["ts"] and "closed on November 26" in update.args["text"]
    now = bot.slack.posted[channel][posted["ts"]]
    assert "Thank you to everyone who answered" in json.dumps(now["blocks"])
    assert FEEDBACK_ACTION not in json.dumps(now["blocks"])
    reply = send(bot, open_form, answers("4"), ALICE)  # a form left open past the window
    assert "has closed" in json.dumps(reply["view"])
    assert stored(bot) == []


# -- the summary -------------------------------------------------------------------------------------------


def summary_dms(bot: RunningBot) -> list[Any]:
    return [c for c in bot.slack.calls_to("chat.postMessage") if c.args["text"].startswith("Feedback on")]


def test_faculty_get_the_summary_once_24_hours_later_and_on_demand(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    bot.ctx.clock = fixed_clock(AFTER_CALL)
    _, button = request_button(bot)
    with bot.db.transaction() as session:
        event_id = int(button["value"])
        for user in (ALICE, BRUNO, FACULTY):
            set_rsvp(session, event_id, user, RsvpAnswer.GOING, AFTER_CALL)
        members = active_member_count(session, collaborative_named(bot.db).id)
    send(bot, press(bot, button, ALICE), answers("4", to_improve="More time for <!channel> & Q&A"), ALICE)
    send(bot, press(bot, button, BRUNO), answers("5", add_name=True, most_useful="Peer stories"), BRUNO)
    send(bot, press(bot, button, FACULTY), answers("2", most_useful=None, will_apply=None), FACULTY)

    # 13:00 PST the next day is 24 hours after the end
    assert run_job_at(bot.ctx, "feedback-summary", "2026-11-13T12:45") == "no feedback summary due"
    run_job_at(bot.ctx, "feedback-summary", "2026-11-13T13:00")
    run_job_at(bot.ctx, "feedback-summary", "2026-11-13T13:15")  # a re-run sends nothing again
    dms = summary_dms(bot)
    assert sorted(c.args["channel"] for c in dms) == sorted(ALL_FACULTY)
    blocks = (
        json.loads(dms[0].args["blocks"]) if isinstance(dms[0].args["blocks"], str) else dms[0].args["blocks"]
    )
    body = json.dumps(blocks, ensure_ascii=False)
    assert "*Answers:* 3" in body
    assert "3 of 3 (100%) who said Going" in body
    assert f"3 of {members} ({3 / members:.0%}) active team members" in body
    assert "*Mean usefulness:* 3.7 of 5" in body
    assert "`5` ██████████ 1" in body and "`3`  0" in body
    assert "More time for &lt;!channel&gt; &amp; Q&amp;A" in body and "<!channel>" not in body
    assert f"Peer stories (<@{BRUNO}>)" in body
    assert body.index("What was most useful?") < body.index("What should we improve?")
    assert run_job_at(bot.ctx, "feedback-summary", "2026-11-16T13:15") == "no feedback summary due"

    # on demand: faculty see the same; a member is refused
    reply = bot.answer("/collab", "feedback", FACULTY)
    assert reply["response_type"] == "ephemeral"
    assert "*Mean usefulness:* 3.7 of 5" in json.dumps(reply["blocks"])
    by_date = bot.answer("/collab", "feedback 2026-11-12", FACULTY)
    assert "Monthly interim call" in by_date["text"]
    refused = bot.answer("/collab", "feedback", ALICE)
    assert refused["text"] == "Only faculty can read the feedback summaries."

    # the weekly digest carries the latest event's line
    digest = compute_digest(bot.db, collaborative_named(bot.db).id, datetime(2026, 11, 16, 16, tzinfo=UTC))
    assert digest.feedback == "“Monthly interim call”: 3 answers, mean usefulness 3.7 of 5"


def test_feedback_is_exported_without_who_answered_anonymously(
    loaded_bot: RunningBot, tmp_path: Path
) -> None:
    bot = loaded_bot
    bot.ctx.clock = fixed_clock(AFTER_CALL)
    _, button = request_button(bot)
    send(bot, press(bot, button, ALICE), answers("4"), ALICE)
    send(bot, press(bot, button, BRUNO), answers("5", add_name=True), BRUNO)
    export_with_cli(bot.db.url, tmp_path)
    text = (tmp_path / "feedback.csv").read_text(encoding="utf-8")
    with (tmp_path / "feedback.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["team"], r["usefulness"], r["slack_user_id"]) for r in rows] == [
        ("riverside", "4", ""),
        ("eastside", "5", BRUNO),
    ]
    assert ALICE not in text and "responder" not in text
    assert rows[0]["submitted_at"] == "2026-11-12T14:00:00-08:00"
    assert rows[0]["most_useful"] == "The run chart walkthrough"
