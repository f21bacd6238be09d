"""Exactly-once that holds: claim tokens, bounded calls, verification before a re-send, dead letters.

Each case makes the failure really happen against the stand-in (a post Slack accepted whose
``sent`` was never recorded, a lost answer, a claim that expired) and checks what people see
(how many messages in the channel) and what the ledger says.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import update

from bot.cli import main
from bot.slack import delivery
from bot.slack.blocks import plain_message
from bot.slack.client import LIMITS, CallLimits, build_web_client
from bot.slack.delivery import LEASE_SECONDS, Outcome, Outgoing, deliver_all, lease_is_safe, run_once
from bot.slack.verify import METADATA_EVENT
from storage import ledger
from storage.db import Database
from storage.models import Delivery, utcnow
from tests.conftest import make_context, make_settings, set_cli_environment
from tests.constants import ALICE, BOT_TOKEN
from tests.slack_standin import SlackStandIn

CHANNEL = "C0ONCE0001"


def one(key: str = "once:1", channel: str = CHANNEL, text: str = "hello once") -> Outgoing:
    return Outgoing(key=key, job="once", channel=channel, message=plain_message(text))


def expire(db: Database, key: str) -> None:
    """The claim's lease runs out (as when its process died or hung)."""
    with db.transaction() as session:
        session.execute(
            update(Delivery).where(Delivery.key == key).values(claimed_until=utcnow() - timedelta(seconds=1))
        )


def row(db: Database, key: str) -> Delivery:
    with db.reader() as session:
        found = session.get(Delivery, ledger_id(db, key))
        assert found is not None
        return found


def ledger_id(db: Database, key: str) -> int:
    from sqlalchemy import select

    with db.reader() as session:
        return session.scalars(select(Delivery.id).where(Delivery.key == key)).one()


@pytest.fixture
def recording_lost(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Slack accepts the post but recording ``sent`` fails (the database went away), once."""
    real = ledger.mark_sent
    calls = {"n": 0}

    def broken(db: Database, claim: ledger.Claim, ts: str | None) -> bool:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("database went away")
        return real(db, claim, ts)

    monkeypatch.setattr(ledger, "mark_sent", broken)
    yield


# --- claim tokens ----------------------------------------------------------------------------


def test_a_late_first_sender_cannot_reset_a_re_claim(db: Database) -> None:
    ledger.record_intent(db, key="k", job="j", channel=CHANNEL, payload="{}")
    first = ledger.claim(db, "k", lease_seconds=60)
    assert first is not None and first.token and first.verify_since is None
    assert ledger.claim(db, "k") is None  # held
    later = utcnow() + timedelta(seconds=61)
    second = ledger.claim(db, "k", lease_seconds=60, now=later)  # the first claim expired
    assert second is not None and second.token != first.token
    assert second.verify_since == first.claimed_at  # the first may have posted: check before sending
    # the first sender finally comes back: it can record nothing over the second's claim
    assert not ledger.mark_failed(db, first, "timeout")
    assert not ledger.mark_sent(db, first, "1.000001")
    assert not ledger.mark_unknown(db, first, "x")
    assert not ledger.renew(db, first, 60)
    current = row(db, "k")
    assert (current.status, current.claim_token, current.ts) == ("sending", second.token, None)
    assert ledger.mark_sent(db, second, "2.000002")
    assert (row(db, "k").status, row(db, "k").ts) == ("sent", "2.000002")
    assert not ledger.mark_failed(db, second, "late")  # settled: even its own claim is over
    assert row(db, "k").status == "sent"


def test_every_post_carries_its_ledger_key_in_metadata(db_url: str, slack: SlackStandIn) -> None:
    ctx = make_context(db_url, slack)
    deliver_all(ctx, [one()])
    (posted,) = slack.messages(CHANNEL)
    assert posted["metadata"] == {"event_type": METADATA_EVENT, "event_payload": {"key": "once:1"}}
    ctx.db.dispose()


# --- the lease outlasts any one call -----------------------------------------------------------


def test_the_lease_is_longer_than_any_web_api_call_can_take() -> None:
    worst = LIMITS.worst_case_seconds()
    # 4 attempts x (8 s connecting + 8 s answering) + 3 pauses of at most 10 s Retry-After + 1 s jitter
    assert worst == 4 * 2 * 8 + 3 * 11
    assert worst + delivery.SENDER_OVERHEAD_SECONDS < LEASE_SECONDS
    assert lease_is_safe()
    assert not CallLimits(timeout=30, retries=6).worst_case_seconds() < LEASE_SECONDS  # what it was


def test_a_long_retry_after_fails_fast_instead_of_outliving_the_lease(slack: SlackStandIn) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=slack.base_url, retry_handlers=build_web_client_handlers())
    slack.fail_next(1, status=429, retry_after=LIMITS.max_retry_after + 50, method="chat.postMessage")
    started = time.monotonic()
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel=CHANNEL, text="hi")
    assert time.monotonic() - started < 5
    slack.fail_next(1, status=429, retry_after=0, method="chat.postMessage")
    assert client.chat_postMessage(channel=CHANNEL, text="hi")["ok"]  # a short one is waited for


def build_web_client_handlers() -> list[Any]:
    from bot.slack.client import retry_handlers

    return retry_handlers(backoff_factor=0.01)


def test_the_bot_client_uses_the_bounded_limits(db_url: str, slack: SlackStandIn) -> None:
    client = build_web_client(make_settings(db_url, slack))
    assert client.timeout == LIMITS.timeout
    assert all(h.max_retry_count == LIMITS.retries for h in client.retry_handlers)


# --- no blind re-send ----------------------------------------------------------------------------


def test_a_post_slack_accepted_but_not_recorded_is_found_not_resent(
    db_url: str, slack: SlackStandIn, recording_lost: None
) -> None:
    ctx = make_context(db_url, slack)
    first = deliver_all(ctx, [one()])
    assert first.sent == 0  # the sender could not record it...
    assert len(slack.messages(CHANNEL)) == 1  # ...but Slack has it
    assert ledger.status_of(ctx.db, "once:1") == "sending"
    assert deliver_all(ctx, [one()]).skipped == 1  # its claim still holds: nobody touches it
    expire(ctx.db, "once:1")

    again = deliver_all(ctx, [one()])

    assert again.sent == 1
    assert len(slack.messages(CHANNEL)) == 1  # found in the channel, not posted again
    (history,) = slack.calls_to("conversations.history")
    assert history.args["channel"] == CHANNEL
    assert history.args["include_all_metadata"] in (True, "1", "true")
    claimed = float(history.args["oldest"])
    assert claimed <= time.time() and claimed > time.time() - 600
    stored = row(ctx.db, "once:1")
    assert (stored.status, stored.ts) == ("sent", slack.messages(CHANNEL)[0].get("ts") or stored.ts)
    assert stored.ts == slack.calls_to("chat.postMessage")[0].response["ts"]  # type: ignore[index]
    ctx.db.dispose()


def test_an_expired_claim_that_never_posted_is_sent_after_checking(db_url: str, slack: SlackStandIn) -> None:
    ctx = make_context(db_url, slack)
    ledger.record_intents(ctx.db, [delivery._intent(one())])
    assert ledger.claim(ctx.db, "once:1", lease_seconds=0) is not None  # the process died before posting
    assert deliver_all(ctx, [one()]).sent == 1
    assert len(slack.calls_to("conversations.history")) == 1
    assert len(slack.messages(CHANNEL)) == 1
    ctx.db.dispose()


@pytest.mark.parametrize("error", ["missing_scope", "not_in_channel"])
def test_where_the_channel_cannot_be_read_the_row_is_left_unknown(
    db_url: str, slack: SlackStandIn, recording_lost: None, error: str
) -> None:
    ctx = make_context(db_url, slack)
    slack.deny_history(error)
    deliver_all(ctx, [one()])
    expire(ctx.db, "once:1")
    again = deliver_all(ctx, [one()])
    assert (again.sent, again.unknown) == (0, 1)
    assert "1 to check by hand" in again.describe()
    assert len(slack.messages(CHANNEL)) == 1  # not sent blind
    assert (row(ctx.db, "once:1").status, row(ctx.db, "once:1").last_error) == ("unknown", error)
    assert deliver_all(ctx, [one()]).skipped == 1  # and left alone by later runs
    assert len(slack.messages(CHANNEL)) == 1
    ctx.db.dispose()


def test_a_direct_message_is_never_resent_blind(
    db_url: str, slack: SlackStandIn, recording_lost: None
) -> None:
    ctx = make_context(db_url, slack)
    dm = one("once:dm", channel=ALICE)
    deliver_all(ctx, [dm])
    expire(ctx.db, "once:dm")
    assert deliver_all(ctx, [dm]).unknown == 1
    assert slack.calls_to("conversations.history") == []  # DMs are not read at all
    assert len(slack.messages()) == 1
    assert row(ctx.db, "once:dm").last_error == "direct_message"
    ctx.db.dispose()


def test_a_lost_answer_is_checked_before_the_next_attempt(
    db_url: str, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slack posts the message but the answer never arrives (a read timeout): no blind retry."""
    ctx = make_context(db_url, slack)
    real = ctx.client.chat_postMessage
    lost = {"n": 1}

    def post_then_time_out(**kwargs: Any) -> Any:
        response = real(**kwargs)
        if lost["n"]:
            lost["n"] -= 1
            raise TimeoutError("The read operation timed out")
        return response

    monkeypatch.setattr(ctx.client, "chat_postMessage", post_then_time_out)
    first = deliver_all(ctx, [one()])
    assert first.failed == 1 and len(slack.messages(CHANNEL)) == 1
    assert row(ctx.db, "once:1").verify_since is not None
    again = deliver_all(ctx, [one()])
    assert again.sent == 1 and len(slack.messages(CHANNEL)) == 1
    assert row(ctx.db, "once:1").status == "sent"
    ctx.db.dispose()


def test_a_thread_reply_is_looked_for_in_its_thread(
    db_url: str, slack: SlackStandIn, recording_lost: None
) -> None:
    ctx = make_context(db_url, slack)
    parent = one("once:parent")
    deliver_all(ctx, [parent])  # recording the parent fails: it stays "sending"...
    expire(ctx.db, "once:parent")
    deliver_all(ctx, [parent])  # ...and is found
    reply = Outgoing("once:reply", "once", CHANNEL, plain_message("in the thread"), thread_key="once:parent")
    # a reply is posted, then its process dies before recording it
    ledger.record_intents(ctx.db, [delivery._intent(reply)])
    claim = ledger.claim(ctx.db, "once:reply", lease_seconds=0)
    assert claim is not None
    parent_ts = ledger.sent_ts(ctx.db, "once:parent")
    ctx.client.chat_postMessage(
        channel=CHANNEL,
        text="in the thread",
        thread_ts=parent_ts,
        metadata={"event_type": METADATA_EVENT, "event_payload": {"key": "once:reply"}},
    )
    assert deliver_all(ctx, [reply]).sent == 1
    assert len(slack.calls_to("conversations.replies")) == 1
    assert slack.calls_to("conversations.replies")[0].args["ts"] == parent_ts
    assert len([m for m in slack.messages(CHANNEL) if m.get("thread_ts")]) == 1
    ctx.db.dispose()


def test_history_that_cannot_be_read_now_is_checked_again_later(
    db_url: str, slack: SlackStandIn, recording_lost: None
) -> None:
    ctx = make_context(db_url, slack)
    deliver_all(ctx, [one()])
    expire(ctx.db, "once:1")
    slack.fail_next(LIMITS.retries + 1, status=503, method="conversations.history")
    assert deliver_all(ctx, [one()]).failed == 1
    stored = row(ctx.db, "once:1")
    assert stored.status == "pending" and stored.verify_since is not None  # still to be checked
    assert deliver_all(ctx, [one()]).sent == 1
    assert len(slack.messages(CHANNEL)) == 1
    ctx.db.dispose()


# --- dead letters ----------------------------------------------------------------------------------


def test_a_message_that_keeps_failing_ends_dead_and_can_be_retried_by_hand(
    db_url: str, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ctx = make_context(db_url, slack)
    slack.fail_next(1000, status=400, method="chat.postMessage")  # refused every time
    outcomes = [deliver_all(ctx, [one()]) for _ in range(ledger.MAX_ATTEMPTS)]
    assert [o.failed for o in outcomes[:-1]] == [1] * (ledger.MAX_ATTEMPTS - 1)
    assert outcomes[-1].dead == 1 and "1 given up" in outcomes[-1].describe()
    posts = len(slack.calls_to("chat.postMessage"))
    assert deliver_all(ctx, [one()]).skipped == 1  # no longer retried
    assert len(slack.calls_to("chat.postMessage")) == posts
    assert row(ctx.db, "once:1").status == "dead"

    set_cli_environment(monkeypatch, db_url, slack)
    assert main(["deliveries", "list", "--status", "dead"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 2 and listed[1].split()[:2] == ["dead", str(ledger.MAX_ATTEMPTS)]
    assert listed[1].endswith(" once:1") and CHANNEL in listed[1]
    assert "hello once" not in "\n".join(listed)  # never the message text

    slack.clear_failures()
    assert main(["deliveries", "retry", "once:1"]) == 0
    assert capsys.readouterr().out == "once:1: sent\n"
    assert len(slack.messages(CHANNEL)) == 1 and row(ctx.db, "once:1").status == "sent"
    assert main(["deliveries", "retry", "once:1"]) == 1  # sent: nothing to retry
    assert "not retried (it is sent" in capsys.readouterr().err
    assert main(["deliveries", "list"]) == 0
    assert capsys.readouterr().out == "No deliveries are pending or sending or dead or unknown.\n"
    ctx.db.dispose()


def test_retry_all_dead(db_url: str, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = make_context(db_url, slack)
    slack.fail_next(1000, status=400, method="chat.postMessage")
    batch = [one(f"once:{i}", channel=f"C0ONCE000{i}") for i in range(3)]
    for _ in range(ledger.MAX_ATTEMPTS):
        deliver_all(ctx, batch)
    assert set(ledger.statuses(ctx.db, "once").values()) == {"dead"}
    slack.clear_failures()
    set_cli_environment(monkeypatch, db_url, slack)
    assert main(["deliveries", "retry", "--all-dead"]) == 0
    assert set(ledger.statuses(ctx.db, "once").values()) == {"sent"}
    assert len(slack.messages()) == 3
    ctx.db.dispose()


def test_a_side_effect_that_keeps_failing_ends_dead(db_url: str, slack: SlackStandIn) -> None:
    """A chart upload that keeps failing is given up instead of retried every 10 minutes forever."""
    ctx = make_context(db_url, slack)
    attempts = {"n": 0}

    def upload(_client: WebClient, _thread_ts: str | None) -> str | None:
        attempts["n"] += 1
        raise OSError("upload failed")

    outcomes = [
        run_once(ctx, key="once:chart", job="measures", channel=CHANNEL, action=upload)
        for _ in range(ledger.MAX_ATTEMPTS + 2)
    ]
    assert outcomes[: ledger.MAX_ATTEMPTS - 1] == [Outcome.FAILED] * (ledger.MAX_ATTEMPTS - 1)
    assert outcomes[ledger.MAX_ATTEMPTS - 1] == Outcome.DEAD
    assert outcomes[ledger.MAX_ATTEMPTS :] == [Outcome.SKIPPED, Outcome.SKIPPED]
    assert attempts["n"] == ledger.MAX_ATTEMPTS
    ctx.db.dispose()


def test_delivery_retries_give_up_on_a_chart_they_cannot_redo(db_url: str, slack: SlackStandIn) -> None:
    from bot.slack.delivery import retry_pending

    ctx = make_context(db_url, slack)
    assert run_once(ctx, key="once:chart", job="measures", channel=CHANNEL, action=_fails) == Outcome.FAILED
    results = [retry_pending(ctx, "measures") for _ in range(ledger.MAX_ATTEMPTS - 1)]
    assert results[-2].failed == 1 and results[-1].dead == 1
    assert retry_pending(ctx, "measures").describe().startswith("0 sent, 0 already sent, 0 failed")
    ctx.db.dispose()


def _fails(_client: WebClient, _thread_ts: str | None) -> str | None:
    raise OSError("upload failed")
