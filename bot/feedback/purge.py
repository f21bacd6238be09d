"""``collab-bot purge --before DATE [--collaborative KEY] [--yes]``: remove feedback free text.

Feedback text and scores are part of the evaluation record and are kept by default. A collaborative
that promised participants to delete their words after a time runs this: the free text of answers
to calls and sessions that started before DATE (midnight in each collaborative's timezone) is
blanked; the usefulness score, the team and the time stay, so counts and means are unchanged. It
says how many answers it would change and asks before it does, unless ``--yes``; without a
terminal to ask on, it changes nothing and says to add ``--yes``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.collaborative.loading import open_database
from bot.months import Clock, utc_now
from bot.settings import Settings
from storage.collaboratives import collaboratives_by_id
from storage.db import Database
from storage.feedback import count_text_before, purge_text_before


def _cutoffs(db: Database, before: date, key: str | None) -> list[tuple[int, datetime]] | None:
    """(collaborative id, local midnight of ``before``) for each collaborative (or the one named)."""
    with db.reader() as session:
        collabs = collaboratives_by_id(session, key)
    if key is not None and not collabs:
        return None
    return [(c.id, datetime.combine(before, time(0), tzinfo=ZoneInfo(c.timezone))) for c in collabs]


def run_purge(
    settings: Settings,
    before: date,
    key: str | None,
    yes: bool,
    ask: Callable[[str], str] = input,
    interactive: bool | None = None,
    clock: Clock = utc_now,
) -> int:
    db = open_database(settings)
    if db is None:
        return 1
    try:
        cutoffs = _cutoffs(db, before, key)
        if cutoffs is None:
            print(f"collab-bot: there is no collaborative {key!r}; nothing was changed.", file=sys.stderr)
            return 1
        with db.reader() as session:
            count = sum(count_text_before(session, cutoff, cid) for cid, cutoff in cutoffs)
        if count == 0:
            print(f"No feedback text from calls before {before.isoformat()}: nothing to remove.")
            return 0
        what = f"the free text of {count} feedback answer{'s' if count != 1 else ''} to calls before {before}"
        if not yes:
            if not (sys.stdin.isatty() if interactive is None else interactive):
                print(f"collab-bot: this would remove {what}; add --yes to do it.", file=sys.stderr)
                return 1
            answer = ask(f"Remove {what}? Usefulness scores stay. This cannot be undone. Type yes: ")
            if answer.strip().lower() != "yes":
                print("Nothing was removed.")
                return 1
        with db.transaction() as session:
            removed = sum(purge_text_before(session, cutoff, clock(), cid) for cid, cutoff in cutoffs)
        print(f"Removed the free text of {removed} feedback answer{'s' if removed != 1 else ''}.")
        return 0
    finally:
        db.dispose()
