"""The collaborative's peer-sharing channel: which one it is, and remembering its id once known."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session

from storage.models import Collaborative


@dataclass(frozen=True)
class PeerChannel:
    collaborative_id: int
    channel_id: str | None
    name: str | None
    topic: str | None


def peer_channel_of(session: Session, collaborative_id: int) -> PeerChannel | None:
    collab = session.get(Collaborative, collaborative_id)
    if collab is None:
        return None
    return PeerChannel(collab.id, collab.peer_channel_id, collab.peer_channel_name, collab.peer_channel_topic)


def remember_peer_channel_id(session: Session, collaborative_id: int, channel_id: str) -> None:
    session.execute(
        update(Collaborative).where(Collaborative.id == collaborative_id).values(peer_channel_id=channel_id)
    )
