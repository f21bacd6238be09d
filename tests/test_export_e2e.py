"""``collab-bot export`` end to end: the demo collaborative's data, exported through the command line.

The workbook opens with openpyxl with a README sheet and every documented sheet and column;
counts are whole, every value is filled, times carry the collaborative's offset; the CSV files
hold exactly what the workbook holds.
"""

from __future__ import annotations

import csv
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.collaborative.demo import seed_demo
from bot.export.registry import Kind
from bot.export.tables import TABLES
from bot.export.write import README_SHEET, WORKBOOK_NAME
from tests.helpers import export_with_cli

LA = ZoneInfo("America/Los_Angeles")
ZONED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
MONTH = re.compile(r"^\d{4}-\d\d$")


def _rows(ws: Worksheet) -> list[list[object]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _as_csv(value: object, kind: Kind, zoned: str) -> str:
    """A workbook cell as its CSV text (a datetime cell is the wall-clock of ``zoned``)."""
    if value is None:
        return ""
    if isinstance(value, datetime) and kind == Kind.DATETIME:
        assert zoned, "a time in the workbook without one in the CSV"
        assert datetime.fromisoformat(zoned).replace(tzinfo=None) == value
        return zoned
    if isinstance(value, datetime):  # a date cell reads back as midnight
        return value.date().isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


@pytest.fixture
def exported(db_url: str, tmp_path: Path) -> tuple[Path, Path, datetime]:
    seeded = seed_demo(db_url)
    seeded.db.dispose()
    as_of = seeded.as_of.date().isoformat()
    export_with_cli(db_url, tmp_path / "xlsx", "xlsx", "--as-of", as_of)
    export_with_cli(db_url, tmp_path / "csv", "csv", "--as-of", as_of)
    return tmp_path / "xlsx" / WORKBOOK_NAME, tmp_path / "csv", seeded.as_of


def test_workbook_and_csv_are_documented_typed_and_the_same(exported: tuple[Path, Path, datetime]) -> None:
    book_path, csv_folder, as_of = exported
    book = load_workbook(book_path)
    assert book.sheetnames == [README_SHEET] + [t.name for t in TABLES]

    documented = {(r[0], r[1]) for r in _rows(book[README_SHEET])[1:] if r[1]}
    for table in TABLES:
        ws = book[table.name]
        header = [c.value for c in ws[1]]
        fixed = table.column_names
        assert header[: len(fixed)] == fixed, table.name
        for name in fixed:
            assert (table.name, name) in documented
        if table.dynamic is None:
            assert len(header) == len(fixed)
        else:
            assert (table.name, table.dynamic.name) in documented
            assert all(MONTH.match(str(h)) for h in header[len(fixed) :])
        assert all(c.font.bold for c in ws[1]) and ws.freeze_panes == "A2"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
        assert all(ws.column_dimensions[c.column_letter].width >= 8 for c in ws[1])

        kinds = [c.kind for c in table.columns] + [Kind.NUMBER] * (len(header) - len(fixed))
        book_rows = _rows(ws)[1:]
        text_rows = _csv(csv_folder / f"{table.name}.csv")
        assert text_rows[0] == header
        assert len(text_rows) - 1 == len(book_rows), table.name
        for cells, texts in zip(book_rows, text_rows[1:], strict=True):
            for value, text, kind, name in zip(cells, texts, kinds, header, strict=True):
                assert _as_csv(value, kind, text) == text, (table.name, name)
                if value is None:
                    continue
                if kind == Kind.INTEGER:
                    assert type(value) is int and re.fullmatch(r"-?\d+", text), (table.name, name, text)
                if kind == Kind.DATETIME:
                    zoned = datetime.fromisoformat(text)
                    assert ZONED.match(text) and zoned.utcoffset() == zoned.astimezone(LA).utcoffset()
                if kind == Kind.DATE:
                    assert isinstance(value, datetime | date)


def _table(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_values_are_filled_and_the_evaluation_adds_up(exported: tuple[Path, Path, datetime]) -> None:
    _, folder, as_of = exported

    def table(name: str) -> list[dict[str, str]]:
        return _table(folder, name)

    kinds = {r["measure"]: (r["type"], r["multiplier"]) for r in table("measure_definitions")}
    assert {t for t, _ in kinds.values()} == {"proportion", "rate", "count"}
    measures = table("measures")
    assert len(measures) > 300
    for row in measures:
        kind, multiplier = kinds[row["measure"]]
        assert row["value"], row
        if kind == "count":
            assert (row["numerator"], row["denominator"], row["multiplier"]) == ("", "", "")
            continue
        scale = float(multiplier) if kind == "rate" else 1.0
        assert float(row["value"]) == pytest.approx(int(row["numerator"]) / int(row["denominator"]) * scale)
        assert row["multiplier"] == (multiplier if kind == "rate" else "")

    wide = table("measures_wide")
    month_columns = [c for c in wide[0] if MONTH.match(c)]
    assert (
        month_columns == sorted(month_columns) and month_columns[0] == "2025-01"
    )  # the demo's baseline year
    assert len(wide) == len({(r["measure"], r["team"]) for r in measures})
    cell = {(r["measure"], r["team"], r["period"]): r["value"] for r in measures}
    for row in wide:
        for month in month_columns:
            assert row[month] == cell.get((row["measure"], row["team"], month), "")

    evaluation = table("evaluation")
    assert [r["team"] for r in evaluation] == [r["team"] for r in table("teams")]
    due = [f"2026-{m:02d}" for m in range(1, 13)] + ["2027-01"]  # January 2027 was due 10 February
    reports = table("team_reports")
    on_time_rates: list[float] = []
    for row in evaluation:
        team = row["team"]
        assert row["as_of"] == as_of.date().isoformat()
        assert int(row["months_due"]) == len(due)
        reported = {r["period"] for r in measures if r["team"] == team} & set(due)
        assert int(row["months_reported"]) == len(reported)
        narrated = {r["period"]: r["late"] == "False" for r in reports if r["team"] == team}
        first: dict[str, datetime] = {}
        for r in measures:
            if r["team"] == team:
                at = datetime.fromisoformat(r["submitted_at"])
                first[r["period"]] = min(first.get(r["period"], at), at)
        on_time = {
            p
            for p in due
            if narrated.get(p, p in first and first[p].date() <= date.fromisoformat(f"{_next(p)}-10"))
        }
        assert float(row["on_time_rate"]) == pytest.approx(len(on_time) / len(due))
        on_time_rates.append(len(on_time) / len(due))
        cycles = [r for r in table("pdsa") if r["team"] == team]
        assert int(row["pdsa_started"]) == len(cycles)
        assert int(row["pdsa_completed"]) == sum(r["status"] == "completed" for r in cycles)
        assert int(row["pdsa_adopted"]) == sum(r["act_decision"] == "adopt" for r in cycles)
        assert int(row["sessions_attended"]) <= int(row["sessions_held"])
        assert (row["mean_usefulness"], row["latest_faculty_score"]) == ("", "")
    assert min(on_time_rates) < max(on_time_rates) == 1  # the demo has late teams and punctual ones


def _next(period: str) -> str:
    year, month = int(period[:4]), int(period[5:])
    return f"{year + month // 12}-{month % 12 + 1:02d}"


def test_the_evaluation_counts_to_as_of(
    db_url: str, exported: tuple[Path, Path, datetime], tmp_path: Path
) -> None:
    """The demo's RSVPs are for the next three calls: counted once they have been held."""
    _, folder, _ = exported
    going = {r["event"] for r in _table(folder, "rsvps") if r["response"] == "going"}
    assert going and all(int(r["sessions_attended"]) == 0 for r in _table(folder, "evaluation"))
    export_with_cli(db_url, tmp_path / "later", "csv", "--as-of", "2027-06-30T23:00")
    later = _table(tmp_path / "later", "evaluation")
    calendar = _table(tmp_path / "later", "calendar")
    held = [r for r in calendar if r["active"] == "True" and r["starts_at"] < "2027-06-30T23:00"]
    assert {int(r["sessions_held"]) for r in later} == {len(held)}
    assert {int(r["months_due"]) for r in later} == {17}  # 2026-01 to 2027-05 (June is due in July)
    assert 0 < max(int(r["sessions_attended"]) for r in later) <= len(going)
