"""Write finished tables: one CSV file per table, or one workbook with a sheet per table and a README sheet.

CSV: counts whole (``263``), times ISO 8601 with the collaborative's offset
(``2026-01-20T09:00:00-08:00``), dates ``2026-01-20``, empty for missing. Workbook: the same
values as real numbers, dates and datetimes (the collaborative's wall-clock time: Excel has no
timezones), a bold frozen header with an auto-filter and fitted column widths on every sheet.
"""

from __future__ import annotations

import csv
import errno
import os
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import partial
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.export.registry import Column, Kind, Sheet, Table

WORKBOOK_NAME = "collaborative.xlsx"
README_SHEET = "README"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"
MIN_WIDTH, MAX_WIDTH = 8, 60
#: How many rows of a sheet are measured to fit its column widths (a long export stays fast).
WIDTH_SAMPLE = 500


def csv_text(value: object) -> str:
    """A value as it appears in a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def csv_name(sheet: Sheet) -> str:
    return f"{sheet.table.name}.csv"


def write_csv(sheet: Sheet, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow([c.name for c in sheet.columns])
        for row in sheet.rows:
            out.writerow([csv_text(v) for v in row])


def _cell_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # the collaborative's wall-clock time
    return value


def _shown_width(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def _fill(ws: Worksheet, columns: Sequence[Column], rows: Sequence[Sequence[object]]) -> None:
    ws.append([c.name for c in columns])
    for row in rows:
        ws.append([_cell_value(v) for v in row])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        width = max([len(column.name) + 3] + [_shown_width(r[index - 1]) + 2 for r in rows[:WIDTH_SAMPLE]])
        ws.column_dimensions[letter].width = max(MIN_WIDTH, min(MAX_WIDTH, width))
        number_format = {Kind.DATETIME: DATETIME_FORMAT, Kind.DATE: DATE_FORMAT}.get(column.kind)
        if number_format is not None:
            for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(max(len(columns), 1))}{len(rows) + 1}"


README_COLUMNS = (
    Column("table", Kind.TEXT, "The sheet (or CSV file) the column is in."),
    Column("column", Kind.TEXT, "The column's name."),
    Column("type", Kind.TEXT, "text, integer, number, boolean, date, datetime or month."),
    Column("description", Kind.TEXT, "What it holds."),
)


def readme_rows(tables: Sequence[Table]) -> list[tuple[object, ...]]:
    """One row per table (its description) and per documented column."""
    rows: list[tuple[object, ...]] = []
    for table in tables:
        rows.append((table.name, "", "", table.description))
        for column in table.columns + ((table.dynamic,) if table.dynamic else ()):
            rows.append((table.name, column.name, column.kind.value, column.description))
    return rows


def write_workbook(sheets: Sequence[Sheet], path: Path) -> None:
    book = Workbook()
    readme = book.active
    assert readme is not None
    readme.title = README_SHEET
    _fill(readme, README_COLUMNS, readme_rows([s.table for s in sheets]))
    for cell in readme["D"][1:]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for sheet in sheets:
        _fill(book.create_sheet(sheet.table.name[:31]), sheet.columns, sheet.rows)
    book.save(path)


def write_all_or_nothing(sheets: Sequence[Sheet], fmt: str, folder: Path) -> list[Path]:
    """Write the files under temporary names, then put them all in place: an export that fails
    half-way (a full disk, a folder where a file should go) leaves the earlier files as they were."""
    targets: list[tuple[Path, Callable[[Path], None]]]
    if fmt == "xlsx":
        targets = [(folder / WORKBOOK_NAME, partial(write_workbook, sheets))]
    else:
        targets = [(folder / csv_name(s), partial(write_csv, s)) for s in sheets]
    for target, _ in targets:
        if target.exists() and not target.is_file():
            raise IsADirectoryError(errno.EISDIR, "it is a folder, not a file", str(target))
    written: list[Path] = []
    try:
        for target, write in targets:
            temporary = target.with_name(f".{target.name}.partial")
            written.append(temporary)
            write(temporary)
        for (target, _), temporary in zip(targets, written, strict=True):
            os.replace(temporary, target)
    finally:
        for temporary in written:
            temporary.unlink(missing_ok=True)
    return [target for target, _ in targets]
