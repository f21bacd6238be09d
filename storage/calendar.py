"""Calls and sessions on the calendar, and the RSVPs people give them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.enums import RsvpAnswer
from storage.models import CalendarEvent, Rsvp, utcnow

RESPONSES = tuple(RsvpAnswer)


@dataclass(frozen=True)
class RsvpCounts:
    going: int = 0
    not_going: int = 0


def events_starting_between(
    session: Session,
    collaborative_id: int,
    start: datetime,
    end: datetime | None = None,
    limit: int | None = None,
) -> list[CalendarEvent]:
    """Active events of the collaborative with ``start <= starts_at < end``, soonest first."""
    query = (
        select(CalendarEvent)
        .where(
            CalendarEvent.collaborative_id == collaborative_id,
            CalendarEvent.active.is_(True),
            CalendarEvent.starts_at >= start,
        )
        .order_by(CalendarEvent.starts_at, CalendarEvent.id)
    )
    if end is not None:
        query = query.where(CalendarEvent.starts_at < end)
    return list(session.scalars(query.limit(limit)))


def event_by_id(session: Session, event_id: int) -> CalendarEvent | None:
    return session.get(CalendarEvent, event_id)


def set_rsvp(
    session: Session, event_id: int, user_id: str, response: RsvpAnswer | str, now: datetime | None = None
) -> None:
    """Record or change one person's answer (``now``: when; default the real time)."""
    if response not in RESPONSES:
        raise ValueError(f"unknown RSVP response {response!r}")
    row = session.scalar(select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.slack_user_id == user_id))
    if row is None:
        session.add(
            Rsvp(event_id=event_id, slack_user_id=user_id, response=response, updated_at=now or utcnow())
        )
    elif row.response != response:
        row.response = RsvpAnswer(response)
        row.updated_at = now or utcnow()


def rsvp_counts(session: Session, event_ids: list[int]) -> dict[int, RsvpCounts]:
    """Going / can't-make-it counts per event (events without answers get zeros)."""
    counts: dict[int, dict[str, int]] = {event_id: {} for event_id in event_ids}
    if event_ids:
        rows = session.execute(
            select(Rsvp.event_id, Rsvp.response, func.count())
            .where(Rsvp.event_id.in_(event_ids))
            .group_by(Rsvp.event_id, Rsvp.response)
        ).all()
        for event_id, response, n in rows:
            counts[event_id][response] = int(n)
    return {
        event_id: RsvpCounts(c.get(RsvpAnswer.GOING, 0), c.get(RsvpAnswer.NOT_GOING, 0))
        for event_id, c in counts.items()
    }


def answers_of(session: Session, event_ids: list[int], user_id: str) -> dict[int, RsvpAnswer]:
    """One person's answers to these events (events they haven't answered are left out)."""
    if not event_ids:
        return {}
    rows = session.execute(
        select(Rsvp.event_id, Rsvp.response).where(
            Rsvp.event_id.in_(event_ids), Rsvp.slack_user_id == user_id
        )
    ).all()
    return {int(event_id): RsvpAnswer(response) for event_id, response in rows}
