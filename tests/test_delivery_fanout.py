"""Fan-out through the ledger: paced per channel, concurrent across channels, exactly once."""

from __future__ import annotations

import time
from collections import Counter

from bot.slack.blocks import plain_message
from bot.slack.delivery import PACING_MARGIN, Outgoing, deliver_all
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
    """Posts to one channel start at least the interval apart; channels are served side by side.

    Pacing is asserted on the sender's own measured schedule (``post_starts``, the moments each
    post started), exactly. What Slack sees is that schedule plus each request's travel time, so
    the arrival gaps are checked with a tolerance derived from the travel times measured in this
    run (not a fixed fraction that a loaded machine can exceed).
    """
    ctx = make_context(db_url, slack)
    interval = 0.2
    offset = time.time() - time.monotonic()  # stand-in arrival times are wall-clock
    summary = deliver_all(ctx, messages(4, 3), per_channel_interval=interval)
    assert summary.sent == 12
    starts = summary.post_starts
    assert sorted(starts) == [f"C0FAN{c:05d}" for c in range(4)]
    arrivals = {
        channel: [c.at for c in slack.calls_to("chat.postMessage") if c.args["channel"] == channel and c.ok]
        for channel in starts
    }
    travel = [a - (s + offset) for ch in starts for s, a in zip(starts[ch], arrivals[ch], strict=True)]
    jitter = max(travel) - min(travel)
    for channel, times in starts.items():
        assert len(times) == 3
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert all(gap >= interval * PACING_MARGIN - 1e-9 for gap in gaps), gaps
        seen = [b - a for a, b in zip(arrivals[channel], arrivals[channel][1:], strict=False)]
        assert all(gap >= interval * PACING_MARGIN - jitter for gap in seen), (seen, jitter)
    # concurrent: every channel's first post started before any channel's last one (one channel
    # after another would need all three posts of the first channel before the second's first)
    assert max(times[0] for times in starts.values()) < min(times[-1] for times in starts.values())
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
