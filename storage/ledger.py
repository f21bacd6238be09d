"""The delivery ledger: one row per intended message, claimed atomically so it is sent once.

A row moves ``pending -> sending -> sent``. A claim is a conditional UPDATE, so two processes
(or a retry racing a re-run) can never both send; a claim whose process died expires after its
lease and can be taken again. A failed send goes back to ``pending`` with its payload, so the
next run resends it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.enums import DeliveryStatus
from storage.models import Delivery, utcnow


@dataclass(frozen=True)
class Claim:
    key: str
    channel: str
    payload: str
    thread_key: str | None
    attempts: int


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
    """Take the row for sending; None when it is sent already or another sender holds it."""
    now = now or utcnow()
    with db.transaction() as session:
        result = session.execute(
            update(Delivery)
            .where(
                Delivery.key == key,
                or_(
                    Delivery.status == DeliveryStatus.PENDING,
                    (Delivery.status == DeliveryStatus.SENDING) & (Delivery.claimed_until < now),
                ),
            )
            .values(
                status=DeliveryStatus.SENDING,
                claimed_until=now + timedelta(seconds=lease_seconds),
                attempts=Delivery.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        row = session.scalars(select(Delivery).where(Delivery.key == key)).one()
        return Claim(row.key, row.channel, row.payload, row.thread_key, row.attempts)


def mark_sent(db: Database, key: str, ts: str | None) -> None:
    with db.transaction() as session:
        session.execute(
            update(Delivery)
            .where(Delivery.key == key)
            .values(status=DeliveryStatus.SENT, ts=ts, sent_at=utcnow(), claimed_until=None, last_error=None)
        )


def mark_failed(db: Database, key: str, error: str) -> None:
    """Back to pending (so the next run resends); ``error`` is a Slack error code, never message text."""
    with db.transaction() as session:
        session.execute(
            update(Delivery)
            .where(Delivery.key == key)
            .values(status=DeliveryStatus.PENDING, claimed_until=None, last_error=error[:200])
        )


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
        or_(
            Delivery.status == DeliveryStatus.PENDING,
            (Delivery.status == DeliveryStatus.SENDING) & (Delivery.claimed_until < now),
        )
    )
    if job is not None:
        query = query.where(Delivery.job == job)
    if collaborative_id is not None:
        query = query.where(Delivery.collaborative_id == collaborative_id)
    with db.reader() as session:
        return list(session.scalars(query.order_by(Delivery.id)))


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


def statuses(db: Database, job: str | None = None) -> dict[str, str]:
    """key -> status for every row (of ``job``)."""
    query = select(Delivery.key, Delivery.status)
    if job is not None:
        query = query.where(Delivery.job == job)
    with db.reader() as session:
        return {key: status for key, status in session.execute(query).all()}
