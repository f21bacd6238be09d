"""The delivery ledger: one row per intended message, claimed atomically so it is sent at most once
per claim.

A row moves ``pending -> sending -> sent``. A claim is one conditional UPDATE that also writes a
fresh random ``claim_token``, so two processes (or a retry racing a re-run) can never both hold
it, and :func:`mark_sent` / :func:`mark_failed` / :func:`mark_unknown` only act on the row while
that same claim holds it (key *and* token): a sender that outlived its lease cannot undo what the
next claimant recorded. A claim whose process died expires after its lease and can be taken
again; that claim carries ``verify_since`` (the expired claim's start), telling the sender to look
for the message in the channel before posting. A failed send goes back to ``pending`` with its
payload so the next run resends it, or becomes ``dead`` after ``max_attempts`` claims.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.enums import DeliveryStatus
from storage.models import UNSENT, Delivery, utcnow

#: Claims of one row that may fail before it is given up (``dead``).
MAX_ATTEMPTS = 8
#: The channel of a row waiting for a channel that does not exist yet (a post to the peer channel
#: before ``collab-bot channels sync`` created it): never claimed until the channel is filled in.
AWAITING_CHANNEL = "(peer channel)"


@dataclass(frozen=True)
class Claim:
    """One sender's hold on a row: only this ``token`` may record the outcome."""

    key: str
    channel: str
    payload: str
    thread_key: str | None
    attempts: int
    token: str = ""
    claimed_at: datetime | None = None
    #: Set when an earlier attempt may have reached Slack unseen: look in the channel from here on.
    verify_since: datetime | None = None


def record_intent(
    db: Database,
    *,
    key: str,
    job: str,
    channel: str,
    payload: str,
    collaborative_id: int | None = None,
    thread_key: str | None = None,
) -> bool:
    """Insert the ledger row if it is new; returns True when it was created."""
    try:
        with db.transaction() as session:
            if session.scalar(select(Delivery.id).where(Delivery.key == key)) is not None:
                return False
            session.add(
                Delivery(
                    key=key,
                    job=job,
                    channel=channel,
                    payload=payload,
                    collaborative_id=collaborative_id,
                    thread_key=thread_key,
                )
            )
        return True
    except IntegrityError:
        return False


@dataclass(frozen=True)
class Intent:
    """One intended message, as :func:`record_intents` stores it."""

    key: str
    job: str
    channel: str
    payload: str
    collaborative_id: int | None = None
    thread_key: str | None = None


def record_intents(db: Database, intents: Sequence[Intent]) -> int:
    """Insert the new rows in one transaction; returns how many were new.

    A row that exists and is still ``pending`` gets the fresh payload (a retry sends what is true
    now); rows being sent or sent are left alone. When another process inserts the same keys at the
    same moment, the rows are recorded one by one instead.
    """
    if not intents:
        return 0
    keys = [i.key for i in intents]
    try:
        with db.transaction() as session:
            existing = {
                row.key: row
                for chunk in _chunks(keys, 500)
                for row in session.scalars(select(Delivery).where(Delivery.key.in_(chunk)))
            }
            new = 0
            for intent in intents:
                row = existing.get(intent.key)
                if row is None:
                    session.add(_row(intent))
                    existing[intent.key] = Delivery(key=intent.key)
                    new += 1
                elif (
                    row.status == DeliveryStatus.PENDING
                    and row.payload != intent.payload
                    and row.id is not None
                ):
                    row.payload = intent.payload
        return new
    except IntegrityError:
        return sum(
            record_intent(
                db,
                key=i.key,
                job=i.job,
                channel=i.channel,
                payload=i.payload,
                collaborative_id=i.collaborative_id,
                thread_key=i.thread_key,
            )
            for i in intents
        )


def _row(intent: Intent) -> Delivery:
    return Delivery(
        key=intent.key,
        job=intent.job,
        channel=intent.channel,
        payload=intent.payload,
        collaborative_id=intent.collaborative_id,
        thread_key=intent.thread_key,
    )


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def claim(db: Database, key: str, lease_seconds: float = 120, now: datetime | None = None) -> Claim | None:
    """Take the row for sending; None when it is sent already, given up, or another sender holds it.

    Taking over a claim that expired sets ``verify_since`` to when that claim was taken (or keeps
    an earlier mark): the message may have reached Slack, so the sender must check first.
    """
    now = now or utcnow()
    token = secrets.token_hex(16)
    with db.transaction() as session:
        result = session.execute(
            update(Delivery)
            .where(Delivery.key == key, _claimable(now))
            .values(
                status=DeliveryStatus.SENDING,
                claim_token=token,
                claimed_at=now,
                claimed_until=now + timedelta(seconds=lease_seconds),
                attempts=Delivery.attempts + 1,
                verify_since=case(
                    (
                        Delivery.status == DeliveryStatus.SENDING,
                        func.coalesce(Delivery.verify_since, Delivery.claimed_at, Delivery.created_at),
                    ),
                    else_=Delivery.verify_since,
                ),
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        row = session.scalars(select(Delivery).where(Delivery.key == key)).one()
        return Claim(
            row.key,
            row.channel,
            row.payload,
            row.thread_key,
            row.attempts,
            token=token,
            claimed_at=now,
            verify_since=row.verify_since,
        )


def _claimable(now: datetime) -> ColumnElement[bool]:
    return (Delivery.channel != AWAITING_CHANNEL) & or_(
        Delivery.status == DeliveryStatus.PENDING,
        (Delivery.status == DeliveryStatus.SENDING) & (Delivery.claimed_until < now),
    )


def _own(claim: Claim) -> ColumnElement[bool]:
    """The row is still held by ``claim`` (same key, same token, still sending)."""
    return (
        (Delivery.key == claim.key)
        & (Delivery.claim_token == claim.token)
        & (Delivery.status == DeliveryStatus.SENDING)
    )


def _settle(db: Database, claim: Claim, **values: object) -> bool:
    with db.transaction() as session:
        result = session.execute(
            update(Delivery)
            .where(_own(claim))
            .values(claimed_until=None, claim_token=None, **values)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]


def renew(db: Database, claim: Claim, lease_seconds: float, now: datetime | None = None) -> bool:
    """Extend ``claim``'s lease (between Slack calls); False when the claim was lost meanwhile."""
    now = now or utcnow()
    with db.transaction() as session:
        result = session.execute(
            update(Delivery)
            .where(_own(claim))
            .values(claimed_until=now + timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]


def mark_sent(db: Database, claim: Claim, ts: str | None) -> bool:
    """Record Slack's ``ts``; False (and nothing changed) when ``claim`` no longer holds the row."""
    return _settle(
        db, claim, status=DeliveryStatus.SENT, ts=ts, sent_at=utcnow(), last_error=None, verify_since=None
    )


def mark_failed(
    db: Database, claim: Claim, error: str, *, max_attempts: int = MAX_ATTEMPTS, outcome_unknown: bool = False
) -> bool:
    """Back to pending (the next run resends it), or ``dead`` once ``max_attempts`` claims failed.

    ``error`` is a Slack error code or exception name, never message text. ``outcome_unknown``: the
    attempt may have reached Slack (the answer was lost), so the next sender checks the channel
    first; otherwise this attempt surely posted nothing and any earlier mark was checked already.
    False when ``claim`` no longer holds the row.
    """
    verify = func.coalesce(Delivery.verify_since, claim.claimed_at) if outcome_unknown else None
    status = case(
        (Delivery.attempts >= max_attempts, DeliveryStatus.DEAD.value), else_=DeliveryStatus.PENDING.value
    )
    return _settle(db, claim, status=status, last_error=error[:200], verify_since=verify)


def mark_unknown(db: Database, claim: Claim, error: str) -> bool:
    """Leave the row for a person: it may have been sent and the bot cannot look (``error`` says why)."""
    return _settle(db, claim, status=DeliveryStatus.UNKNOWN, last_error=error[:200])


def sent_ts(db: Database, key: str) -> str | None:
    with db.reader() as session:
        return session.scalar(
            select(Delivery.ts).where(Delivery.key == key, Delivery.status == DeliveryStatus.SENT)
        )


def collaboratives_of(db: Database, keys: Sequence[str]) -> dict[str, int | None]:
    """key -> collaborative id (None for a row without one) of these ledger rows."""
    found: dict[str, int | None] = {}
    with db.reader() as session:
        for chunk in _chunks(list(keys), 500):
            rows = session.execute(
                select(Delivery.key, Delivery.collaborative_id).where(Delivery.key.in_(chunk))
            ).all()
            found.update({key: collaborative_id for key, collaborative_id in rows})
    return found


def status_of(db: Database, key: str) -> str | None:
    with db.reader() as session:
        return session.scalar(select(Delivery.status).where(Delivery.key == key))


def pending(
    db: Database,
    job: str | None = None,
    now: datetime | None = None,
    collaborative_id: int | None = None,
) -> list[tuple[str, str]]:
    """(channel, key) of rows left pending or abandoned mid-send, oldest first."""
    keys = pending_keys(db, job, now, collaborative_id)
    with db.reader() as session:
        channels = dict(
            session.execute(select(Delivery.key, Delivery.channel).where(Delivery.key.in_(keys))).all()
        )
    return [(channels[key], key) for key in keys if key in channels]


def pending_keys(
    db: Database,
    job: str | None = None,
    now: datetime | None = None,
    collaborative_id: int | None = None,
) -> list[str]:
    """Rows left pending (or abandoned mid-send) by an earlier run, oldest first."""
    now = now or utcnow()
    query = select(Delivery.key).where(
        UNSENT, or_(Delivery.status == DeliveryStatus.PENDING, Delivery.claimed_until < now)
    )
    if job is not None:
        query = query.where(Delivery.job == job)
    if collaborative_id is not None:
        query = query.where(Delivery.collaborative_id == collaborative_id)
    with db.reader() as session:
        return list(session.scalars(query.order_by(Delivery.id)))


def would_send(db: Database, keys: Sequence[str], now: datetime | None = None) -> set[str]:
    """Which of ``keys`` a run would try to send: new ones, and rows pending or abandoned mid-send."""
    now = now or utcnow()
    found: dict[str, tuple[str, datetime | None]] = {}
    with db.reader() as session:
        for chunk in _chunks(list(keys), 500):
            query = select(Delivery.key, Delivery.status, Delivery.claimed_until).where(
                Delivery.key.in_(chunk)
            )
            found.update({key: (status, until) for key, status, until in session.execute(query).all()})
    due = set()
    for key in keys:
        status, until = found.get(key, (DeliveryStatus.PENDING, None))
        if status == DeliveryStatus.PENDING or (
            status == DeliveryStatus.SENDING and until is not None and until < now
        ):
            due.add(key)
    return due


def rows_by_key(db: Database, keys: Sequence[str]) -> list[Intent]:
    """The stored intents of ``keys`` (those that exist), in the order given."""
    with db.reader() as session:
        rows = {
            row.key: Intent(row.key, row.job, row.channel, row.payload, row.collaborative_id, row.thread_key)
            for chunk in _chunks(list(keys), 500)
            for row in session.scalars(select(Delivery).where(Delivery.key.in_(chunk)))
        }
    return [rows[key] for key in keys if key in rows]


@dataclass(frozen=True)
class LedgerRow:
    """What ``collab-bot deliveries list`` shows of a row (never its payload: it may hold free text)."""

    key: str
    job: str
    channel: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    claimed_at: datetime | None
    sent_at: datetime | None


def rows_with_status(db: Database, statuses: Sequence[str], limit: int = 500) -> list[LedgerRow]:
    """Rows in any of ``statuses``, oldest first (at most ``limit``)."""
    query = (
        select(Delivery)
        .where(Delivery.status.in_([DeliveryStatus(s) for s in statuses]))
        .order_by(Delivery.id)
        .limit(limit)
    )
    with db.reader() as session:
        return [
            LedgerRow(
                r.key,
                r.job,
                r.channel,
                r.status,
                r.attempts,
                r.last_error,
                r.created_at,
                r.claimed_at,
                r.sent_at,
            )
            for r in session.scalars(query)
        ]


#: Statuses a person may put back to pending: given up, left to check, or waiting anyway.
REQUEUEABLE = (DeliveryStatus.DEAD, DeliveryStatus.UNKNOWN, DeliveryStatus.PENDING)


def requeue(db: Database, key: str) -> bool:
    """Put a ``dead``/``unknown``/``pending`` row back to pending with a fresh attempt count.

    A person asked for it (after checking the channel, for ``unknown``), so no verification mark
    is kept. False when the row does not exist, is sent, or is being sent.
    """
    with db.transaction() as session:
        result = session.execute(
            update(Delivery)
            .where(Delivery.key == key, Delivery.status.in_(REQUEUEABLE))
            .values(status=DeliveryStatus.PENDING, attempts=0, verify_since=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined]


def keys_with_status(db: Database, status: str) -> list[str]:
    with db.reader() as session:
        query = select(Delivery.key).where(Delivery.status == DeliveryStatus(status)).order_by(Delivery.id)
        return list(session.scalars(query))


@dataclass(frozen=True)
class SentMessage:
    key: str
    channel: str
    ts: str


def sent_with_prefix(db: Database, prefix: str) -> list[SentMessage]:
    """Sent messages whose key starts with ``prefix`` (e.g. every reminder of one call)."""
    with db.reader() as session:
        rows = session.execute(
            select(Delivery.key, Delivery.channel, Delivery.ts)
            .where(Delivery.key.startswith(prefix, autoescape=True), Delivery.status == DeliveryStatus.SENT)
            .order_by(Delivery.id)
        ).all()
    return [SentMessage(key, channel, ts) for key, channel, ts in rows if ts]


def payloads_with_prefix(db: Database, prefix: str) -> list[tuple[str, str, str]]:
    """(key, status, payload) of every row whose key starts with ``prefix``, oldest first."""
    with db.reader() as session:
        rows = session.execute(
            select(Delivery.key, Delivery.status, Delivery.payload)
            .where(Delivery.key.startswith(prefix, autoescape=True))
            .order_by(Delivery.id)
        ).all()
    return [(key, str(status), payload) for key, status, payload in rows]


def statuses(db: Database, job: str | None = None) -> dict[str, str]:
    """key -> status for every row (of ``job``)."""
    query = select(Delivery.key, Delivery.status)
    if job is not None:
        query = query.where(Delivery.job == job)
    with db.reader() as session:
        return {key: status for key, status in session.execute(query).all()}


#: What a delivered message's payload becomes once housekeeping drops its text.
DROPPED_PAYLOAD = "{}"


def drop_sent_payloads(db: Database, sent_before: datetime) -> int:
    """Drop the text (payload) of messages sent before ``sent_before``; their key, channel, status,
    ``ts`` and times stay, so the ledger still proves each was sent once but is no second copy of
    what people wrote. Returns how many rows were emptied (0 on a re-run)."""
    with db.transaction() as session:
        result = session.execute(
            update(Delivery)
            .where(
                Delivery.status == DeliveryStatus.SENT,
                Delivery.sent_at < sent_before,
                Delivery.payload != DROPPED_PAYLOAD,
            )
            .values(payload=DROPPED_PAYLOAD)
        )
        return int(getattr(result, "rowcount", 0) or 0)
