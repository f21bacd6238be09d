"""``collab-bot import --collaborative KEY FILE``: load monthly history from a CSV or Excel file.

Prints one summary line and exits 0, or lists every problem with its line number on stderr,
changes nothing and exits 1.
"""

from __future__ import annotations

import sys

from bot.collaborative.loading import ensure_schema
from bot.history.files import HistoryFileError, read_history_file
from bot.history.service import Imported, NotImported, import_history
from bot.months import Clock, utc_now
from bot.settings import Settings
from storage.db import Database


def run_import(settings: Settings, key: str, path: str, clock: Clock = utc_now) -> int:
    try:
        table = read_history_file(path)
    except HistoryFileError as exc:
        print(f"collab-bot: {exc}; nothing was changed.", file=sys.stderr)
        return 1
    schema_problem = ensure_schema(settings.database_url)
    if schema_problem:
        print(f"collab-bot: {schema_problem}", file=sys.stderr)
        return 1
    db = Database(settings.database_url)
    try:
        result = import_history(db, key, table, clock())
    finally:
        db.dispose()
    if isinstance(result, Imported):
        print(f"{path}: {result.summary()}.")
        return 0
    if isinstance(result, NotImported):
        count = len(result.problems)
        print(f"{path}: {count} problem{'' if count == 1 else 's'}; nothing was changed:", file=sys.stderr)
        for problem in result.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"collab-bot: {result.text}; nothing was changed.", file=sys.stderr)
    return 1
