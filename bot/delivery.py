"""Sending scheduled messages through the delivery ledger, so each is sent exactly once.

Jobs describe what they intend to send as :class:`Outgoing` messages with unique keys
(job, collaborative, team or channel, period or event, step). :func:`deliver_all` records each
intent, claims it, posts it with the retrying WebClient and records Slack's ``ts``. A send that
still fails after slack_sdk's retry handlers stays pending and is resent by the next run
(:func:`retry_pending`). Nothing here logs message text.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.context import BotContext
from bot.views.common import Message
from storage import ledger

log = logging.getLogger(__name__)


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

    def add(self, other: DeliverySummary) -> None:
        self.sent += other.sent
        self.skipped += other.skipped
        self.failed += other.failed
        self.sent_keys.extend(other.sent_keys)

    def describe(self) -> str:
        return f"{self.sent} sent, {self.skipped} already sent, {self.failed} failed (will retry)"


SIDE_EFFECT = "side_effect"


def _post(ctx: BotContext, claim: ledger.Claim) -> str | None:
    payload = json.loads(claim.payload)
    if payload.get(SIDE_EFFECT):  # only its own job can redo it (see run_once)
        raise _NotYet("side_effect_not_replayable")
    thread_ts = ledger.sent_ts(ctx.db, claim.thread_key) if claim.thread_key else None
    if claim.thread_key and thread_ts is None:
        raise _NotYet("parent_not_sent")
    response = ctx.client.chat_postMessage(
        channel=claim.channel,
        text=payload.get("text", ""),
        blocks=payload.get("blocks"),
        thread_ts=thread_ts,
        unfurl_links=False,
    )
    ts = response.get("ts")
    return str(ts) if ts is not None else None


class _NotYet(Exception):
    pass


def send_claimed(ctx: BotContext, key: str) -> str:
    """Claim and send one ledger row; returns 'sent', 'skipped' or 'failed'."""
    claim = ledger.claim(ctx.db, key)
    if claim is None:
        return "skipped"
    try:
        ts = _post(ctx, claim)
    except SlackApiError as exc:
        error = str(exc.response.get("error", "slack_error")) if exc.response is not None else "slack_error"
        log.warning("delivery %s failed: %s", key, error)
        ledger.mark_failed(ctx.db, key, error)
        return "failed"
    except (SlackClientError, OSError, _NotYet) as exc:
        log.warning("delivery %s failed: %s", key, type(exc).__name__)
        ledger.mark_failed(ctx.db, key, type(exc).__name__)
        return "failed"
    ledger.mark_sent(ctx.db, key, ts)
    return "sent"


def deliver(ctx: BotContext, out: Outgoing) -> str:
    ledger.record_intent(
        ctx.db,
        key=out.key,
        job=out.job,
        channel=out.channel,
        payload=json.dumps(out.message),
        collaborative_id=out.collaborative_id,
        thread_key=out.thread_key,
    )
    return send_claimed(ctx, out.key)


def deliver_all(ctx: BotContext, outgoing: Iterable[Outgoing]) -> DeliverySummary:
    summary = DeliverySummary()
    for out in outgoing:
        outcome = deliver(ctx, out)
        _count(summary, outcome, out.key)
    return summary


def retry_pending(ctx: BotContext, job: str | None = None) -> DeliverySummary:
    summary = DeliverySummary()
    for key in ledger.pending_keys(ctx.db, job):
        _count(summary, send_claimed(ctx, key), key)
    return summary


def _count(summary: DeliverySummary, outcome: str, key: str) -> None:
    if outcome == "sent":
        summary.sent += 1
        summary.sent_keys.append(key)
    elif outcome == "skipped":
        summary.skipped += 1
    else:
        summary.failed += 1


def run_once(
    ctx: BotContext,
    *,
    key: str,
    job: str,
    channel: str,
    action: Callable[[str | None], str | None],
    collaborative_id: int | None = None,
    thread_key: str | None = None,
) -> str:
    """Do a side effect other than a message (e.g. a file upload) once per ``key``.

    ``action(thread_ts)`` gets the ``ts`` of the ``thread_key`` message (None without one) and
    returns an id to record. Returns 'sent', 'skipped' (done before, or in progress elsewhere)
    or 'failed' (left pending: the job that owns it does it when it runs again).
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
    if ledger.claim(ctx.db, key) is None:
        return "skipped"
    thread_ts = ledger.sent_ts(ctx.db, thread_key) if thread_key else None
    try:
        if thread_key and thread_ts is None:
            raise _NotYet("parent_not_sent")
        result = action(thread_ts)
    except SlackApiError as exc:
        error = str(exc.response.get("error", "slack_error")) if exc.response is not None else "slack_error"
        log.warning("side effect %s failed: %s", key, error)
        ledger.mark_failed(ctx.db, key, error)
        return "failed"
    except (SlackClientError, OSError, _NotYet) as exc:
        log.warning("side effect %s failed: %s", key, type(exc).__name__)
        ledger.mark_failed(ctx.db, key, type(exc).__name__)
        return "failed"
    ledger.mark_sent(ctx.db, key, result)
    return "sent"


def count_outcome(summary: DeliverySummary, outcome: str, key: str) -> None:
    """Add one ``deliver``/``run_once`` outcome to ``summary``."""
    _count(summary, outcome, key)
