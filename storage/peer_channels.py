"""The collaborative's peer-sharing channel: which one it is, who belongs in it, remembering its id,
and the posts held in the ledger until it exists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage import ledger
from storage.db import Database
from storage.enums import CallKind, DeliveryStatus, Role
from storage.models import CalendarEvent, Collaborative, Delivery, Membership, Team

#: The ledger's channel for a post to a peer channel that does not exist yet: such a row is held
#: (never claimed) until ``collab-bot channels sync`` gives it the channel's id.
AWAITING_PEER_CHANNEL = ledger.AWAITING_CHANNEL


@dataclass(frozen=True)
class PeerChannel:
    collaborative_id: int
    channel_id: str | None
    name: str | None
    topic: str | None
    purpose: str | None = None

    @property
    def given_by_id(self) -> bool:
        """The file names an existing channel by its id (the bot did not create it)."""
        return self.name is None


@dataclass(frozen=True)
class PeerPeople:
    """Who belongs in the peer channel (active team members and faculty) and who was dropped from
    the file (people with only inactive memberships of the collaborative)."""

    wanted: frozenset[str]
    dropped: frozenset[str]


def peer_channel_of(session: Session, collaborative_id: int) -> PeerChannel | None:
    collab = session.get(Collaborative, collaborative_id)
    if collab is None:
        return None
    return PeerChannel(
        collab.id,
        collab.peer_channel_id,
        collab.peer_channel_name,
        collab.peer_channel_topic,
        collab.peer_channel_purpose,
    )


def peer_people(session: Session, collaborative_id: int) -> PeerPeople:
    rows = session.execute(
        select(Membership.slack_user_id, Membership.role, Membership.active, Team.active)
        .outerjoin(Team, Membership.team_id == Team.id)
        .where(Membership.collaborative_id == collaborative_id)
    ).all()
    wanted: set[str] = set()
    known: set[str] = set()
    for user, role, active, team_active in rows:
        known.add(user)
        if not active:
            continue
        if role == Role.FACULTY or (role in (Role.MEMBER, Role.LEAD) and team_active):
            wanted.add(user)
    # admins stay as they are: neither invited nor removed
    admins = {user for user, role, active, _ in rows if role == Role.ADMIN and active}
    return PeerPeople(frozenset(wanted), frozenset(known - wanted - admins))


def remember_peer_channel_id(session: Session, collaborative_id: int, channel_id: str | None) -> None:
    session.execute(
        update(Collaborative).where(Collaborative.id == collaborative_id).values(peer_channel_id=channel_id)
    )


def release_held_posts(db: Database, collaborative_id: int, channel_id: str) -> list[tuple[str, str]]:
    """Give the held peer posts of a collaborative their channel; (channel, key) of each, oldest first."""
    with db.transaction() as session:
        keys = list(
            session.scalars(
                select(Delivery.key)
                .where(
                    Delivery.collaborative_id == collaborative_id,
                    Delivery.channel == AWAITING_PEER_CHANNEL,
                    Delivery.status == DeliveryStatus.PENDING,
                )
                .order_by(Delivery.id)
            )
        )
        if keys:
            session.execute(
                update(Delivery)
                .where(Delivery.key.in_(keys), Delivery.channel == AWAITING_PEER_CHANNEL)
                .values(channel=channel_id)
                .execution_options(synchronize_session=False)
            )
    return [(channel_id, key) for key in keys]


def first_learning_session(session: Session, collaborative_id: int) -> datetime | None:
    """When the collaborative's first learning session starts (None without one)."""
    return session.scalar(
        select(func.min(CalendarEvent.starts_at)).where(
            CalendarEvent.collaborative_id == collaborative_id,
            CalendarEvent.kind == CallKind.LEARNING_SESSION,
            CalendarEvent.active.is_(True),
        )
    )


def active_with_peer_channel(session: Session, channel_id: str) -> list[Collaborative]:
    """The active collaboratives whose peer channel is ``channel_id``."""
    return list(
        session.scalars(
            select(Collaborative).where(
                Collaborative.peer_channel_id == channel_id, Collaborative.active.is_(True)
            )
        ).all()
    )


def is_peer_channel(db: Database, channel_id: str) -> bool:
    """Whether ``channel_id`` is an active collaborative's peer channel (the table is small)."""
    if not channel_id:
        return False
    with db.reader() as session:
        found = session.scalar(
            select(Collaborative.id)
            .where(Collaborative.peer_channel_id == channel_id, Collaborative.active.is_(True))
            .limit(1)
        )
    return found is not None
