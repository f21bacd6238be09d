"""``collab-bot demo`` works from a fresh folder with no environment, and is deterministic."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from bot.analytics.charts import artists_with_gid, run_chart_figure
from bot.collaborative.demo import demo_digest, seed_demo
from bot.measures.chart import build_team_chart
from storage.digest_queries import load_team_data
from storage.models import Team
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
        "6 of 8 teams reported January 2027; 1 spotlight candidate, 3 teams may need support."
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
    alts = re.findall(r"!\[(.*?)\]\(htn-", markdown)
    assert len(alts) == 5 and all(
        re.search(r"Y axis: (% of|per) [\w ,]+; (higher|lower) is better\.", a) for a in alts
    )
    history = out / "baseline-history.csv"
    assert f"Baseline history:  {history} (imported 480 values for 8 teams: 480 new" in result.stdout
    assert history.read_text().startswith("team,measure,period,numerator,denominator,value\n")
    with sqlite3.connect(out / "demo.db") as conn:  # the months before the start came in by import
        by_import = "SELECT min(period), max(period), count(*) FROM measure_reports WHERE submitted_by = ?"
        imported = conn.execute(by_import, ("import",)).fetchone()
        first_reported = conn.execute(
            "SELECT min(period) FROM measure_reports WHERE submitted_by != 'import'"
        ).fetchone()
    assert first_reported == ("2026-01",)
    assert imported == ("2025-01", "2025-12", 480)  # a year of baseline before the start
    page = (out / "digest.html").read_text()
    assert page.startswith("<!doctype html>") and "<img src=" in page

    again = _run_demo(tmp_path)  # a second run starts afresh and writes the same digest
    assert again.returncode == 0, again.stderr
    assert (out / "digest.md").read_text() == markdown


def test_packaged_example_matches_the_repository_file() -> None:
    packaged = ROOT / "bot" / "collaborative" / "data" / "collaborative.yaml"
    assert packaged.read_bytes() == EXAMPLE.read_bytes()


def test_no_flat_demo_team_is_flagged_and_every_changed_team_is(tmp_path: Path) -> None:
    seeded = seed_demo(f"sqlite:///{tmp_path / 'demo.db'}")
    try:
        digest = demo_digest(seeded)
    finally:
        seeded.db.dispose()
    rows = {row.team: row for row in digest.teams}
    for flat in ("harbor-street", "mission-hills", "north-county"):
        assert rows[flat].improvements == [] and rows[flat].deteriorations == [], flat
    for improving in ("riverside", "eastside", "valle-verde", "lakeview"):
        assert rows[improving].improvements and not rows[improving].deteriorations, improving
    assert rows["sierra-vista"].deteriorations and not rows["sierra-vista"].improvements
    support = {flag.team: flag.reasons for flag in digest.support}
    assert not any("deterioration" in reason for reason in support.get("mission-hills", []))


def test_every_demo_chart_names_its_unit(tmp_path: Path) -> None:
    seeded = seed_demo(f"sqlite:///{tmp_path / 'demo.db'}")
    try:
        digest = demo_digest(seeded)
        with seeded.db.reader() as session:
            riverside = session.scalar(select(Team.id).where(Team.key == "riverside"))
            assert riverside is not None
            team_data = load_team_data(session, riverside)
    finally:
        seeded.db.dispose()
    units = {chart.measure: run_chart_figure(chart.chart).axes[0].get_ylabel() for chart in digest.charts}
    assert units == {
        "bp_control": "% of patients",
        "depression_screening": "% of patients",
        "smbp_use": "% of patients",
        "hypotension_rate": "per 1,000 visits",
        "missed_appointments": "per team",
    }
    for chart in digest.charts:
        fig = run_chart_figure(chart.chart)
        assert fig.axes[0].get_title(loc="right") in ("↑ better", "↓ better")
        labels = [t.get_text() for t in artists_with_gid(fig, "session-label")]  # type: ignore[attr-defined]
        assert labels in (
            ["Learning Session 1", "Learning Session 2", "Learning Session 3"],
            ["LS1", "LS2", "LS3"],
        )
        assert artists_with_gid(fig, "teams-reporting") and artists_with_gid(fig, "pdsa-count")
    assert team_data is not None
    team = build_team_chart(team_data, pd.Period("2027-01", "M"))
    assert team is not None
    fig = run_chart_figure(team.chart)
    assert fig.axes[0].get_ylabel() == "% of patients" and artists_with_gid(fig, "pdsa")
