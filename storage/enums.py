"""The fixed sets of values the bot stores, as ``StrEnum``s, and the column type that stores them.

Each member *is* its string (``MeasureType.RATE == "rate"``), so stored data, exports and JSON
are the same as with bare strings. :class:`EnumString` keeps the plain ``VARCHAR`` column (no
schema change) and hands values back as members; an unknown value is refused before it is stored.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class MeasureType(StrEnum):
    PROPORTION = "proportion"
    COUNT = "count"
    RATE = "rate"


class MeasureKind(StrEnum):
    OUTCOME = "outcome"
    PROCESS = "process"
    BALANCING = "balancing"


class Direction(StrEnum):
    """Which way is better for a measure."""

    UP = "up"
    DOWN = "down"


class Role(StrEnum):
    MEMBER = "member"
    LEAD = "lead"
    FACULTY = "faculty"
    ADMIN = "admin"


class CycleStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"


class Decision(StrEnum):
    """The Act of a PDSA cycle."""

    ADOPT = "adopt"
    ADAPT = "adapt"
    ABANDON = "abandon"


class CallKind(StrEnum):
    LEARNING_SESSION = "learning_session"
    INTERIM_CALL = "interim_call"


class RsvpAnswer(StrEnum):
    GOING = "going"
    NOT_GOING = "not_going"


class DeliveryStatus(StrEnum):
    """A ledger row: waiting to be sent, claimed by a sender, sent, or left for a person.

    ``dead``: it failed too many times and is no longer retried (``collab-bot deliveries retry``);
    ``unknown``: a send may or may not have reached Slack and the bot cannot read the channel to
    check, so a person looks before it is sent again.
    """

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"
    UNKNOWN = "unknown"


E = TypeVar("E", bound=StrEnum)


class EnumString(TypeDecorator[E], Generic[E]):
    """A ``VARCHAR(length)`` column holding the values of one ``StrEnum``."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        return None if value is None else self.enum(value)
