"""Sending scheduled messages through the delivery ledger, so each is sent exactly once.

Jobs describe what they intend to send as :class:`Outgoing` messages with unique keys
(job, collaborative, team or channel, period or event, step). :func:`deliver_all` records the
intents (one transaction), then claims and posts each with the retrying WebClient and records
Slack's ``ts``. A send that still fails after slack_sdk's retry handlers (429 with Retry-After,
5xx, connection errors) goes back to pending; the next run of the job, which intends the same
keys, sends it then. A claim taken by a process that died expires after its lease.

Fan-out respects Slack's ~1 message per second per channel without stalling on one channel:
messages are grouped by channel, a small pool of workers always takes the channel that is ready
soonest, and each channel is paced client-side (``per_channel_interval`` between the starts of
consecutive posts; a rare 429 from timing jitter is retried by slack_sdk's Retry-After handler).
Each message goes out with the token of its collaborative's workspace (``BotContext.client_for``).
When the app was removed from that workspace (or no installation serves it) the message is *held*:
left pending, not claimed and not attempted, until the app is installed again.
Nothing here logs message text.
"""

from __future__ import annotations

import heapq
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.context import BotContext
from bot.slack.blocks import Message
from bot.slack.client import slack_error_code
from storage import ledger

log = logging.getLogger(__name__)

#: Slack allows about one message per second per channel (short bursts are tolerated).
PER_CHANNEL_INTERVAL = 1.0
#: Posts to one channel start this much more than ``per_channel_interval`` apart, so network
#: jitter rarely makes two arrive closer than Slack allows.
PACING_MARGIN = 1.02
#: Channels served at once; each worker sends to one channel at a time.
WORKERS = 8
#: A worker takes a paced channel this early, to claim the next message while the channel waits.
CLAIM_AHEAD = 0.05
#: How long a claim protects a message being sent from other senders.
LEASE_SECONDS = 120.0


class Outcome(StrEnum):
    """What one attempt to send a ledger row did."""

    SENT = "sent"
    SKIPPED = "skipped"  # sent before, or being sent by someone else
    FAILED = "failed"  # left pending: a later run sends it
    HELD = "held"  # the app is not installed in the workspace: left pending, not attempted


@dataclass(frozen=True)
class Outgoing:
    key: str
    job: str
    channel: str  # a channel ID, or a user ID for a direct message
    message: Message
    collaborative_id: int | None = None
    thread_key: str | None = None  # ledger key of the message this one replies to


@dataclass
class DeliverySummary:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    sent_keys: list[str] = field(default_factory=list)
    held: int = 0

    def add(self, other: DeliverySummary) -> None:
        self.sent += other.sent
        self.skipped += other.skipped
        self.failed += other.failed
        self.held += other.held
        self.sent_keys.extend(other.sent_keys)

    def describe(self) -> str:
        text = f"{self.sent} sent, {self.skipped} already sent, {self.failed} failed (will retry)"
        return text + (f", {self.held} held (app not installed)" if self.held else "")


@dataclass(frozen=True)
class _Result:
    outcome: Outcome
    posted_at: float | None = None  # time.monotonic() when the (last successful) post started


class _NotYet(Exception):
    pass


SIDE_EFFECT = "side_effect"


class _Clients:
    """Each collaborative's client, looked up once per run (None: the app is not installed there)."""

    def __init__(self, ctx: BotContext) -> None:
        self.ctx = ctx
        self._known: dict[int | None, WebClient | None] = {}
        self._lock = threading.Lock()

    def __call__(self, collaborative_id: int | None) -> WebClient | None:
        with self._lock:
            if collaborative_id not in self._known:
                self._known[collaborative_id] = self.ctx.client_for(collaborative_id)
            return self._known[collaborative_id]


def _post(ctx: BotContext, client: WebClient, claim: ledger.Claim) -> tuple[str | None, float]:
    payload = json.loads(claim.payload)
    if payload.get(SIDE_EFFECT):  # only its own job can redo it (see run_once)
        raise _NotYet("side_effect_not_replayable")
    thread_ts = ledger.sent_ts(ctx.db, claim.thread_key) if claim.thread_key else None
    if claim.thread_key and thread_ts is None:
        raise _NotYet("parent_not_sent")
    started = time.monotonic()
    response = client.chat_postMessage(
        channel=claim.channel,
        text=payload.get("text", ""),
        blocks=payload.get("blocks"),
        thread_ts=thread_ts,
        unfurl_links=False,
    )
    ts = response.get("ts")
    return (str(ts) if ts is not None else None), started


def _send(
    ctx: BotContext, client: WebClient | None, key: str, lease_seconds: float, not_before: float = 0.0
) -> _Result:
    """Claim ``key``, wait until ``not_before`` (time.monotonic), post it with ``client`` (the
    collaborative's workspace's) and record the outcome; without a client it is held, unclaimed.

    Claiming before the wait keeps the database round trip out of the channel's pacing.
    """
    if client is None:
        return _Result(Outcome.HELD)
    claim = ledger.claim(ctx.db, key, lease_seconds=lease_seconds)
    if claim is None:
        return _Result(Outcome.SKIPPED)
    delay = not_before - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    try:
        ts, posted = _post(ctx, client, claim)
    except SlackApiError as exc:
        error = slack_error_code(exc)
        log.warning("delivery %s failed: %s", key, error)
        ledger.mark_failed(ctx.db, key, error)
        return _Result(Outcome.FAILED, time.monotonic())
    except (SlackClientError, OSError, ValueError, _NotYet) as exc:
        log.warning("delivery %s failed: %s", key, type(exc).__name__)
        ledger.mark_failed(ctx.db, key, type(exc).__name__)
        return _Result(Outcome.FAILED, time.monotonic())
    ledger.mark_sent(ctx.db, key, ts)
    return _Result(Outcome.SENT, posted)


def send_claimed(ctx: BotContext, key: str, lease_seconds: float = LEASE_SECONDS) -> Outcome:
    """Claim and send one ledger row; returns 'sent', 'skipped', 'failed' or 'held'."""
    client = ctx.client_for(ledger.collaboratives_of(ctx.db, [key]).get(key))
    return _send(ctx, client, key, lease_seconds).outcome


def deliver(ctx: BotContext, out: Outgoing) -> Outcome:
    ledger.record_intents(ctx.db, [_intent(out)])
    return _send(ctx, ctx.client_for(out.collaborative_id), out.key, LEASE_SECONDS).outcome


def _intent(out: Outgoing) -> ledger.Intent:
    return ledger.Intent(
        key=out.key,
        job=out.job,
        channel=out.channel,
        payload=json.dumps(out.message),
        collaborative_id=out.collaborative_id,
        thread_key=out.thread_key,
    )


def deliver_all(
    ctx: BotContext,
    outgoing: Iterable[Outgoing],
    *,
    per_channel_interval: float = PER_CHANNEL_INTERVAL,
    workers: int = WORKERS,
    limit: int | None = None,
    lease_seconds: float = LEASE_SECONDS,
) -> DeliverySummary:
    """Record and send every message once; ``limit`` stops after that many sends this run."""
    items = list({out.key: out for out in outgoing}.values())
    ledger.record_intents(ctx.db, [_intent(out) for out in items])
    return _fan_out(
        ctx, [(out.channel, out.key) for out in items], per_channel_interval, workers, limit, lease_seconds
    )


def retry_pending(
    ctx: BotContext,
    job: str | None = None,
    *,
    collaborative_id: int | None = None,
    per_channel_interval: float = PER_CHANNEL_INTERVAL,
    workers: int = WORKERS,
) -> DeliverySummary:
    """Send what earlier runs left pending (or abandoned mid-send past its lease)."""
    pairs = ledger.pending(ctx.db, job, collaborative_id=collaborative_id)
    return _fan_out(ctx, pairs, per_channel_interval, workers, None, LEASE_SECONDS)


class _FanOut:
    """Workers take the channel that may be posted to soonest; one post in flight per channel."""

    def __init__(
        self,
        ctx: BotContext,
        pairs: Sequence[tuple[str, str]],
        interval: float,
        limit: int | None,
        lease_seconds: float,
    ) -> None:
        self.ctx = ctx
        self.interval = interval
        self.limit = limit
        self.lease_seconds = lease_seconds
        self.clients = _Clients(ctx)
        self.collaboratives = ledger.collaboratives_of(ctx.db, [key for _, key in pairs])
        self.queues: dict[str, deque[str]] = {}
        for channel, key in pairs:
            self.queues.setdefault(channel, deque()).append(key)
        now = time.monotonic()
        self.ready: list[tuple[float, int, str]] = [(now, i, ch) for i, ch in enumerate(self.queues)]
        heapq.heapify(self.ready)
        self.order = {ch: i for i, ch in enumerate(self.queues)}
        self.cond = threading.Condition()
        self.in_flight = 0
        self.summary = DeliverySummary()

    def _next(self) -> tuple[str, str, float] | None:
        with self.cond:
            while True:
                if self.limit is not None and self.summary.sent + self.in_flight >= self.limit:
                    if self.in_flight == 0 or self.summary.sent >= self.limit:
                        return None
                    self.cond.wait()
                    continue
                if not self.ready:
                    if self.in_flight == 0:
                        return None
                    self.cond.wait()
                    continue
                ready_at, _, channel = self.ready[0]
                delay = ready_at - CLAIM_AHEAD - time.monotonic()
                if delay > 0:
                    self.cond.wait(delay)
                    continue
                heapq.heappop(self.ready)
                self.in_flight += 1
                return channel, self.queues[channel].popleft(), ready_at

    def _done(self, channel: str, key: str, result: _Result) -> None:
        with self.cond:
            self.in_flight -= 1
            count_outcome(self.summary, result.outcome, key)
            if self.queues[channel]:
                base = result.posted_at if result.posted_at is not None else time.monotonic()
                wait = self.interval * PACING_MARGIN if result.posted_at is not None else 0.0
                heapq.heappush(self.ready, (base + wait, self.order[channel], channel))
            self.cond.notify_all()

    def work(self) -> None:
        while (item := self._next()) is not None:
            channel, key, ready_at = item
            result = _Result(Outcome.FAILED)
            try:
                client = self.clients(self.collaboratives.get(key))
                result = _send(self.ctx, client, key, self.lease_seconds, not_before=ready_at)
            except Exception:  # a database hiccup: the row stays claimable, the next run retries
                log.exception("delivery %s could not be recorded", key)
            finally:
                self._done(channel, key, result)

    def run(self, workers: int) -> DeliverySummary:
        count = max(1, min(workers, len(self.queues)))
        if count == 1:
            self.work()
            return self.summary
        threads = [threading.Thread(target=self.work, name=f"delivery-{i}") for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return self.summary


def _fan_out(
    ctx: BotContext,
    pairs: Sequence[tuple[str, str]],
    interval: float,
    workers: int,
    limit: int | None,
    lease_seconds: float,
) -> DeliverySummary:
    if not pairs:
        return DeliverySummary()
    return _FanOut(ctx, pairs, interval, limit, lease_seconds).run(workers)


def count_outcome(summary: DeliverySummary, outcome: Outcome, key: str) -> None:
    """Add one ``deliver``/``run_once``/``_send`` outcome to ``summary``."""
    if outcome == Outcome.SENT:
        summary.sent += 1
        summary.sent_keys.append(key)
    elif outcome == Outcome.SKIPPED:
        summary.skipped += 1
    elif outcome == Outcome.HELD:
        summary.held += 1
    else:
        summary.failed += 1


def run_once(
    ctx: BotContext,
    *,
    key: str,
    job: str,
    channel: str,
    action: Callable[[WebClient, str | None], str | None],
    collaborative_id: int | None = None,
    thread_key: str | None = None,
) -> Outcome:
    """Do a side effect other than a message (e.g. a file upload) once per ``key``.

    ``action(client, thread_ts)`` gets the collaborative's workspace's client and the ``ts`` of the
    ``thread_key`` message (None without one) and returns an id to record. Returns 'sent',
    'skipped' (done before, or in progress elsewhere), 'failed' (left pending: the job that owns it
    does it when it runs again) or 'held' (the app is not installed there; left pending).
    """
    ledger.record_intent(
        ctx.db,
        key=key,
        job=job,
        channel=channel,
        payload=json.dumps({SIDE_EFFECT: True}),
        collaborative_id=collaborative_id,
        thread_key=thread_key,
    )
    client = ctx.client_for(collaborative_id)
    if client is None:
        return Outcome.HELD
    if ledger.claim(ctx.db, key) is None:
        return Outcome.SKIPPED
    thread_ts = ledger.sent_ts(ctx.db, thread_key) if thread_key else None
    try:
        if thread_key and thread_ts is None:
            raise _NotYet("parent_not_sent")
        result = action(client, thread_ts)
    except SlackApiError as exc:
        error = slack_error_code(exc)
        log.warning("side effect %s failed: %s", key, error)
        ledger.mark_failed(ctx.db, key, error)
        return Outcome.FAILED
    except (SlackClientError, OSError, _NotYet) as exc:
        log.warning("side effect %s failed: %s", key, type(exc).__name__)
        ledger.mark_failed(ctx.db, key, type(exc).__name__)
        return Outcome.FAILED
    ledger.mark_sent(ctx.db, key, result)
    return Outcome.SENT
