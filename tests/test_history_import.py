"""``collab-bot import``: monthly history (baselines before ``start`` included) from CSV or Excel.

End to end on SQLite and PostgreSQL: 24 months for several teams (half before the collaborative's
start) go in once, a second import changes nothing, a changed value becomes one revision by
``import`` (exported in ``measure_revisions``), a bad file lists every problem with its line number
and changes nothing, and an ``.xlsx`` workbook with the same columns is accepted.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from bot.cli import main
from bot.export import export_all
from bot.history.command import run_import
from bot.history.rules import COLUMNS
from bot.months import fixed_clock
from bot.settings import load_settings
from storage.db import Database
from storage.models import MeasureReport, MeasureRevision
from tests.conftest import load_example

#: January 2027: every month of 2025 and 2026 is over (the example collaborative starts January 2026).
LATER = datetime(2027, 1, 20, 18, 0, tzinfo=UTC)
TEAMS = ("riverside", "eastside", "harbor-street", "north-county")
MONTHS = [str(p) for p in pd.period_range("2025-01", "2026-12", freq="M")]
RATIOS = {"bp_control": 400, "depression_screening": 300, "smbp_use": 120, "hypotension_rate": 1600}


def history_rows() -> list[dict[str, object]]:
    """Every team, measure and month: deterministic figures, proportions below their denominators."""
    rows: list[dict[str, object]] = []
    for t, team in enumerate(TEAMS):
        for m, month in enumerate(MONTHS):
            for measure, denominator in RATIOS.items():
                numerator = (
                    3 + (t * 7 + m * 5) % 40 if measure == "hypotension_rate" else denominator // 2 + m
                )
                rows.append(
                    {
                        "team": team,
                        "measure": measure,
                        "period": month,
                        "numerator": numerator,
                        "denominator": denominator,
                        "value": "",
                    }
                )
            rows.append(
                {
                    "team": team,
                    "measure": "missed_appointments",
                    "period": month,
                    "numerator": "",
                    "denominator": "",
                    "value": 40 + (t + m) % 9,
                }
            )
    return rows


def write_csv(path: Path, rows: list[dict[str, object]], columns: tuple[str, ...] = COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def do_import(db_url: str, path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    settings = load_settings({"DATABASE_URL": db_url})
    code = run_import(settings, "htn", str(path), clock=fixed_clock(LATER))
    out, err = capsys.readouterr()
    return code, out, err


def stored(db: Database) -> list[tuple[object, ...]]:
    with db.reader() as session:
        rows = session.execute(
            select(
                MeasureReport.team_id,
                MeasureReport.measure_id,
                MeasureReport.period,
                MeasureReport.numerator,
                MeasureReport.denominator,
                MeasureReport.value,
                MeasureReport.version,
            ).order_by(MeasureReport.team_id, MeasureReport.measure_id, MeasureReport.period)
        )
        return [tuple(row) for row in rows]


def revision_count(db: Database) -> int:
    with db.reader() as session:
        return int(session.scalar(select(func.count(MeasureRevision.id))) or 0)


def test_import_is_idempotent_and_a_change_is_one_revision(
    db: Database, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load_example(db)
    rows = history_rows()
    total = len(TEAMS) * len(MONTHS) * 5
    path = write_csv(tmp_path / "history.csv", rows)

    code, out, err = do_import(db_url, path, capsys)
    assert (code, err) == (0, "")
    assert out == f"{path}: imported {total} values for 4 teams: {total} new, 0 changed, 0 unchanged.\n"
    first = stored(db)
    assert len(first) == total
    assert {row[2] for row in first} == set(MONTHS)  # 2025 is before the collaborative's start
    with db.reader() as session:
        assert set(session.scalars(select(MeasureReport.submitted_by).distinct())) == {"import"}
        bp = session.scalar(select(MeasureReport.value).where(MeasureReport.period == "2025-01").limit(1))
    assert bp == pytest.approx(200 / 400)

    code, out, _ = do_import(db_url, path, capsys)  # the same file again: nothing changes
    assert code == 0 and f"0 new, 0 changed, {total} unchanged" in out
    assert stored(db) == first and revision_count(db) == 0

    changed = [dict(row) for row in rows]
    target = next(
        r for r in changed if (r["team"], r["measure"], r["period"]) == ("eastside", "bp_control", "2025-06")
    )
    target["numerator"] = 150
    code, out, _ = do_import(db_url, write_csv(tmp_path / "corrected.csv", changed), capsys)
    assert code == 0 and f"0 new, 1 changed, {total - 1} unchanged" in out
    assert revision_count(db) == 1

    export_all(load_settings({"DATABASE_URL": db_url}), "csv", tmp_path / "export")
    revisions = pd.read_csv(tmp_path / "export" / "measure_revisions.csv")
    [revision] = revisions.to_dict("records")
    assert (revision["team"], revision["measure"], revision["period"], revision["changed_by"]) == (
        "eastside",
        "bp_control",
        "2025-06",
        "import",
    )
    assert (revision["old_numerator"], revision["new_numerator"], revision["new_denominator"]) == (
        205,
        150,
        400,
    )
    measures = pd.read_csv(tmp_path / "export" / "measures.csv")
    assert len(measures) == total and measures["period"].min() == "2025-01"


def test_bad_file_lists_every_problem_with_its_line_and_changes_nothing(
    db: Database, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load_example(db)
    good = write_csv(tmp_path / "good.csv", history_rows()[:50])
    assert do_import(db_url, good, capsys)[0] == 0
    before = stored(db)

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "team,measure,period,numerator,denominator,value\n"
        "riverside,bp_control,2025-01,90,100,\n"  # line 2: fine (a change)
        "rivrside,bp_control,2025-02,1,2,\n"
        "riverside,bp_kontrol,2025-02,1,2,\n"
        "riverside,bp_control,2025-03,120,100,\n"
        "riverside,missed_appointments,2025-03,,,-4\n"
        "riverside,missed_appointments,2025-04,,,12.5\n"
        "riverside,bp_control,March 2025,1,2,\n"
        "riverside,bp_control,2025-01,91,100,\n"
        "riverside,hypotension_rate,2025-05,3,20000000,\n"
        "riverside,bp_control,2027-01,1,2,\n"
        "riverside,bp_control,2025-07,5,9,0.55\n",
        encoding="utf-8",
    )
    code, out, err = do_import(db_url, bad, capsys)
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[0] == f"{bad}: 10 problems; nothing was changed:"
    problems = [line.strip() for line in lines[1:]]
    assert [p.split(":", 1)[0] for p in problems] == [f"line {n}" for n in range(3, 13)]
    expected = [
        "unknown team 'rivrside' (teams: eastside, harbor-street, lakeview, mission-hills,",
        "unknown measure 'bp_kontrol' (measures: bp_control, depression_screening,",
        "numerator: This is more than the denominator (100)",
        "value: This can't be negative",
        "value: Use a whole number",
        "period 'March 2025' is not a month: write it as YYYY-MM",
        "duplicate row: riverside, bp_control, 2025-01 is already on line 2",
        "denominator: 20000000 is more than 10,000,000; check the number",
        "period 2027-01 is after 2026-12, the newest month that can be imported",
        "bp_control is a proportion: leave value empty and give numerator and denominator",
    ]
    for problem, needle in zip(problems, expected, strict=True):
        assert needle in problem, (problem, needle)
    assert stored(db) == before and revision_count(db) == 0


def test_missing_columns_and_an_unknown_collaborative_change_nothing(
    db: Database, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load_example(db)
    path = write_csv(tmp_path / "short.csv", history_rows()[:3], ("team", "measure", "period", "numerater"))
    code, _, err = do_import(db_url, path, capsys)
    assert code == 1
    assert "line 1: missing columns numerator, denominator, value" in err
    assert "line 1: unknown column 'numerater'" in err
    settings = load_settings({"DATABASE_URL": db_url})
    good = write_csv(tmp_path / "good.csv", history_rows()[:3])
    assert run_import(settings, "nope", str(good), clock=fixed_clock(LATER)) == 1
    assert "no active collaborative with the key 'nope'" in capsys.readouterr().err
    assert stored(db) == []


def test_xlsx_with_the_same_columns_is_accepted(
    db: Database, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load_example(db)
    rows = [r for r in history_rows() if r["team"] == "riverside"]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([c.capitalize() for c in COLUMNS])  # headers in any case
    for row in rows:
        period = row["period"]
        cell: object = (
            datetime.strptime(str(period), "%Y-%m") if period == "2025-02" else period
        )  # Excel dates
        sheet.append(
            [row["team"], row["measure"], cell] + [row[c] if row[c] != "" else None for c in COLUMNS[3:]]
        )
    path = tmp_path / "history.xlsx"
    workbook.save(path)

    code, out, err = do_import(db_url, path, capsys)
    assert (code, err) == (0, ""), err
    assert f"imported {len(rows)} values for 1 team: {len(rows)} new" in out
    code, out, _ = do_import(db_url, write_csv(tmp_path / "same.csv", rows), capsys)  # same figures as CSV
    assert code == 0 and f"0 new, 0 changed, {len(rows)} unchanged" in out


def test_the_command_line_imports_and_says_so(
    db: Database,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    load_example(db)
    rows = [r for r in history_rows() if r["period"] == "2025-03"]  # long over, whatever today is
    path = write_csv(tmp_path / "march.csv", rows)
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(["import", "--collaborative", "htn", str(path)]) == 0
    assert (
        capsys.readouterr().out
        == f"{path}: imported 20 values for 4 teams: 20 new, 0 changed, 0 unchanged.\n"
    )
    assert main(["import", "--collaborative", "htn", str(tmp_path / "missing.csv")]) == 1
    assert "does not exist; nothing was changed" in capsys.readouterr().err
