"""Peer-channel engagement, counted and never read: per team, ISO week and person (a one-way hash),
how many posts and thread replies. No message text and no user ID is stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import Collaborative, PeerActivity, Team


@dataclass(frozen=True)
class TeamWeek:
    collaborative_key: str
    team_key: str
    team_name: str
    week: str
    posts: int
    replies: int
    people: int


def count_message(
    db: Database, collaborative_id: int, team_id: int, week: str, person: str, *, reply: bool
) -> None:
    """Add one post (or thread reply) by ``person`` (already hashed) to the team's week."""
    column = PeerActivity.replies if reply else PeerActivity.posts
    where = (PeerActivity.team_id == team_id, PeerActivity.week == week, PeerActivity.person == person)
    for _ in range(2):
        with db.transaction() as session:
            done = session.execute(
                update(PeerActivity)
                .where(*where)
                .values({column: column + 1})
                .execution_options(synchronize_session=False)
            )
            if done.rowcount == 1:  # type: ignore[attr-defined]
                return
        try:
            with db.transaction() as session:
                session.add(
                    PeerActivity(
                        collaborative_id=collaborative_id,
                        team_id=team_id,
                        week=week,
                        person=person,
                        posts=0 if reply else 1,
                        replies=1 if reply else 0,
                    )
                )
            return
        except IntegrityError:
            continue  # another worker added the row first: add to it


def active_in_weeks(session: Session, collaborative_id: int, weeks: Sequence[str]) -> int:
    """Posts and replies by team members in those ISO weeks."""
    total = session.scalar(
        select(func.coalesce(func.sum(PeerActivity.posts + PeerActivity.replies), 0)).where(
            PeerActivity.collaborative_id == collaborative_id, PeerActivity.week.in_(list(weeks))
        )
    )
    return int(total or 0)


def team_weeks(
    session: Session, collaborative_id: int | None = None, week: str | None = None
) -> list[TeamWeek]:
    """Per team and week: posts, replies, distinct people (oldest week first)."""
    query = (
        select(
            Collaborative.key,
            Team.key,
            Team.name,
            PeerActivity.week,
            func.sum(PeerActivity.posts),
            func.sum(PeerActivity.replies),
            func.count(PeerActivity.person),
        )
        .join(Team, PeerActivity.team_id == Team.id)
        .join(Collaborative, PeerActivity.collaborative_id == Collaborative.id)
        .group_by(Collaborative.key, Team.key, Team.name, PeerActivity.week)
        .order_by(Collaborative.key, PeerActivity.week, Team.key)
    )
    if collaborative_id is not None:
        query = query.where(PeerActivity.collaborative_id == collaborative_id)
    if week is not None:
        query = query.where(PeerActivity.week == week)
    return [
        TeamWeek(c, t, n, w, int(p or 0), int(r or 0), int(people or 0))
        for c, t, n, w, p, r, people in session.execute(query).all()
    ]
