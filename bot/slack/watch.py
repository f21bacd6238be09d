"""Watching the ledger's sender for one block of code: dry runs and outcome counts.

``collab-bot jobs run`` wraps a job in :func:`watching`. Every send in that block (on this thread:
the state lives in a ``ContextVar``) adds its outcomes to :attr:`Watch.outcomes`, so the command
can say how many deliveries failed and exit non-zero. With ``dry_run=True`` nothing is posted,
claimed or recorded: the sender only reads the ledger to leave out what was sent before, and adds
what it would send to :attr:`Watch.planned`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Planned:
    """One message (or file upload) a dry run would send."""

    key: str
    channel: str
    text: str
    thread_key: str | None = None
    upload: bool = False


@dataclass
class Watch:
    dry_run: bool = False
    planned: list[Planned] = field(default_factory=list)
    #: Outcome name (``sent``, ``failed``, ``dead``, ``unknown``, ``skipped``) -> count.
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def not_delivered(self) -> int:
        """Deliveries of this block that ended failed, given up or unknown."""
        return self.outcomes["failed"] + self.outcomes["dead"] + self.outcomes["unknown"]


_current: ContextVar[Watch | None] = ContextVar("collab_delivery_watch", default=None)


@contextmanager
def watching(*, dry_run: bool = False) -> Iterator[Watch]:
    """Count (and with ``dry_run``, only plan) every send in this block."""
    watch = Watch(dry_run=dry_run)
    token = _current.set(watch)
    try:
        yield watch
    finally:
        _current.reset(token)


def current() -> Watch | None:
    return _current.get()


def rehearsing() -> Watch | None:
    """The watch of the dry run in progress on this thread, if any."""
    watch = _current.get()
    return watch if watch is not None and watch.dry_run else None
