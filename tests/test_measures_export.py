"""``collab-bot export`` writes the measures and their revisions (CSV files and one XLSX workbook)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from storage.collaboratives import active_measures, active_teams, collaborative_by_key
from storage.db import Database
from storage.reports import Narrative, ReportedValue, Submission, save_submission
from tests.conftest import ROOT, load_example
from tests.constants import ALICE, ARJUN


def _report_and_correct(db: Database) -> None:
    with db.reader() as session:
        collab = collaborative_by_key(session, "htn")
        assert collab is not None
        team = next(t for t in active_teams(session, collab.id) if t.key == "riverside")
        bp = next(m for m in active_measures(session, collab.id) if m.key == "bp_control")
    at = datetime(2026, 4, 5, 16, 0, tzinfo=UTC)
    for user, numerator in ((ALICE, 116.0), (ARJUN, 120.0)):
        value = ReportedValue(bp.id, numerator, 200.0, numerator / 200)
        save_submission(db, Submission(team.id, "2026-03", user, at, [value], Narrative(), False))


def _export(db_url: str, fmt: str, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "export", "--format", fmt, "--out", str(out)],
        cwd=ROOT,
        env={"DATABASE_URL": db_url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_has_measures_and_revisions(db: Database, db_url: str, tmp_path: Path, fmt: str) -> None:
    load_example(db)
    _report_and_correct(db)
    result = _export(db_url, fmt, tmp_path)
    assert result.returncode == 0, result.stderr
    if fmt == "csv":
        measures = pd.read_csv(tmp_path / "measures.csv")
        revisions = pd.read_csv(tmp_path / "measure_revisions.csv")
    else:
        book = pd.read_excel(tmp_path / "collaborative.xlsx", sheet_name=None)
        measures, revisions = book["measures"], book["measure_revisions"]
    row = measures.iloc[0]
    assert (row["team"], row["measure"], row["period"], row["numerator"], row["version"]) == (
        "riverside",
        "bp_control",
        "2026-03",
        120,
        2,
    )
    assert len(revisions) == 1
    rev = revisions.iloc[0]
    assert (rev["team"], rev["measure"], rev["period"], rev["changed_by"]) == (
        "riverside",
        "bp_control",
        "2026-03",
        ARJUN,
    )
    assert (rev["old_numerator"], rev["new_numerator"]) == (116, 120)
    assert str(rev["changed_at"]).startswith("2026-04-05")
