"""Participant feedback answers: find one by its responder hash, store or replace it, read an event's
answers, count who could have answered, and purge old free text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import distinct, func, or_, select, update
from sqlalchemy.orm import Session

from storage.db import locked_or_new
from storage.enums import Role, RsvpAnswer
from storage.models import (
    CalendarEvent,
    FeedbackResponse,
    Membership,
    Rsvp,
    Team,
)

TEXT_COLUMNS = ("most_useful", "to_improve", "will_apply", "next_topics")


@dataclass(frozen=True)
class StoredAnswer:
    event_id: int
    usefulness: int
    most_useful: str | None
    to_improve: str | None
    will_apply: str | None
    next_topics: str | None
    slack_user_id: str | None
    team_id: int | None
    submitted_at: datetime


def _answer(row: FeedbackResponse) -> StoredAnswer:
    return StoredAnswer(
        row.event_id,
        row.usefulness,
        row.most_useful,
        row.to_improve,
        row.will_apply,
        row.next_topics,
        row.slack_user_id,
        row.team_id,
        row.submitted_at,
    )


def find_answer(session: Session, event_id: int, responder: str) -> StoredAnswer | None:
    row = session.scalar(
        select(FeedbackResponse).where(
            FeedbackResponse.event_id == event_id, FeedbackResponse.responder == responder
        )
    )
    return _answer(row) if row is not None else None


def save_answer(
    session: Session,
    *,
    event_id: int,
    responder: str,
    usefulness: int,
    texts: dict[str, str | None],
    slack_user_id: str | None,
    team_id: int | None,
    now: datetime,
) -> bool:
    """Store the answer, replacing this responder's earlier one for the event; True when it replaced one.

    Two submissions racing for a first answer meet the unique constraint: the loser's transaction
    fails whole and the person can submit again.
    """
    row, replaced = locked_or_new(session, FeedbackResponse, event_id=event_id, responder=responder)
    row.usefulness = usefulness
    for name in TEXT_COLUMNS:
        setattr(row, name, texts.get(name))
    row.slack_user_id = slack_user_id
    row.team_id = team_id
    row.submitted_at = now
    row.purged_at = None
    session.flush()
    return replaced


def answers_for_event(session: Session, event_id: int) -> list[StoredAnswer]:
    rows = session.scalars(
        select(FeedbackResponse)
        .where(FeedbackResponse.event_id == event_id)
        .order_by(FeedbackResponse.submitted_at, FeedbackResponse.id)
    )
    return [_answer(r) for r in rows]


def going_count(session: Session, event_id: int) -> int:
    query = select(func.count()).where(Rsvp.event_id == event_id, Rsvp.response == RsvpAnswer.GOING)
    return int(session.scalar(query) or 0)


def active_member_count(session: Session, collaborative_id: int) -> int:
    """People on an active team of the collaborative (members and leads, each once)."""
    query = (
        select(func.count(distinct(Membership.slack_user_id)))
        .join(Team, Membership.team_id == Team.id)
        .where(
            Membership.collaborative_id == collaborative_id,
            Membership.active.is_(True),
            Membership.role.in_([Role.MEMBER, Role.LEAD]),
            Team.active.is_(True),
        )
    )
    return int(session.scalar(query) or 0)


def events_with_answers(session: Session, collaborative_id: int) -> list[int]:
    query = (
        select(distinct(FeedbackResponse.event_id))
        .join(CalendarEvent, FeedbackResponse.event_id == CalendarEvent.id)
        .where(CalendarEvent.collaborative_id == collaborative_id)
    )
    return list(session.scalars(query))


def purge_text_before(
    session: Session, before: datetime, now: datetime, collaborative_id: int | None = None
) -> int:
    """Blank the free text of answers to events that started before ``before``; how many answers had text.

    The usefulness score, the team and the time stay (they are counts, not words)."""
    events = select(CalendarEvent.id).where(CalendarEvent.starts_at < before)
    if collaborative_id is not None:
        events = events.where(CalendarEvent.collaborative_id == collaborative_id)
    has_text = [getattr(FeedbackResponse, c).is_not(None) for c in TEXT_COLUMNS]

    result = session.execute(
        update(FeedbackResponse)
        .where(FeedbackResponse.event_id.in_(events), or_(*has_text))
        .values(**{c: None for c in TEXT_COLUMNS}, purged_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def count_text_before(session: Session, before: datetime, collaborative_id: int | None = None) -> int:
    """How many answers :func:`purge_text_before` would blank."""

    query = (
        select(func.count())
        .select_from(FeedbackResponse)
        .join(CalendarEvent, FeedbackResponse.event_id == CalendarEvent.id)
        .where(
            CalendarEvent.starts_at < before,
            or_(*[getattr(FeedbackResponse, c).is_not(None) for c in TEXT_COLUMNS]),
        )
    )
    if collaborative_id is not None:
        query = query.where(CalendarEvent.collaborative_id == collaborative_id)
    return int(session.scalar(query) or 0)
