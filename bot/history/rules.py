"""The rules of a history import (pure, no I/O): which rows are good, and what is wrong with the rest.

A history file has one row per team, measure and month, with the columns
``team, measure, period, numerator, denominator, value`` (team and measure by key, ``period``
as ``YYYY-MM``). Proportions and rates take ``numerator`` and ``denominator`` (``value`` left
empty: the bot computes it); counts take ``value`` (numerator and denominator left empty).

The figures obey the same rules as the ``/measures`` form (:func:`bot.measures.rules.parse_values`:
whole numbers, not negative, numerator <= denominator for proportions, a zero denominator only
with a zero numerator) plus a sane upper bound. Months before the collaborative's ``start`` are
allowed (that is where baselines live); months not over yet, or after the collaborative's end,
are not. Every problem is listed with its line number; a file with any problem imports nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot import months
from bot.format import clip, whole
from bot.measures.rules import (
    COUNT,
    DENOMINATOR,
    NUMERATOR,
    MeasureInfo,
    field_key,
    parse_period,
    parse_values,
)
from storage.enums import MeasureType
from storage.reports import ReportedValue

TEAM, MEASURE, PERIOD, VALUE = "team", "measure", "period", "value"
COLUMNS = (TEAM, MEASURE, PERIOD, NUMERATOR, DENOMINATOR, VALUE)
#: The file column each part of a measure's figures comes from.
PART_COLUMNS = {NUMERATOR: NUMERATOR, DENOMINATOR: DENOMINATOR, COUNT: VALUE}
#: Who imported values and revisions are stored as (``submitted_by``, ``changed_by``).
IMPORTED_BY = "import"
HEADER_LINE = 1
KEYS_SHOWN = 12
SHOWN_CHARS = 40  # of a cell quoted back in a problem

Cell = str | int | float | date | datetime | None


@dataclass(frozen=True)
class RawRow:
    """One data row as read from the file: its line (or sheet row) number and its cells by column."""

    line: int
    cells: Mapping[str, Cell]
    surplus: bool = False  # more cells than the header has columns


@dataclass(frozen=True)
class RawTable:
    """A file as read: its column names (stripped, lower case) and its non-blank rows."""

    columns: tuple[str, ...]
    rows: tuple[RawRow, ...]


@dataclass(frozen=True)
class ImportContext:
    """What the rows are checked against: the collaborative's active teams and measures by key."""

    teams: Mapping[str, int]  # team key -> team id
    measures: Mapping[str, MeasureInfo]  # measure key -> measure
    last_month: str  # the newest month that may be imported (YYYY-MM)


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class HistoryValue:
    """A good row: one team's figures for one measure and month."""

    line: int
    team: str
    team_id: int
    measure: str
    period: str
    value: ReportedValue


@dataclass(frozen=True)
class Checked:
    values: list[HistoryValue]
    problems: list[Problem]


def text_of(cell: Cell) -> str:
    """A cell as the text a person typed: ``120`` for 120 or 120.0, stripped, empty for nothing."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, int | float):
        return whole(cell)
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return cell.strip()


def _keys(keys: Sequence[str]) -> str:
    shown = ", ".join(sorted(keys)[:KEYS_SHOWN])
    return shown + (", …" if len(keys) > KEYS_SHOWN else "")


def header_problems(columns: Sequence[str]) -> list[Problem]:
    """Missing, unknown or repeated columns (all six are needed, in any order)."""
    problems: list[Problem] = []
    if not columns:
        return [
            Problem(HEADER_LINE, f"the file is empty: the first line names the columns {', '.join(COLUMNS)}")
        ]
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        problems.append(
            Problem(
                HEADER_LINE,
                f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                f"(the columns are {', '.join(COLUMNS)})",
            )
        )
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        names = ", ".join(repr(clip(c, SHOWN_CHARS)) for c in unknown)
        problems.append(Problem(HEADER_LINE, f"unknown column{'s' if len(unknown) > 1 else ''} {names}"))
    repeated = sorted({c for c in columns if c in COLUMNS and columns.count(c) > 1})
    if repeated:
        problems.append(Problem(HEADER_LINE, f"column {', '.join(repeated)} appears more than once"))
    return problems


def _period(cell: Cell, last_month: str) -> tuple[str | None, str | None]:
    """(period, None) or (None, problem) for the period cell; spreadsheet dates count as their month."""
    if isinstance(cell, datetime | date):
        period: str | None = months.period_of(cell.date() if isinstance(cell, datetime) else cell)
    else:
        text = text_of(cell)
        if not text:
            return None, "period is empty: write the month as YYYY-MM, e.g. 2025-09"
        period = parse_period(text)
        if period is None:
            return (
                None,
                f"period '{clip(text, SHOWN_CHARS)}' is not a month: write it as YYYY-MM, e.g. 2025-09",
            )
    assert period is not None
    if period > last_month:
        return None, (
            f"period {period} is after {last_month}, the newest month that can be imported "
            "(a month is imported once it is over, and not after the collaborative ends)"
        )
    return period, None


def _figures(measure: MeasureInfo, cells: Mapping[str, Cell]) -> tuple[ReportedValue | None, list[str]]:
    """The row's figures checked as the /measures form checks them, plus the import's own rules."""
    texts = {column: text_of(cells.get(column)) for column in (NUMERATOR, DENOMINATOR, VALUE)}
    kind = "a count" if measure.type == MeasureType.COUNT else f"a {measure.type}"
    unused = (NUMERATOR, DENOMINATOR) if measure.type == MeasureType.COUNT else (VALUE,)
    filled = [column for column in unused if texts[column]]
    if filled:
        where = "value" if measure.type == MeasureType.COUNT else "numerator and denominator"
        return None, [f"{measure.key} is {kind}: leave {' and '.join(filled)} empty and give {where}"]
    fields = {field_key(measure.key, part): texts[column] for part, column in PART_COLUMNS.items()}
    parsed = parse_values([measure], fields)
    problems = []
    for part in measure.parts:
        error = parsed.errors.get(field_key(measure.key, part))
        if error is not None:
            problems.append(f"{PART_COLUMNS[part]}: {error}")
    value = parsed.values.get(measure.id)  # figures over 10,000,000 are refused there
    return (value if not problems else None), problems


def _row(
    row: RawRow, context: ImportContext, seen: dict[tuple[str, str, str], int]
) -> tuple[HistoryValue | None, list[str]]:
    """One row's value, or what is wrong with it (``seen`` remembers rows already read, for duplicates)."""
    problems: list[str] = []
    team = text_of(row.cells.get(TEAM))
    measure_key = text_of(row.cells.get(MEASURE))
    if team not in context.teams:
        shown = f"unknown team '{clip(team, SHOWN_CHARS)}' (teams: {_keys(list(context.teams))})"
        problems.append(shown if team else "team is empty")
    measure = context.measures.get(measure_key)
    if measure is None:
        shown = (
            f"unknown measure '{clip(measure_key, SHOWN_CHARS)}' (measures: {_keys(list(context.measures))})"
        )
        problems.append(shown if measure_key else "measure is empty")
    period, period_problem = _period(row.cells.get(PERIOD), context.last_month)
    if period_problem:
        problems.append(period_problem)
    value = None
    if measure is not None:
        value, figure_problems = _figures(measure, row.cells)
        problems += figure_problems
    if period is not None and measure is not None and team in context.teams:
        key = (team, measure.key, period)
        if key in seen:
            problems.append(f"duplicate row: {team}, {measure.key}, {period} is already on line {seen[key]}")
        else:
            seen[key] = row.line
    if row.surplus:
        problems.append("more cells than the first line has columns")
    if problems or value is None or period is None or measure is None:
        return None, problems
    return HistoryValue(row.line, team, context.teams[team], measure.key, period, value), []


def check_rows(table: RawTable, context: ImportContext) -> Checked:
    """Every good row and every problem, in file order (nothing is good if the header is wrong)."""
    problems = header_problems(table.columns)
    if problems:
        return Checked([], problems)
    if not table.rows:
        return Checked([], [Problem(HEADER_LINE, "the file has no rows to import")])
    values: list[HistoryValue] = []
    seen: dict[tuple[str, str, str], int] = {}
    for raw in table.rows:
        value, row_problems = _row(raw, context, seen)
        problems += [Problem(raw.line, text) for text in row_problems]
        if value is not None:
            values.append(value)
    return Checked(values if not problems else [], problems)
