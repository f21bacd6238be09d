"""Buddy pairs in the database: each month's pairs, stored once; the recent ones, to avoid repeats."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import BuddyPair


@dataclass(frozen=True)
class PairRow:
    month: str  # YYYY-MM
    measure_id: int
    improving_team_id: int
    flat_team_id: int


def pairs_since(session: Session, collaborative_id: int, first_month: str) -> list[PairRow]:
    """The collaborative's pairs made in ``first_month`` or later, oldest first."""
    rows = session.scalars(
        select(BuddyPair)
        .where(BuddyPair.collaborative_id == collaborative_id, BuddyPair.month >= first_month)
        .order_by(BuddyPair.month, BuddyPair.id)
    )
    return [PairRow(r.month, r.measure_id, r.improving_team_id, r.flat_team_id) for r in rows]


def pairs_of_month(session: Session, collaborative_id: int, month: str) -> list[PairRow]:
    return [p for p in pairs_since(session, collaborative_id, month) if p.month == month]


def record_month(
    db: Database, collaborative_id: int, month: str, pairs: Sequence[PairRow], now: datetime
) -> list[PairRow]:
    """Store the month's pairs in one transaction, unless the month has pairs already (a re-run, or
    another process that got there first): the month's pairs as stored either way."""
    try:
        with db.transaction() as session:
            if not pairs_of_month(session, collaborative_id, month):
                session.add_all(
                    BuddyPair(
                        collaborative_id=collaborative_id,
                        month=month,
                        measure_id=p.measure_id,
                        improving_team_id=p.improving_team_id,
                        flat_team_id=p.flat_team_id,
                        created_at=now,
                    )
                    for p in pairs
                )
    except IntegrityError:  # another run stored the month's pairs at the same moment: use theirs
        pass
    with db.reader() as session:
        return pairs_of_month(session, collaborative_id, month)
