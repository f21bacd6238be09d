"""Fan-out through the ledger: paced per channel, concurrent across channels, exactly once."""

from __future__ import annotations

import time
from collections import Counter

from bot.slack.blocks import plain_message
from bot.slack.delivery import Outgoing, deliver_all
from storage import ledger
from tests.conftest import make_context
from tests.slack_standin import SlackStandIn


def messages(channels: int, per_channel: int) -> list[Outgoing]:
    return [
        Outgoing(
            key=f"fan:{c}:{i}",
            job="fan",
            channel=f"C0FAN{c:05d}",
            message=plain_message(f"message {i} for channel {c}"),
        )
        for c in range(channels)
        for i in range(per_channel)
    ]


def test_each_channel_is_paced_and_channels_are_sent_concurrently(db_url: str, slack: SlackStandIn) -> None:
    ctx = make_context(db_url, slack)
    interval = 0.1
    started = time.monotonic()
    summary = deliver_all(ctx, messages(4, 3), per_channel_interval=interval)
    elapsed = time.monotonic() - started
    assert summary.sent == 12
    for c in range(4):
        times = [
            call.at for call in slack.calls_to("chat.postMessage") if call.args["channel"] == f"C0FAN{c:05d}"
        ]
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert all(gap >= interval * 0.9 for gap in gaps), gaps  # paced by start time; arrival jitters
    # 2 paced gaps per channel; sequential channels would need 4 x 2 x interval
    assert elapsed < 4 * 2 * interval
    ctx.db.dispose()


def test_a_run_that_dies_after_n_of_m_completes_without_duplicates(db_url: str, slack: SlackStandIn) -> None:
    """The first run stops after 3 of 8 sends and leaves a claim behind (as a killed process would)."""
    ctx = make_context(db_url, slack)
    outgoing = messages(8, 1)
    first = deliver_all(ctx, outgoing, limit=3, per_channel_interval=0)
    assert first.sent == 3
    unsent = [o.key for o in outgoing if ledger.status_of(ctx.db, o.key) == "pending"]
    # the dead process had claimed one more; its lease has run out
    assert ledger.claim(ctx.db, unsent[0], lease_seconds=0) is not None
    # a claim that is still leased is left alone by the next run...
    assert ledger.claim(ctx.db, unsent[1], lease_seconds=60) is not None
    second = deliver_all(ctx, outgoing, per_channel_interval=0)
    assert (second.sent, second.skipped) == (4, 4)
    # ...and sent once its lease expires
    with ctx.db.transaction() as session:
        from sqlalchemy import update

        from storage.models import Delivery, utcnow

        session.execute(update(Delivery).where(Delivery.key == unsent[1]).values(claimed_until=utcnow()))
    third = deliver_all(ctx, outgoing, per_channel_interval=0)
    assert third.sent == 1
    texts = Counter(m["text"] for m in slack.messages())
    assert len(texts) == 8 and set(texts.values()) == {1}
    assert set(ledger.statuses(ctx.db, "fan").values()) == {"sent"}
    ctx.db.dispose()
