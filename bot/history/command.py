"""``collab-bot import --collaborative KEY FILE``: load monthly history from a CSV or Excel file.

Prints one summary line and exits 0, or lists every problem with its line number on stderr,
changes nothing and exits 1.
"""

from __future__ import annotations

import sys

from bot.collaborative.loading import open_database, report_problems
from bot.history.files import HistoryFileError, read_history_file
from bot.history.service import Imported, NotImported, import_history
from bot.months import Clock, utc_now
from bot.settings import Settings


def run_import(settings: Settings, key: str, path: str, clock: Clock = utc_now) -> int:
    try:
        table = read_history_file(path)
    except HistoryFileError as exc:
        print(f"collab-bot: {exc}; nothing was changed.", file=sys.stderr)
        return 1
    db = open_database(settings)
    if db is None:
        return 1
    try:
        result = import_history(db, key, table, clock())
    finally:
        db.dispose()
    if isinstance(result, Imported):
        print(f"{path}: {result.summary()}.")
        return 0
    if isinstance(result, NotImported):
        return report_problems(path, result.problems)
    print(f"collab-bot: {result.text}; nothing was changed.", file=sys.stderr)
    return 1
