"""What an exported table is: its name, its documented columns (with their kind) and how its rows are made.

Every table the export writes is a :class:`Table` in ``bot.export.tables.TABLES``; the README
sheet of the workbook and the README.md section (``python -m bot.export.docs``) are written from
these definitions, so a column exists in the files exactly when it is documented here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

import pandas as pd


class Kind(StrEnum):
    """How a column's values are written (CSV text and workbook cell type)."""

    TEXT = "text"
    INTEGER = "integer"  # counts: 263, never 263.0
    NUMBER = "number"  # fractions, rates, goals, scores: 0.58, 12.5 (whole ones written whole)
    BOOLEAN = "boolean"
    DATE = "date"  # 2026-01-20
    DATETIME = "datetime"  # in the collaborative's timezone: 2026-01-20T09:00:00-08:00
    MONTH = "month"  # a reporting period: 2026-03


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    description: str


@dataclass(frozen=True)
class ExportData:
    """What the tables are made from: the raw frames of ``storage.export`` and the export's moment."""

    frames: Mapping[str, pd.DataFrame]
    #: The moment the export is made (the clock): the default moment the evaluation counts to.
    now: datetime
    #: ``--as-of``: an ISO date or date-time the evaluation counts to instead; a naive one is taken
    #: in each collaborative's timezone.
    as_of: str | None = None

    def moment_in(self, timezone: str) -> datetime:
        """The moment the evaluation counts to, in ``timezone``."""
        zone = ZoneInfo(timezone)
        if self.as_of is None:
            return self.now.astimezone(zone)
        parsed = datetime.fromisoformat(self.as_of)
        return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed.astimezone(zone)

    def frame(self, name: str) -> pd.DataFrame:
        return self.frames[name]

    @property
    def timezones(self) -> dict[str, str]:
        """Each collaborative's IANA timezone, by collaborative key."""
        collabs = self.frames["collaboratives"]
        return dict(zip(collabs["key"], collabs["timezone"], strict=True))


@dataclass(frozen=True)
class Table:
    """One exported table: a CSV file, or a sheet of the workbook.

    ``rows`` returns a frame with exactly the documented columns (in order). ``dynamic``, when
    set, documents the columns that follow the fixed ones and vary with the data (for example one
    per month); their kind is ``dynamic_kind``. Datetime columns are shown in the timezone of the
    collaborative named in the ``collaborative`` column (the ``key`` column for ``collaboratives``).
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    rows: Callable[[ExportData], pd.DataFrame]
    dynamic: Column | None = None
    zone_column: str = "collaborative"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class Sheet:
    """A finished table: typed Python values per row, ready for CSV or the workbook.

    Values are ``None`` (empty), ``str``, ``int``, ``float``, ``bool``, ``date`` or a
    timezone-aware ``datetime`` in the collaborative's timezone.
    """

    table: Table
    columns: tuple[Column, ...]
    rows: list[tuple[object, ...]] = field(default_factory=list)


def raw(name: str) -> Callable[[ExportData], pd.DataFrame]:
    """The rows of table ``name`` as ``storage.export`` reads them."""
    return lambda data: data.frame(name)


Value = str | int | float | bool | date | datetime | None
