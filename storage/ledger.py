"""The delivery ledger: one row per intended message, claimed atomically so it is sent once.

A row moves ``pending -> sending -> sent``. A claim is a conditional UPDATE, so two processes
(or a retry racing a re-run) can never both send; a claim whose process died expires after its
lease and can be taken again. A failed send goes back to ``pending`` with its payload, so the
next run resends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from storage.db import Database
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


def claim(db: Database, key: str, lease_seconds: float = 120, now: datetime | None = None) -> Claim | None:
    """Take the row for sending; None when it is sent already or another sender holds it."""
    now = now or utcnow()
    with db.transaction() as session:
        result = session.execute(
            update(Delivery)
            .where(
                Delivery.key == key,
                or_(
                    Delivery.status == "pending",
                    (Delivery.status == "sending") & (Delivery.claimed_until < now),
                ),
            )
            .values(
                status="sending",
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
            .values(status="sent", ts=ts, sent_at=utcnow(), claimed_until=None, last_error=None)
        )


def mark_failed(db: Database, key: str, error: str) -> None:
    """Back to pending (so the next run resends); ``error`` is a Slack error code, never message text."""
    with db.transaction() as session:
        session.execute(
            update(Delivery)
            .where(Delivery.key == key)
            .values(status="pending", claimed_until=None, last_error=error[:200])
        )


def sent_ts(db: Database, key: str) -> str | None:
    with db.reader() as session:
        return session.scalar(select(Delivery.ts).where(Delivery.key == key, Delivery.status == "sent"))


def status_of(db: Database, key: str) -> str | None:
    with db.reader() as session:
        return session.scalar(select(Delivery.status).where(Delivery.key == key))


def pending_keys(db: Database, job: str | None = None, now: datetime | None = None) -> list[str]:
    """Rows left pending (or abandoned mid-send) by an earlier run, oldest first."""
    now = now or utcnow()
    query = select(Delivery.key).where(
        or_(Delivery.status == "pending", (Delivery.status == "sending") & (Delivery.claimed_until < now))
    )
    if job is not None:
        query = query.where(Delivery.job == job)
    with db.reader() as session:
        return list(session.scalars(query.order_by(Delivery.id)))
