"""Turn a table's frame into typed values: whole counts, numbers, dates and zoned times (pure)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pandas as pd

from bot.export.registry import Column, ExportData, Kind, Sheet, Table, Value


class ExportShapeError(RuntimeError):
    """A table's rows do not have the columns its definition documents (a programming error)."""


def _missing(value: object) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _integer(value: object) -> int:
    number = float(value)  # type: ignore[arg-type]
    if not number.is_integer():
        raise ExportShapeError(f"{value!r} is not a whole number")
    return int(number)


def _number(value: object) -> int | float | None:
    number = float(value)  # type: ignore[arg-type]
    if math.isnan(number):
        return None
    if number.is_integer():
        return int(number)
    return float(f"{number:.15g}")  # the 15 significant digits a workbook keeps, in CSV too


def _boolean(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "t", "yes"}
    return bool(value)


def _date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def _datetime(value: object, zone: ZoneInfo | None) -> datetime:
    moment = pd.Timestamp(value).to_pydatetime()  # type: ignore[arg-type]
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # stored times are UTC
    moment = moment.replace(microsecond=0)
    return moment.astimezone(zone or UTC)


def convert(value: object, kind: Kind, zone: ZoneInfo | None = None) -> Value:
    """One value as the kind of its column says (``None`` for an empty one)."""
    if _missing(value):
        return None
    if kind == Kind.INTEGER:
        return _integer(value)
    if kind == Kind.NUMBER:
        return _number(value)
    if kind == Kind.BOOLEAN:
        return _boolean(value)
    if kind == Kind.DATE:
        return _date(value)
    if kind == Kind.DATETIME:
        return _datetime(value, zone)
    return str(value)  # a StrEnum member is its plain string


def finish(table: Table, frame: pd.DataFrame, timezones: Mapping[str, str]) -> Sheet:
    """The table's rows as typed values, checking they have exactly the documented columns."""
    fixed = table.column_names
    present = [str(c) for c in frame.columns]
    if present[: len(fixed)] != fixed or (table.dynamic is None and len(present) != len(fixed)):
        raise ExportShapeError(f"table {table.name}: columns {present} do not match the documented {fixed}")
    extra = (
        tuple(Column(name, table.dynamic.kind, table.dynamic.description) for name in present[len(fixed) :])
        if (table.dynamic is not None)
        else ()
    )
    columns = table.columns + extra
    zones = {key: ZoneInfo(name) for key, name in timezones.items()}
    zone_keys = (
        frame[table.zone_column].tolist() if table.zone_column in frame.columns else [None] * len(frame)
    )
    rows: list[tuple[object, ...]] = []
    for key, record in zip(zone_keys, frame.itertuples(index=False, name=None), strict=True):
        zone = zones.get(key) if isinstance(key, str) else None
        rows.append(tuple(convert(v, c.kind, zone) for v, c in zip(record, columns, strict=True)))
    return Sheet(table, columns, rows)


def build(table: Table, data: ExportData) -> Sheet:
    return finish(table, table.rows(data), data.timezones)
