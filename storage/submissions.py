"""Modal submissions handled once per (view id, view hash): claim, answer, release.

Slack gives a modal a new ``hash`` whenever its view changes (``views.update``, or an ack with
``response_action: update``), so the same (id, hash) twice is the same submission twice: a double
click, or Slack's retry. The first one *claims* the pair (a row, unique on both); it records the
answer it gave, or releases the claim when nothing was stored (field errors, a failed save), so a
corrected form can be sent again. A claim whose answer never came (the process died) expires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.models import ViewSubmission

#: A claim with no answer after this long belongs to a submission that died: it may be taken again.
CLAIM_EXPIRES = timedelta(seconds=30)


@dataclass(frozen=True)
class Seen:
    """The pair was submitted before: ``response`` is the answer it got (None: still being handled)."""

    response: str | None


def claim(db: Database, view_id: str, view_hash: str, now: datetime) -> Seen | None:
    """Take (view id, hash) for this submission; None when taken, else what the earlier one answered."""
    try:
        with db.transaction() as session:
            row = session.scalars(
                select(ViewSubmission).where(
                    ViewSubmission.view_id == view_id, ViewSubmission.view_hash == view_hash
                )
            ).one_or_none()
            if row is None:
                session.add(ViewSubmission(view_id=view_id, view_hash=view_hash, received_at=now))
                return None
            if row.response is None and row.received_at < now - CLAIM_EXPIRES:
                row.received_at = now  # the first one died without answering: this one takes over
                return None
            return Seen(row.response)
    except IntegrityError:  # another process claimed it at the same moment
        return Seen(None)


def answer(db: Database, view_id: str, view_hash: str, response: str) -> None:
    """Record the answer the claiming submission gave (JSON of its ack)."""
    with db.transaction() as session:
        row = session.scalars(
            select(ViewSubmission).where(
                ViewSubmission.view_id == view_id, ViewSubmission.view_hash == view_hash
            )
        ).one_or_none()
        if row is not None:
            row.response = response


def release(db: Database, view_id: str, view_hash: str) -> None:
    """Forget the claim: nothing was stored, so the same form may be submitted again."""
    with db.transaction() as session:
        session.execute(
            delete(ViewSubmission).where(
                ViewSubmission.view_id == view_id, ViewSubmission.view_hash == view_hash
            )
        )


def forget_submissions_before(db: Database, cutoff: datetime) -> int:
    """Drop the records of submissions received before ``cutoff`` (a modal lives an hour at most)."""
    with db.transaction() as session:
        result = session.execute(delete(ViewSubmission).where(ViewSubmission.received_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)
