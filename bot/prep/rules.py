"""When the interim-call agenda draft is due, and which Study notes are worth sharing (pure).

* The draft for an interim call is due from the start of the local day two days before it
  (a Thursday call: Tuesday) until the call starts; the daily job sends it on that first day, and
  a clock that was down catches up once before the call.
* Study notes worth sharing: completed cycles the team shared with peer teams, with something
  written under Study (what was learned, else the results), ended in the last 60 days; the most
  recent five.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from bot.months import local_date
from storage.pdsa import CycleRecord

PREP_DAYS_BEFORE = 2
NOTES_WINDOW_DAYS = 60
NOTES_SHOWN = 5


def prep_day(starts_at: datetime, timezone: str) -> date:
    """The local date the draft for a call starting at ``starts_at`` is due."""
    return local_date(starts_at, timezone) - timedelta(days=PREP_DAYS_BEFORE)


def prep_due(starts_at: datetime, timezone: str, as_of: datetime) -> bool:
    """Is the draft for this call due at ``as_of``? From its prep day until the call starts."""
    return local_date(as_of, timezone) >= prep_day(starts_at, timezone) and as_of < starts_at


def notes_since(today: date) -> date:
    return today - timedelta(days=NOTES_WINDOW_DAYS)


def study_note(cycle: CycleRecord) -> str | None:
    """What the cycle's Study says (learning first, else results), or None when nothing was written."""
    for text in (cycle.study_learning, cycle.study_results):
        if text and text.strip():
            return text.strip()
    return None


def notes_worth_sharing(cycles: Sequence[CycleRecord], limit: int = NOTES_SHOWN) -> list[CycleRecord]:
    """Shared, completed cycles with a Study note, in the order given (latest first), at most ``limit``."""
    return [c for c in cycles if c.shared and not c.is_open and study_note(c) is not None][:limit]
