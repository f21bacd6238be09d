"""The delivery ledger sends each message once, on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.slack.blocks import plain_message
from bot.slack.delivery import Outgoing, deliver_all, retry_pending
from storage import ledger
from storage.db import Database
from tests.conftest import make_context
from tests.slack_standin import SlackStandIn


def outgoing(n: int) -> list[Outgoing]:
    return [
        Outgoing(key=f"test:{i}", job="test", channel=f"C0CHAN{i:04d}", message=plain_message(f"hello {i}"))
        for i in range(n)
    ]


def test_running_twice_sends_once(db_url: str, slack: SlackStandIn) -> None:
    ctx = make_context(db_url, slack)
    first = deliver_all(ctx, outgoing(5))
    second = deliver_all(ctx, outgoing(5))
    assert (first.sent, second.sent, second.skipped) == (5, 0, 5)
    assert len(slack.messages()) == 5
    ctx.db.dispose()


def test_failed_send_stays_pending_and_the_next_run_sends_it(db_url: str, slack: SlackStandIn) -> None:
    ctx = make_context(db_url, slack)
    slack.fail_next(20, status=503, method="chat.postMessage")
    first = deliver_all(ctx, outgoing(1))
    assert first.failed == 1 and slack.messages() == []
    assert ledger.status_of(ctx.db, "test:0") == "pending"
    slack.clear_failures()
    again = retry_pending(ctx)
    assert again.sent == 1
    assert len(slack.messages()) == 1
    ctx.db.dispose()


def test_a_claim_is_exclusive(db: Database) -> None:
    ledger.record_intent(db, key="k", job="j", channel="C1", payload="{}")
    assert ledger.claim(db, "k") is not None
    assert ledger.claim(db, "k") is None


def test_housekeeping_forgets_old_event_ids(db_url: str, slack: SlackStandIn) -> None:
    from datetime import timedelta

    from jobs.housekeeping import run
    from storage.models import ProcessedEvent
    from storage.slack_events import first_delivery

    ctx = make_context(db_url, slack)
    db = ctx.db
    assert first_delivery(db, "Ev0OLD")
    with db.transaction() as session:
        old = session.get(ProcessedEvent, "Ev0OLD")
        assert old is not None
        old.received_at = ctx.now() - timedelta(days=8)
    assert first_delivery(db, "Ev0NEW")
    assert run(ctx, None, ctx.now()).startswith("forgot 1 ")  # type: ignore[arg-type]
    assert not first_delivery(db, "Ev0NEW")
    assert first_delivery(db, "Ev0OLD")
