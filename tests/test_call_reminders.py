"""Call reminders, RSVPs and feedback requests, time-controlled with ``as_of``; SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select

from bot.calls.views import FEEDBACK_ACTION, RSVP_GOING, RSVP_NOT_GOING
from bot.collaborative.file import parse_collaborative_file
from bot.collaborative.loading import apply_spec
from bot.context import BotContext
from bot.peers.channel import sync_peer_channel
from jobs.clock import trigger_for
from jobs.registry import load_jobs
from storage.collaboratives import collaborative_by_key
from storage.models import CalendarEvent, Rsvp
from tests.conftest import EXAMPLE, RunningBot, load_example, make_context
from tests.constants import ALICE, BRUNO
from tests.helpers import collaborative_named, eventually, run_job_at
from tests.signing import block_actions_payload
from tests.slack_standin import SlackStandIn

LA = ZoneInfo("America/Los_Angeles")
BERLIN = ZoneInfo("Europe/Berlin")


def synced(ctx: BotContext) -> None:
    """Set up the example's peer channel (`collab-bot channels sync`): call reminders go there."""
    result = sync_peer_channel(ctx, collaborative_named(ctx.db).id)
    assert result is not None and result.ok, result


def peer_channel(slack: SlackStandIn) -> str:
    created = slack.calls_to("conversations.create")
    assert len(created) == 1 and created[0].args["name"] == "htn-peer-sharing"
    assert created[0].response is not None
    return str(created[0].response["channel"]["id"])


def unix(year: int, month: int, day: int, hour: int, tz: ZoneInfo) -> int:
    return int(datetime(year, month, day, hour, tzinfo=tz).timestamp())


def variant(tmp_path: Path, **changes: Any) -> Path:
    """A copy of the example collaborative file with top-level fields replaced."""
    data = yaml.safe_load(EXAMPLE.read_text())
    data.update(changes)
    path = tmp_path / f"{changes.get('key', 'variant')}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_reminders_go_out_7_days_1_day_and_1_hour_before(db_url: str, slack: SlackStandIn) -> None:
    ctx = make_context(db_url, slack)
    load_example(ctx.db)
    synced(ctx)
    # the monthly interim call on Thursday 2026-11-12 at noon (PST)
    assert run_job_at(ctx, "call-reminders", "2026-11-05T11:45") == "no call reminder due"
    run_job_at(ctx, "call-reminders", "2026-11-05T12:00")
    channel = peer_channel(slack)
    [week] = slack.messages(channel)
    stamp = unix(2026, 11, 12, 12, LA)
    assert stamp == int(datetime(2026, 11, 12, 20, tzinfo=UTC).timestamp())
    body = json.dumps(week["blocks"])
    assert f"<!date^{stamp}^{{date_long_pretty}} at {{time}}|Thursday, November 12 at 12:00 PM PST>" in body
    assert "https://example.org/join/htn-interim" in body
    buttons = week["blocks"][2]["elements"]
    assert [b["text"]["text"] for b in buttons] == ["Going", "Can't make it"]
    assert [b["action_id"] for b in buttons] == [RSVP_GOING, RSVP_NOT_GOING]
    assert "is coming up" in week["text"]

    # every 15 minutes the job runs again: nothing new
    for local in ("2026-11-05T12:15", "2026-11-06T09:00", "2026-11-11T11:45"):
        run_job_at(ctx, "call-reminders", local)
    assert len(slack.messages(channel)) == 1

    # the clock was down at noon the day before: it catches up once in the evening
    run_job_at(ctx, "call-reminders", "2026-11-11T19:00")
    run_job_at(ctx, "call-reminders", "2026-11-11T19:15")
    assert len(slack.messages(channel)) == 2 and "is tomorrow" in slack.messages(channel)[1]["text"]

    run_job_at(ctx, "call-reminders", "2026-11-12T11:00")
    run_job_at(ctx, "call-reminders", "2026-11-12T11:15")
    assert len(slack.messages(channel)) == 3 and "starts in an hour" in slack.messages(channel)[2]["text"]

    run_job_at(ctx, "call-reminders", "2026-11-12T12:15")
    run_job_at(ctx, "call-reminders", "2026-11-13T11:00")
    assert len(slack.messages(channel)) == 3
    assert len(slack.calls_to("conversations.create")) == 1  # the channel id was remembered
    ctx.db.dispose()


def test_a_missed_hour_before_reminder_is_not_sent_late(db_url: str, slack: SlackStandIn) -> None:
    ctx = make_context(db_url, slack)
    load_example(ctx.db)
    synced(ctx)
    run_job_at(ctx, "call-reminders", "2026-11-12T12:05")  # the call has started
    run_job_at(ctx, "call-reminders", "2026-11-13T11:00")
    assert slack.messages() == []
    ctx.db.dispose()


def test_a_call_across_the_dst_change_keeps_its_local_time(
    db_url: str, slack: SlackStandIn, tmp_path: Path
) -> None:
    calls = [
        {
            "title": "Weekly huddle",
            "kind": "interim_call",
            "start": "2026-10-29T12:00",
            "rrule": "FREQ=WEEKLY;COUNT=3",
            "join_url": "https://example.org/join/huddle",
        }
    ]
    ctx = make_context(db_url, slack)
    apply_spec(ctx.db, parse_collaborative_file(variant(tmp_path, calls=calls)))
    synced(ctx)
    # Nov 5 is after the change (Nov 1): noon PST = 20:00 UTC; its week-before step is noon PDT Oct 29
    run_job_at(ctx, "call-reminders", "2026-10-29T11:45")  # the Oct 29 call itself: hour-before
    channel = peer_channel(slack)
    assert len(slack.messages(channel)) == 1
    assert f"<!date^{unix(2026, 10, 29, 12, LA)}^" in json.dumps(slack.messages(channel)[0]["blocks"])
    assert "12:00 PM PDT" in slack.messages(channel)[0]["text"]
    run_job_at(ctx, "call-reminders", "2026-10-29T12:00")
    week = slack.messages(channel)[1]
    stamp = unix(2026, 11, 5, 12, LA)
    assert stamp == int(datetime(2026, 11, 5, 20, tzinfo=UTC).timestamp())
    assert f"<!date^{stamp}^" in json.dumps(week["blocks"]) and "12:00 PM PST" in week["text"]

    run_job_at(ctx, "call-reminders", "2026-11-05T11:00")
    hour = slack.messages(channel)[2]
    assert "starts in an hour" in hour["text"] and f"<!date^{stamp}^" in json.dumps(hour["blocks"])
    # the stand-in saw the hour-before post at 11:00 PST = 19:00 UTC
    ctx.db.dispose()


def test_a_collaborative_in_another_timezone_gets_its_own_schedule(
    db_url: str, slack: SlackStandIn, tmp_path: Path
) -> None:
    ctx = make_context(db_url, slack)
    load_example(ctx.db)
    synced(ctx)
    eu = variant(
        tmp_path,
        key="eu",
        name="European hypertension collaborative",
        timezone="Europe/Berlin",
        peer_channels=[{"id": "C0EUPEER01"}],
        calls=[{"title": "EU interim call", "kind": "interim_call", "start": "2026-10-29T12:00"}],
    )
    apply_spec(ctx.db, parse_collaborative_file(eu))
    with ctx.db.reader() as session:
        collab = collaborative_by_key(session, "eu")
    assert collab is not None
    trigger = trigger_for(load_jobs()["report-reminders"], collab)
    nxt = trigger.get_next_fire_time(None, datetime(2026, 10, 29, 5, 0, tzinfo=UTC))
    assert nxt is not None and nxt.astimezone(BERLIN).hour == 9 and nxt.utcoffset().total_seconds() == 3600

    # 11:00 in Berlin (CET after Oct 25) is the hour-before step of the EU call; htn has nothing then
    run_job_at(ctx, "call-reminders", "2026-10-29T11:00", key="eu")
    run_job_at(ctx, "call-reminders", "2026-10-29T03:00", key="htn")  # the same instant in Los Angeles
    [msg] = slack.messages()
    assert msg["channel"] == "C0EUPEER01"
    assert f"<!date^{int(datetime(2026, 10, 29, 11, tzinfo=UTC).timestamp())}^" in json.dumps(msg["blocks"])
    assert "12:00 PM CET" in msg["text"]
    ctx.db.dispose()


def test_rsvp_buttons_store_answers_and_update_the_counts(loaded_bot: RunningBot) -> None:
    bot, slack = loaded_bot, loaded_bot.slack
    synced(bot.ctx)
    run_job_at(bot.ctx, "call-reminders", "2026-11-11T12:00")
    run_job_at(bot.ctx, "call-reminders", "2026-11-12T11:00")
    channel = peer_channel(slack)
    posts = [c for c in slack.calls_to("chat.postMessage") if c.ok]
    day_msg = posts[0].response["message"]  # type: ignore[index]
    event_id = int(day_msg["blocks"][2]["elements"][0]["value"])

    def click(user: str, action: str) -> None:
        before = len(slack.calls_to("chat.update"))
        payload = block_actions_payload(
            action, user, value=str(event_id), channel_id=channel, message=day_msg
        )
        status, _, _ = bot.requests.interact(payload)
        assert status == 200
        # both reminders of the call are refreshed
        assert eventually(lambda: len(slack.calls_to("chat.update")) >= before + 2)

    def counts_shown() -> set[str]:
        return {json.dumps(m["blocks"][3]) for m in slack.posted[channel].values()}

    click(ALICE, RSVP_GOING)
    assert {"Going: *1*" in c and "Can't make it: *0*" in c for c in counts_shown()} == {True}
    click(BRUNO, RSVP_NOT_GOING)
    click(ALICE, RSVP_NOT_GOING)  # changes her mind
    assert {"Going: *0*" in c and "Can't make it: *2*" in c for c in counts_shown()} == {True}
    with bot.db.reader() as session:
        rows = {r.slack_user_id: r.response for r in session.scalars(select(Rsvp))}
    assert rows == {ALICE: "not_going", BRUNO: "not_going"}
    assert eventually(lambda: len(slack.calls_to("chat.postEphemeral")) == 3)
    assert "can't make it" in slack.calls_to("chat.postEphemeral")[-1].args["text"]


def test_feedback_is_requested_an_hour_after_the_call(loaded_bot: RunningBot) -> None:
    bot, slack = loaded_bot, loaded_bot.slack
    synced(bot.ctx)
    # the interim call on 2026-11-12 runs 12:00-13:00
    assert run_job_at(bot.ctx, "feedback-requests", "2026-11-12T13:45") == "no feedback request due"
    run_job_at(bot.ctx, "feedback-requests", "2026-11-12T14:00")
    run_job_at(bot.ctx, "feedback-requests", "2026-11-12T14:15")
    channel = peer_channel(slack)
    [request] = slack.messages(channel)
    assert request["text"].startswith("How was “Monthly interim call”? Two minutes of feedback")
    button = request["blocks"][2]["elements"][0]
    assert button["action_id"] == FEEDBACK_ACTION
    with bot.db.reader() as session:
        event = session.get(CalendarEvent, int(button["value"]))
        assert event is not None and event.starts_at == datetime(2026, 11, 12, 20, tzinfo=UTC)

    trigger = slack.issue_trigger_id()
    payload = block_actions_payload(
        FEEDBACK_ACTION, ALICE, value=button["value"], channel_id=channel, trigger_id=trigger
    )
    assert bot.requests.interact(payload)[0] == 200
    assert eventually(lambda: len(slack.calls_to("views.open")) == 1)
    view = slack.calls_to("views.open")[0]
    assert view.ok and view.args["view"]["callback_id"] == "feedback_submit"  # the form itself


def test_a_late_hour_before_reminder_says_the_time_really_left(db_url: str, slack: SlackStandIn) -> None:
    """A clock catching up 30 minutes before the start does not say "starts in an hour"."""
    ctx = make_context(db_url, slack)
    load_example(ctx.db)
    synced(ctx)
    run_job_at(ctx, "call-reminders", "2026-11-12T11:30")  # the 11:00 run was missed
    [late] = slack.messages(peer_channel(slack))
    assert "starts in 30 minutes" in late["text"] and "an hour" not in late["text"]
    assert "starts in 30 minutes" in json.dumps(late["blocks"])
    assert "12:00 PM PST" in late["text"]  # and the start time, as always
    ctx.db.dispose()


def test_hour_phrases() -> None:
    from bot.calls.views import step_phrase

    start = datetime(2026, 11, 12, 20, tzinfo=UTC)
    at = lambda minutes: start - timedelta(minutes=minutes)  # noqa: E731
    assert step_phrase("hour-before", start, at(60)) == "starts in an hour"
    assert step_phrase("hour-before", start, at(58)) == "starts in an hour"
    assert step_phrase("hour-before", start, at(45)) == "starts in 45 minutes"
    assert step_phrase("hour-before", start, at(1)) == "starts in 1 minute"
    assert step_phrase("hour-before", start, None) == "starts in an hour"
    assert step_phrase("day-before", start, at(20 * 60)) == "is tomorrow"
