"""``collab-bot export`` writes ``signals``: every run-chart verdict, by the digest's own code.

End to end on SQLite and PostgreSQL: 24 months for four teams (2025, before the collaborative's
January 2026 start, is the baseline) come in through ``collab-bot import``; ``collab-bot export
--as-of`` writes ``signals.csv`` (and a ``signals`` sheet), read back here: the improving teams
show an improvement found by the long-run rule since the month their change began, the flat team
none, the deteriorating team a deterioration, the collaborative rows use the file's baseline, and
the rows say the same as the digest built for the same moment.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from bot.cli import main
from bot.digest.rules import build_digest
from bot.history.command import run_import
from bot.history.rules import COLUMNS
from bot.months import fixed_clock
from bot.settings import load_settings
from storage.collaboratives import collaborative_by_key
from storage.db import Database
from storage.digest_queries import load_digest_data
from tests.conftest import load_example

MONTHS = [str(p) for p in pd.period_range("2025-01", "2026-12", freq="M")]
AS_OF = "2027-01-20"  # the digest's reporting period: December 2026
LATER = datetime(2027, 1, 20, 18, 0, tzinfo=UTC)
#: bp_control's true rate from January 2026 on (2025 is 0.58 for everyone)
AFTER = {"riverside": 0.76, "eastside": 0.72, "harbor-street": 0.58, "north-county": 0.44}
DENOMINATORS = {"bp_control": 260, "depression_screening": 200, "smbp_use": 150, "hypotension_rate": 1600}
RATES = {"depression_screening": 0.65, "smbp_use": 0.15, "hypotension_rate": 3.1 / 1000}


def history(seed: int = 4) -> list[dict[str, object]]:
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    for team, after in AFTER.items():
        for i, month in enumerate(MONTHS):
            for measure, size in DENOMINATORS.items():
                denominator = int(size * rng.uniform(0.8, 1.2))
                if measure == "bp_control":
                    p = 0.58 if i < 12 else after
                    numerator = int(rng.binomial(denominator, p))
                elif measure == "hypotension_rate":
                    numerator = int(rng.poisson(RATES[measure] * denominator))
                else:
                    numerator = int(rng.binomial(denominator, RATES[measure]))
                rows.append({"team": team, "measure": measure, "period": month,
                             "numerator": numerator, "denominator": denominator, "value": ""})  # fmt: skip
            rows.append({"team": team, "measure": "missed_appointments", "period": month,
                         "numerator": "", "denominator": "", "value": int(rng.poisson(48))})  # fmt: skip
    return rows


def write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_imported_history_comes_back_as_signals_in_the_export(
    db: Database,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    load_example(db)
    monkeypatch.setenv("DATABASE_URL", db_url)
    path = write_csv(tmp_path / "history.csv", history())
    settings = load_settings({"DATABASE_URL": db_url})  # collab-bot import, on a pinned clock
    assert run_import(settings, "htn", str(path), clock=fixed_clock(LATER)) == 0
    assert "imported 480 values for 4 teams" in capsys.readouterr().out

    out = tmp_path / "export"
    assert main(["export", "--out", str(out), "--as-of", AS_OF]) == 0
    assert main(["export", "--format", "xlsx", "--out", str(tmp_path / "book"), "--as-of", AS_OF]) == 0
    capsys.readouterr()
    signals = pd.read_csv(out / "signals.csv", dtype=str, keep_default_na=False)
    assert list(signals.columns) == [
        "collaborative", "team", "measure", "period", "points", "baseline_months", "center",
        "signal", "rule", "since",
    ]  # fmt: skip
    assert set(signals["period"]) == {"2026-12"} and set(signals["collaborative"]) == {"htn"}
    collab = signals[signals["team"] == ""].set_index("measure")
    assert len(collab) == 5  # one per measure
    teams = signals[signals["team"] != ""].set_index(["team", "measure"])
    assert len(teams) == 8 * 5  # every team of the file and measure; teams without data say so
    assert list(teams.loc[("valle-verde", "bp_control"), ["points", "signal"]]) == ["0", "none"]

    bp = teams.xs("bp_control", level="measure")
    for team in ("riverside", "eastside"):
        assert list(bp.loc[team, ["signal", "rule", "since"]]) == ["improvement", "run", "2026-01"], team
        assert (bp.loc[team, "points"], bp.loc[team, "baseline_months"]) == ("24", "12")
    assert list(bp.loc["harbor-street", ["signal", "rule", "since"]]) == ["none", "", ""]
    assert bp.loc["north-county", "signal"] == "deterioration"
    assert list(collab.loc["bp_control", ["center", "baseline_months", "signal"]]) == [
        "0.58", "", "improvement",
    ]  # fmt: skip  # the file's baseline is the collaborative centre

    with Database(db_url).reader() as session:  # the digest for the same moment says the same
        found = collaborative_by_key(session, "htn")
        assert found is not None
        moment = datetime(2027, 1, 20, 8, 0, tzinfo=UTC)
        data = load_digest_data(session, found.id, moment)
    digest = build_digest(data, moment)
    improving = {row.team for row in digest.teams if "Controlling high blood pressure" in row.improvements}
    assert improving == {"riverside", "eastside"}
    assert {t for t, row in bp.iterrows() if row["signal"] == "improvement"} == improving

    sheet = load_workbook(next((tmp_path / "book").glob("*.xlsx")), read_only=True)["signals"]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[:4] == ("collaborative", "team", "measure", "period") and len(rows) == len(signals)
