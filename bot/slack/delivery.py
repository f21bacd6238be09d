"""Sending scheduled messages through the delivery ledger: each is posted at most once per claim,
and never again blindly once it may have been posted.

Jobs describe what they intend to send as :class:`Outgoing` messages with unique keys
(job, collaborative, team or channel, period or event, step). :func:`deliver_all` records the
intents (one transaction), then claims and posts each with the WebClient it is given and records
Slack's ``ts``. Each message carries its key in Slack message metadata.

* A send that fails after slack_sdk's retries goes back to pending; the next run of the job (which
  intends the same keys) sends it then. After ``ledger.MAX_ATTEMPTS`` failed claims it is
  ``dead``: no longer retried, listed by ``collab-bot deliveries list``.
* A claim lasts :data:`LEASE_SECONDS`, longer than one Web API call can take with its retries
  (``bot.slack.client.LIMITS``); a claim whose process died expires after it.
* When an earlier attempt may have reached Slack unseen (its claim expired, or the answer was
  lost), the next sender first looks for the key in the channel (``bot.slack.verify``): found, it
  records that message; unreadable (a DM, no history scope), the row becomes ``unknown`` for a
  person to check; only when the channel shows it was not posted is it posted.

Fan-out respects Slack's ~1 message per second per channel without stalling on one channel:
messages are grouped by channel, a small pool of workers always takes the channel that is ready
soonest, and each channel is paced client-side (``per_channel_interval`` between the starts of
consecutive posts; a rare 429 from timing jitter is retried by slack_sdk's Retry-After handler).
Each message goes out with the token of its collaborative's workspace (``BotContext.client_for``),
and is looked for with that same client. When the app was removed from that workspace (or no
installation serves it) the message is *held*: left pending, not claimed and not attempted, until
the app is installed again.
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
from http.client import RemoteDisconnected
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.context import BotContext
from bot.slack import watch
from bot.slack.blocks import Message
from bot.slack.client import LIMITS, slack_error_code
from bot.slack.verify import Finding, delivery_metadata, find_posted
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
#: What a sender does inside a claim besides the one Web API call: database round trips (each
#: bounded by the database timeouts), the pacing wait, reading the thread's parent.
SENDER_OVERHEAD_SECONDS = 30.0
#: How long a claim protects a message being sent from other senders. Each Web API call in a
#: claim starts with at least this much lease left (the claim is renewed between calls), so it
#: must exceed ``LIMITS.worst_case_seconds() + SENDER_OVERHEAD_SECONDS`` (a test checks it).
LEASE_SECONDS = 150.0
#: A file upload (``files_upload_v2``) makes up to this many calls in one claim, after rendering.
UPLOAD_CALLS = 3
RENDER_SECONDS = 60.0
UPLOAD_LEASE_SECONDS = 600.0
#: Errors after which Slack may have posted the message without us hearing the answer.
ANSWER_LOST = (TimeoutError, ConnectionResetError, RemoteDisconnected)


class Outcome(StrEnum):
    """What one attempt to send a ledger row did."""

    SENT = "sent"
    SKIPPED = "skipped"  # sent before, or being sent by someone else
    FAILED = "failed"  # left pending: a later run sends it
    DEAD = "dead"  # failed too often: left for `collab-bot deliveries retry`
    UNKNOWN = "unknown"  # may have been sent and the channel cannot be checked: a person looks
    PLANNED = "planned"  # a dry run: would be sent
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
    dead: int = 0
    unknown: int = 0
    planned: int = 0  # a dry run: would be sent
    held: int = 0
    dry_run: bool = False
    sent_keys: list[str] = field(default_factory=list)
    #: channel -> time.monotonic() at the start of each post, in order (the pacing schedule).
    post_starts: dict[str, list[float]] = field(default_factory=dict)

    def add(self, other: DeliverySummary) -> None:
        self.sent += other.sent
        self.skipped += other.skipped
        self.failed += other.failed
        self.dead += other.dead
        self.unknown += other.unknown
        self.planned += other.planned
        self.held += other.held
        self.dry_run = self.dry_run or other.dry_run
        self.sent_keys.extend(other.sent_keys)
        for channel, starts in other.post_starts.items():
            self.post_starts.setdefault(channel, []).extend(starts)

    def describe(self) -> str:
        if self.dry_run:
            return f"dry run: {self.planned} would be sent, {self.skipped} already sent"
        text = f"{self.sent} sent, {self.skipped} already sent, {self.failed} failed (will retry)"
        if self.dead:
            text += f", {self.dead} given up (see `collab-bot deliveries list --status dead`)"
        if self.unknown:
            text += f", {self.unknown} to check by hand (`collab-bot deliveries list --status unknown`)"
        if self.held:
            text += f", {self.held} held (app not installed)"
        return text


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


def _post(
    ctx: BotContext, client: WebClient, claim: ledger.Claim, payload: dict[str, Any]
) -> tuple[str | None, float]:
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
        metadata=delivery_metadata(claim.key),
    )
    ts = response.get("ts")
    return (str(ts) if ts is not None else None), started


def _failed(ctx: BotContext, claim: ledger.Claim, error: str, *, answer_lost: bool = False) -> _Result:
    """Record a failed attempt: pending again, or ``dead`` when it was the last allowed one."""
    ledger.mark_failed(ctx.db, claim, error, outcome_unknown=answer_lost)
    outcome = Outcome.DEAD if claim.attempts >= ledger.MAX_ATTEMPTS else Outcome.FAILED
    if outcome == Outcome.DEAD:
        log.warning("delivery %s given up after %s attempts: %s", claim.key, claim.attempts, error)
    return _Result(outcome, time.monotonic())


def _unknown(ctx: BotContext, claim: ledger.Claim, reason: str) -> _Result:
    log.warning(
        "delivery %s may have been sent and cannot be checked (%s): left for a person", claim.key, reason
    )
    ledger.mark_unknown(ctx.db, claim, reason)
    return _Result(Outcome.UNKNOWN)


def _verify(
    ctx: BotContext, client: WebClient, claim: ledger.Claim, payload: dict[str, Any], lease: float
) -> _Result | None:
    """Before re-sending a message an earlier attempt may have posted: look for it in the channel.

    None means "it was not posted: go ahead" (the claim has been renewed for the post).
    """
    assert claim.verify_since is not None
    if payload.get(SIDE_EFFECT):
        return _unknown(ctx, claim, "side_effect_unverifiable")
    thread_ts = ledger.sent_ts(ctx.db, claim.thread_key) if claim.thread_key else None
    if claim.thread_key and thread_ts is None:
        return None  # no earlier attempt can have posted a reply without its parent
    verdict = find_posted(
        client,
        claim.channel,
        claim.key,
        claim.verify_since,
        thread_ts=thread_ts,
        keep_going=lambda: ledger.renew(ctx.db, claim, lease),
    )
    if verdict.finding == Finding.FOUND:
        log.info("delivery %s was posted by an earlier attempt; recorded, not re-sent", claim.key)
        ledger.mark_sent(ctx.db, claim, verdict.ts)
        return _Result(Outcome.SENT)
    if verdict.finding == Finding.UNREADABLE:
        return _unknown(ctx, claim, verdict.reason)
    if verdict.finding == Finding.NOT_CHECKED:
        return _failed(ctx, claim, f"unverified:{verdict.reason}", answer_lost=True)
    if not ledger.renew(ctx.db, claim, lease):
        return _Result(Outcome.SKIPPED)  # another sender took over meanwhile
    return None


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
    try:
        payload = json.loads(claim.payload)
    except ValueError:
        return _failed(ctx, claim, "bad_payload")
    if claim.verify_since is not None:
        checked = _verify(ctx, client, claim, payload, lease_seconds)
        if checked is not None:
            return checked
    delay = not_before - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    try:
        ts, posted = _post(ctx, client, claim, payload)
    except SlackApiError as exc:
        error = slack_error_code(exc)
        log.warning("delivery %s failed: %s", key, error)
        return _failed(ctx, claim, error)
    except ANSWER_LOST as exc:
        log.warning(
            "delivery %s: no answer from Slack (%s); checked before any resend", key, type(exc).__name__
        )
        return _failed(ctx, claim, type(exc).__name__, answer_lost=True)
    except (SlackClientError, OSError, ValueError, _NotYet) as exc:
        log.warning("delivery %s failed: %s", key, type(exc).__name__)
        return _failed(ctx, claim, type(exc).__name__)
    if not ledger.mark_sent(ctx.db, claim, ts):
        log.warning("delivery %s was posted after its claim expired; the next sender finds it", key)
    return _Result(Outcome.SENT, posted)


def send_claimed(ctx: BotContext, key: str, lease_seconds: float = LEASE_SECONDS) -> Outcome:
    """Claim and send one ledger row; returns what happened."""
    client = ctx.client_for(ledger.collaboratives_of(ctx.db, [key]).get(key))
    outcome = _send(ctx, client, key, lease_seconds).outcome
    _watched(_single(outcome, key))
    return outcome


def deliver(ctx: BotContext, out: Outgoing) -> Outcome:
    if (plan := watch.rehearsing()) is not None:
        summary = _rehearse(ctx, plan, [out])
        return Outcome.PLANNED if summary.planned else Outcome.SKIPPED
    ledger.record_intents(ctx.db, [_intent(out)])
    client = None if out.channel == ledger.AWAITING_CHANNEL else ctx.client_for(out.collaborative_id)
    outcome = _send(ctx, client, out.key, LEASE_SECONDS).outcome
    _watched(_single(outcome, out.key))
    return outcome


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
    if (plan := watch.rehearsing()) is not None:
        return _rehearse(ctx, plan, items)
    ledger.record_intents(ctx.db, [_intent(out) for out in items])
    summary = _fan_out(
        ctx, [(out.channel, out.key) for out in items], per_channel_interval, workers, limit, lease_seconds
    )
    return _watched(summary)


def send_recorded(ctx: BotContext, pairs: Sequence[tuple[str, str]]) -> DeliverySummary:
    """Send ledger rows already recorded, given as (channel, key) pairs (e.g. held peer posts)."""
    if (plan := watch.rehearsing()) is not None:
        return _rehearse_rows(ctx, plan, [key for _, key in pairs])
    return _watched(_fan_out(ctx, pairs, PER_CHANNEL_INTERVAL, WORKERS, None, LEASE_SECONDS))


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
    if (plan := watch.rehearsing()) is not None:
        return _rehearse_rows(ctx, plan, [key for _, key in pairs])
    return _watched(_fan_out(ctx, pairs, per_channel_interval, workers, None, LEASE_SECONDS))


def _watched(summary: DeliverySummary) -> DeliverySummary:
    """Count ``summary`` into the watch of this block, if one is watching."""
    current = watch.current()
    if current is not None:
        for outcome in Outcome:
            current.outcomes[outcome.value] += getattr(summary, outcome.value, 0)
    return summary


def _single(outcome: Outcome, key: str) -> DeliverySummary:
    summary = DeliverySummary()
    count_outcome(summary, outcome, key)
    return summary


def _rehearse(ctx: BotContext, plan: watch.Watch, items: Sequence[Outgoing]) -> DeliverySummary:
    """A dry run: what would be sent (not sent or being sent before), without touching the ledger."""
    due = ledger.would_send(ctx.db, [out.key for out in items])
    summary = DeliverySummary(dry_run=True)
    for out in items:
        if out.key in due:
            plan.planned.append(
                watch.Planned(out.key, out.channel, str(out.message.get("text", "")), out.thread_key)
            )
            summary.planned += 1
        else:
            summary.skipped += 1
    return summary


def _rehearse_rows(ctx: BotContext, plan: watch.Watch, keys: Sequence[str]) -> DeliverySummary:
    """A dry run of resending ledger rows: their stored payloads, as they would be sent."""
    summary = DeliverySummary(dry_run=True)
    for row in ledger.rows_by_key(ctx.db, keys):
        payload = json.loads(row.payload)
        upload = bool(payload.get(SIDE_EFFECT))
        text = f"(file upload {row.key})" if upload else str(payload.get("text", ""))
        plan.planned.append(watch.Planned(row.key, row.channel, text, row.thread_key, upload))
        summary.planned += 1
    return summary


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
            if result.outcome == Outcome.SENT and result.posted_at is not None:
                self.summary.post_starts.setdefault(channel, []).append(result.posted_at)
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
                # a post waiting for its peer channel is held like one whose app is not installed
                waiting = channel == ledger.AWAITING_CHANNEL
                client = None if waiting else self.clients(self.collaboratives.get(key))
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
    elif outcome == Outcome.DEAD:
        summary.dead += 1
    elif outcome == Outcome.UNKNOWN:
        summary.unknown += 1
    elif outcome == Outcome.PLANNED:
        summary.planned += 1
        summary.dry_run = True
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
    does it when it runs again), 'dead' (failed ``ledger.MAX_ATTEMPTS`` times), 'unknown' (an
    earlier attempt may have done it: a person checks) or 'held' (the app is not installed there).
    """
    if (plan := watch.rehearsing()) is not None:
        if key not in ledger.would_send(ctx.db, [key]):
            return Outcome.SKIPPED
        plan.planned.append(watch.Planned(key, channel, f"(file upload {key})", thread_key, upload=True))
        return Outcome.PLANNED
    outcome = _run_once(ctx, key, job, channel, action, collaborative_id, thread_key)
    _watched(_single(outcome, key))
    return outcome


def _run_once(
    ctx: BotContext,
    key: str,
    job: str,
    channel: str,
    action: Callable[[WebClient, str | None], str | None],
    collaborative_id: int | None,
    thread_key: str | None,
) -> Outcome:
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
    claim = ledger.claim(ctx.db, key, lease_seconds=UPLOAD_LEASE_SECONDS)
    if claim is None:
        return Outcome.SKIPPED
    if claim.verify_since is not None:  # an earlier attempt's outcome is unknown: uploads cannot be looked up
        return _unknown(ctx, claim, "side_effect_unverifiable").outcome
    thread_ts = ledger.sent_ts(ctx.db, thread_key) if thread_key else None
    try:
        if thread_key and thread_ts is None:
            raise _NotYet("parent_not_sent")
        result = action(client, thread_ts)
    except SlackApiError as exc:
        error = slack_error_code(exc)
        log.warning("side effect %s failed: %s", key, error)
        return _failed(ctx, claim, error).outcome
    except ANSWER_LOST as exc:
        log.warning("side effect %s: no answer from Slack (%s)", key, type(exc).__name__)
        return _failed(ctx, claim, type(exc).__name__, answer_lost=True).outcome
    except (SlackClientError, OSError, _NotYet) as exc:
        log.warning("side effect %s failed: %s", key, type(exc).__name__)
        return _failed(ctx, claim, type(exc).__name__).outcome
    ledger.mark_sent(ctx.db, claim, result)
    return Outcome.SENT


def lease_is_safe() -> bool:
    """Every claim outlasts the Web API calls made in it (see :data:`LEASE_SECONDS`)."""
    call = LIMITS.worst_case_seconds()
    upload = UPLOAD_CALLS * call + RENDER_SECONDS + SENDER_OVERHEAD_SECONDS
    return call + SENDER_OVERHEAD_SECONDS < LEASE_SECONDS and upload < UPLOAD_LEASE_SECONDS
