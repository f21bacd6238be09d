"""Processed Slack ``event_id``s: ``first_delivery`` is true once per event, however often Slack retries."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import ProcessedEvent, utcnow


def first_delivery(db: Database, event_id: str) -> bool:
    """Record ``event_id``; return False when it was already recorded (a retry)."""
    try:
        with db.transaction() as session:
            if session.get(ProcessedEvent, event_id) is not None:
                return False
            session.add(ProcessedEvent(event_id=event_id))
        return True
    except IntegrityError:
        return False


def forget_older_than(db: Database, days: int = 7, now: datetime | None = None) -> int:
    cutoff = (now or utcnow()) - timedelta(days=days)
    with db.transaction() as session:
        ids = list(
            session.scalars(select(ProcessedEvent.event_id).where(ProcessedEvent.received_at < cutoff))
        )
        if ids:
            session.execute(delete(ProcessedEvent).where(ProcessedEvent.event_id.in_(ids)))
        return len(ids)
