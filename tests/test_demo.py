"""``collab-bot demo`` works from a fresh folder with no environment, and is deterministic."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLE, ROOT

PNG = b"\x89PNG\r\n\x1a\n"


def _run_demo(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", "--out", "digest-demo"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_demo_writes_the_digest_without_slack_or_environment(tmp_path: Path) -> None:
    result = _run_demo(tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "digest-demo"
    assert (
        "6 of 8 teams reported January 2027; 1 spotlight candidate, 5 teams may need support."
        in result.stdout
    )
    assert str(out / "digest.md") in result.stdout
    assert str(out / "digest.html") in result.stdout
    markdown = (out / "digest.md").read_text()
    assert "6 of 8 teams reported January 2027" in markdown
    assert "Not reported yet: Mission Hills Family Health, Lakeview Health Partners" in markdown
    assert "Spotlight candidates" in markdown and "Valle Verde Health Center" in markdown
    assert "missed the December 2026 and January 2027 reports" in markdown
    assert "deterioration on Controlling high blood pressure" in markdown  # Sierra Vista
    charts = sorted(out.glob("*.png"))
    assert len(charts) == 5
    assert all(path.read_bytes().startswith(PNG) for path in charts)
    assert all(path.name in markdown for path in charts)
    history = out / "baseline-history.csv"
    assert f"Baseline history:  {history} (imported 200 values for 8 teams: 200 new" in result.stdout
    assert history.read_text().startswith("team,measure,period,numerator,denominator,value\n")
    with sqlite3.connect(out / "demo.db") as conn:  # the months before the start came in by import
        by_import = "SELECT min(period), max(period), count(*) FROM measure_reports WHERE submitted_by = ?"
        imported = conn.execute(by_import, ("import",)).fetchone()
        first_reported = conn.execute(
            "SELECT min(period) FROM measure_reports WHERE submitted_by != 'import'"
        ).fetchone()
    assert first_reported == ("2026-01",)
    assert imported == ("2025-08", "2025-12", 200)
    page = (out / "digest.html").read_text()
    assert page.startswith("<!doctype html>") and "<img src=" in page

    again = _run_demo(tmp_path)  # a second run starts afresh and writes the same digest
    assert again.returncode == 0, again.stderr
    assert (out / "digest.md").read_text() == markdown


def test_packaged_example_matches_the_repository_file() -> None:
    packaged = ROOT / "bot" / "collaborative" / "data" / "collaborative.yaml"
    assert packaged.read_bytes() == EXAMPLE.read_bytes()
