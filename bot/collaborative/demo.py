"""``collab-bot demo``: the example collaborative with 18 months of synthetic data, no Slack needed.

Seeds an embedded SQLite database in the output folder with ``examples/collaborative.yaml`` (or
the copy shipped inside the package) and synthetic reports and PDSA ramps (see
:mod:`bot.collaborative.demo_data`). The baseline months before the collaborative's start come in
as teams bring them from their EHR: written to a history CSV (``baseline-history.csv``) and loaded
through the same import as ``collab-bot import``; the months since start are stored as reports
submitted through the year. Then it builds the weekly digest as faculty would see it on a fixed Monday, and
writes it as Markdown and HTML with one run chart PNG per measure. Deterministic: same seed, same
files.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from bot.collaborative.demo_data import Profile, synthetic_pdsa, synthetic_reports
from bot.collaborative.file import CollaborativeSpec, parse_collaborative_file, parse_collaborative_text
from bot.collaborative.loading import apply_spec
from bot.digest.delivery import render_chart
from bot.digest.document import ChartFile, digest_html, digest_markdown
from bot.digest.rules import Digest, build_digest
from bot.digest.views import chart_filename
from bot.digest.wording import headline_counts
from bot.history.files import read_history_file, write_history_csv
from bot.history.service import Imported, import_history
from storage.collaboratives import collaborative_by_key
from storage.db import Database
from storage.demo_seed import insert_pdsa, insert_reports, insert_rsvps
from storage.digest_queries import load_digest_data, measures_frame
from storage.migrate import upgrade

SEED = 28  # a seed whose flat teams show no signal (about 1 stable series in 15 would, by chance)
FIRST_MONTH = pd.Period("2025-01", "M")  # a year of baseline before the start
LAST_MONTH = pd.Period("2027-01", "M")
AS_OF_LOCAL = datetime(2027, 2, 15, 8, 0)  # a Monday, after January's reports were due
EXAMPLE_NAME = "collaborative.yaml"
HISTORY_NAME = "baseline-history.csv"

P = pd.Period


def demo_profiles() -> dict[str, Profile]:
    """Who does what in the demo: improvers with real shifts, flat teams, one deteriorating."""
    return {
        "riverside": Profile("improving", P("2026-03", "M"), 0.65, size=1.3, pdsa_tracks=2),
        "eastside": Profile("improving", P("2026-05", "M"), 0.5, pdsa_tracks=2),
        "valle-verde": Profile("improving", P("2026-08", "M"), 0.9, size=1.1, pdsa_tracks=2),
        "harbor-street": Profile("flat"),
        "mission-hills": Profile(
            "flat", missing=(P("2026-12", "M"), P("2027-01", "M")), size=0.7, pdsa_until=date(2026, 10, 15)
        ),
        "sierra-vista": Profile("deteriorating", P("2026-06", "M"), 0.6),
        "lakeview": Profile("improving", P("2026-04", "M"), 0.45, missing=(P("2027-01", "M"),)),
        "north-county": Profile("flat", size=1.2, pdsa_until=date(2026, 11, 30)),
    }


LATE_DAYS = {"lakeview": 4, "sierra-vista": 1}


def example_spec() -> tuple[CollaborativeSpec, str]:
    """The example collaborative: the repository's file if present, else the packaged copy."""
    repo_file = Path(__file__).resolve().parent.parent / "examples" / EXAMPLE_NAME
    if repo_file.is_file():
        return parse_collaborative_file(repo_file), str(repo_file)
    packaged = resources.files("bot.collaborative").joinpath("data", EXAMPLE_NAME)
    return parse_collaborative_text(packaged.read_text(encoding="utf-8"), EXAMPLE_NAME), EXAMPLE_NAME


@dataclass(frozen=True)
class SeededDemo:
    db: Database
    collaborative_id: int
    as_of: datetime
    history: Imported  # the baseline months, imported from the history CSV


def import_baseline(db: Database, key: str, baseline: pd.DataFrame, path: Path, as_of: datetime) -> Imported:
    """Write the months before the start as a history CSV at ``path`` and import it."""
    write_history_csv(baseline, path)
    result = import_history(db, key, read_history_file(path), as_of)
    if not isinstance(result, Imported):
        raise RuntimeError(f"the demo's baseline history did not import: {result}")
    return result


def seed_demo(url: str, seed: int = SEED, history_file: Path | None = None) -> SeededDemo:
    """Create (or reset) the demo database at ``url`` and fill it; returns where it is and when.

    The baseline history CSV is written to ``history_file`` (default: a temporary file).
    """
    upgrade(url)
    db = Database(url)
    spec, source = example_spec()
    apply_spec(db, spec, source)
    tz = ZoneInfo(spec.timezone)
    as_of = AS_OF_LOCAL.replace(tzinfo=tz)
    rng = np.random.default_rng(seed)
    profiles = demo_profiles()
    teams = [t.key for t in spec.teams]
    with db.reader() as session:
        collab = collaborative_by_key(session, spec.key)
        assert collab is not None
        measures = measures_frame(session, collab.id)
    months = pd.period_range(FIRST_MONTH, LAST_MONTH, freq="M")
    reports = synthetic_reports(teams, measures, months, profiles, rng)
    before_start = pd.PeriodIndex(reports["period"], freq="M") < pd.Period(spec.start, "M")
    if history_file is None:
        with tempfile.TemporaryDirectory() as folder:
            history = import_baseline(db, spec.key, reports[before_start], Path(folder) / HISTORY_NAME, as_of)
    else:
        history = import_baseline(db, spec.key, reports[before_start], history_file, as_of)
    with db.transaction() as session:
        insert_reports(session, collab.id, reports[~before_start], spec.reporting.due_day, LATE_DAYS)
        first_session = spec.first_learning_session()
        start = first_session.starts_at.date() if first_session else spec.start
        cycles = synthetic_pdsa(teams, profiles, start, as_of.date(), rng)
        insert_pdsa(session, collab.id, cycles)
        insert_rsvps(session, collab.id, as_of, [14, 9, 6])
        collaborative_id = collab.id
    return SeededDemo(db, collaborative_id, as_of, history)


def demo_digest(seeded: SeededDemo) -> Digest:
    with seeded.db.reader() as session:
        data = load_digest_data(session, seeded.collaborative_id, seeded.as_of)
    return build_digest(data, seeded.as_of)


def write_digest_files(digest: Digest, out: Path) -> list[Path]:
    """Write the charts (PNG), digest.md and digest.html into ``out``; return the paths written."""
    written: list[Path] = []
    charts: list[ChartFile] = []
    for chart in digest.charts:
        png, alt = render_chart(chart)
        path = out / chart_filename(digest, chart)
        path.write_bytes(png)
        written.append(path)
        charts.append(ChartFile(path.name, chart.title, alt, chart.result.finding))
    markdown = out / "digest.md"
    markdown.write_text(digest_markdown(digest, charts), encoding="utf-8")
    page = out / "digest.html"
    page.write_text(digest_html(digest, charts), encoding="utf-8")
    return [markdown, page, *written]


def run_demo(out: str | os.PathLike[str] = "demo-out") -> int:
    """``collab-bot demo``: seed, build, write; prints where everything is."""
    folder = Path(out).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "demo.db"
    for stale in folder.glob("demo.db*"):
        stale.unlink()
    history = folder / HISTORY_NAME
    seeded = seed_demo(f"sqlite:///{database}", history_file=history)
    try:
        digest = demo_digest(seeded)
        written = write_digest_files(digest, folder)
    finally:
        seeded.db.dispose()
    print(f"Demo collaborative: {digest.collaborative_name}, as of {digest.as_of:%A %-d %B %Y %H:%M}.")
    reported = f"{digest.n_reported} of {digest.n_teams} teams reported {digest.period_label}"
    print(f"{reported}; {headline_counts(digest)}.")
    print(f"Digest (Markdown): {written[0]}")
    print(f"Digest (HTML):     {written[1]}")
    print(f"Run charts:        {len(written) - 2} PNG files in {folder}")
    print(f"Baseline history:  {history} ({seeded.history.summary()})")
    print(f"Demo database:     {database}")
    return 0
