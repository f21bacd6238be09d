"""Reading a history file (CSV or Excel) into a :class:`bot.history.rules.RawTable`, and writing one.

CSV is read as UTF-8 (a byte-order mark from Excel is fine) with the csv module; line numbers
are the file's own. An ``.xlsx`` workbook is read from its first sheet with openpyxl (values, not
formulas); line numbers are the sheet's row numbers. Column names are matched without regard to
case or surrounding spaces; completely blank rows are skipped.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from bot.history.rules import COLUMNS, Cell, RawRow, RawTable, text_of

SUFFIXES = (".csv", ".xlsx")


class HistoryFileError(Exception):
    """The file can't be read at all (missing, wrong kind, not UTF-8, not a workbook)."""


def _table(lines: Iterable[tuple[int, Sequence[Cell]]]) -> RawTable:
    rows = iter(lines)
    header: list[str] = []
    for _line, cells in rows:
        header = [text_of(cell).lower() for cell in cells]
        break
    while header and not header[-1]:
        header.pop()
    width = len(header)
    table: list[RawRow] = []
    for line, cells in rows:
        if all(not text_of(cell) for cell in cells):
            continue
        surplus = any(text_of(cell) for cell in cells[width:])
        table.append(RawRow(line, dict(zip(header, cells, strict=False)), surplus))
    return RawTable(tuple(header), tuple(table))


def _csv_lines(path: Path) -> list[tuple[int, list[Cell]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            return [(reader.line_num, list(row)) for row in reader]
    except UnicodeDecodeError:
        raise HistoryFileError(f"{path} is not UTF-8 text: save it as 'CSV UTF-8'") from None
    except csv.Error as exc:
        raise HistoryFileError(f"{path} is not a readable CSV file ({exc})") from None


def _xlsx_lines(path: Path) -> list[tuple[int, list[Cell]]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
        raise HistoryFileError(f"{path} is not a readable .xlsx workbook") from None
    try:
        sheet = workbook.worksheets[0]
        return [
            (number, list(row))  # type: ignore[misc]
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        workbook.close()


def read_history_file(path: str | Path) -> RawTable:
    """The file's header and rows; raises :class:`HistoryFileError` when it can't be read."""
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in SUFFIXES:
        raise HistoryFileError(f"{file} must be a .csv or .xlsx file")
    if not file.is_file():
        raise HistoryFileError(f"{file} does not exist")
    return _table(_csv_lines(file) if suffix == ".csv" else _xlsx_lines(file))


def write_history_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write rows with the history columns as a CSV the import reads (whole numbers, blanks for none)."""
    out = frame[list(COLUMNS)].copy()
    out["period"] = out["period"].astype(str)
    for column in COLUMNS[3:]:
        out[column] = pd.to_numeric(out[column]).astype("Int64")  # fails on a fraction
    target = Path(path)
    out.to_csv(target, index=False)
    return target
