"""``collab-bot export``: every table as CSV files, or one workbook with a sheet per table.

``tables.py`` is the registry (every table and documented column), ``derived.py`` computes the
derived tables, ``values.py`` types the values (whole counts, zoned times), ``write.py`` writes
CSV and the workbook, ``docs.py`` writes the README.md section from the registry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd

from bot.export.registry import ExportData, Sheet, Table
from bot.export.signals import signal_frame
from bot.export.tables import TABLES
from bot.export.values import build
from bot.export.write import write_all_or_nothing
from bot.months import utc_now
from bot.settings import Settings
from storage.db import Database
from storage.export import export_frames

FORMATS = ("csv", "xlsx")


def build_sheets(
    frames: Mapping[str, pd.DataFrame],
    now: datetime,
    as_of: str | None = None,
    tables: Sequence[Table] = TABLES,
) -> list[Sheet]:
    """Every table, typed, from the raw frames of ``storage.export.export_frames``."""
    data = ExportData(frames, now, as_of)
    return [build(table, data) for table in tables]


def write_sheets(sheets: Sequence[Sheet], fmt: str, out: str | Path) -> list[Path]:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    return write_all_or_nothing(sheets, fmt, folder)


def write_export(
    frames: Mapping[str, pd.DataFrame],
    fmt: str,
    out: str | Path,
    now: datetime | None = None,
    as_of: str | None = None,
) -> list[Path]:
    """Write the raw frames of ``storage.export.export_frames`` as the documented tables."""
    return write_sheets(build_sheets(frames, now or utc_now(), as_of), fmt, out)


def export_all(
    settings: Settings, fmt: str, out: str | Path, now: datetime | None = None, as_of: str | None = None
) -> list[Path]:
    """Read every table from the database and write it (``as_of``: see ``ExportData.as_of``)."""
    db = Database(settings.database_url)
    moment = now or utc_now()
    try:
        frames = export_frames(db)
        frames["signals"] = signal_frame(db, moment, as_of)
    finally:
        db.dispose()
    return write_export(frames, fmt, out, moment, as_of)
