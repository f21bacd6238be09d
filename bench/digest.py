"""Benchmark: the weekly digest for 200 teams x 10 measures x 24 months plus 5,000 PDSA cycles.

    python -m bench.digest [--db sqlite|postgresql] [--url URL] [--repeat N]
                           [--teams N[,N...]] [--months M]

With several ``--teams`` (e.g. ``--teams 200,1000,2000 --months 36``) each size is seeded in its
own scratch database and a table compares them: report rows, the bare read, the digest, their
ratio, and the digest's time per 1,000 rows (it should stay flat: the cost grows no faster than
the rows). PDSA cycles scale with the teams (25 a team, 5,000 for 200).

Seeds a scratch database (a temporary SQLite file, or a fresh PostgreSQL database created on
the server at ``--url`` / ``TEST_DATABASE_URL`` and dropped afterwards), then times:

- the digest computation (all queries + :func:`bot.digest.rules.build_digest`, no Slack I/O);
- a bare ``pandas.read_sql`` of the same 48,000 report rows (the six columns the digest reads,
  no joins), and the ratio of the two;
- rendering the 10 collaborative run charts (PNG), reported separately, in wall-clock and CPU
  time per chart (CPU time is steadier on a shared machine);
- peak Python memory of one digest computation (tracemalloc) and the process's max RSS.

Targets: digest under 2 s and at most 3x the bare read.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from bot.collaborative.demo_data import Profile, synthetic_pdsa, synthetic_reports
from bot.digest.delivery import render_chart
from bot.digest.rules import build_digest
from storage.collaboratives import (
    CollaborativeState,
    EventState,
    MeasureState,
    TeamState,
    sync_collaborative,
)
from storage.db import Database, normalise_url
from storage.demo_seed import insert_pdsa, insert_reports
from storage.digest_queries import load_digest_data, measures_frame
from storage.migrate import upgrade
from storage.models import MeasureReport

TEAMS = 200
LAST_MONTH = "2026-12"
MEASURES = 10
MONTHS = pd.period_range("2025-01", "2026-12", freq="M")
PDSA_CYCLES = 5_000
AS_OF = datetime(2027, 1, 18, 16, 0, tzinfo=UTC)
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
BARE_COLUMNS = (
    MeasureReport.team_id,
    MeasureReport.measure_id,
    MeasureReport.period,
    MeasureReport.numerator,
    MeasureReport.denominator,
    MeasureReport.value,
)
KINDS = [("proportion", 0.58, 0.70, "up"), ("rate", 3.1, 2.5, "down"), ("count", 48.0, 40.0, "down")]


def months_ending(count: int) -> pd.PeriodIndex:
    """``count`` months up to December 2026 (the digest is taken in January 2027)."""
    return pd.period_range(end=LAST_MONTH, periods=count, freq="M")


def _state(teams_count: int = TEAMS, months: pd.PeriodIndex = MONTHS) -> CollaborativeState:
    measures = []
    for i in range(MEASURES):
        kind, baseline, goal, direction = KINDS[i % len(KINDS)]
        measures.append(
            MeasureState(
                key=f"m{i:02d}",
                name=f"Measure {i}",
                type=kind,
                kind="outcome",
                numerator_definition="n" if kind != "count" else None,
                denominator_definition="d" if kind != "count" else None,
                definition="c" if kind == "count" else None,
                baseline=baseline,
                goal=goal,
                nqf=None,
                direction=direction,
                multiplier=1000.0 if kind == "rate" else None,
                position=i,
            )
        )
    teams = [
        TeamState(f"t{i:04d}", f"Clinic {i}", f"C{i:09d}", [f"U{i:09d}"], [f"U{i:09d}"])
        for i in range(teams_count)
    ]
    calls = [
        EventState(
            f"call-{m}",
            "Monthly interim call",
            "interim_call",
            datetime(2027, m, 12, 20, tzinfo=UTC),
            60,
            None,
        )
        for m in range(1, 7)
    ]
    return CollaborativeState(
        key="bench",
        name="Benchmark collaborative",
        timezone="America/New_York",
        start=months[min(6, len(months) - 1)].start_time.date(),  # the first months are baseline
        end=date(2027, 6, 30),
        due_day=10,
        baseline_months=6,
        digest_channel="C0BENCH001",
        digest_day="monday",
        digest_time="08:00",
        peer_channel_id=None,
        peer_channel_name=None,
        peer_channel_topic=None,
        source_path=None,
        faculty=["U0FACULTY1"],
        teams=teams,
        measures=measures,
        events=calls,
    )


def _profiles(rng: np.random.Generator, teams: int, months: pd.PeriodIndex) -> dict[str, Profile]:
    profiles = {}
    last = len(months) - 1
    for i in range(teams):
        kind = ("improving", "flat", "flat", "deteriorating", "improving")[i % 5]
        start = months[int(rng.integers(min(6, last), max(min(6, last) + 1, last - 5)))]
        missing = (months[-1],) if i % 7 == 0 else ()
        profiles[f"t{i:04d}"] = Profile(kind, start, 0.6, missing=missing, pdsa_tracks=3)
    return profiles


def seed(url: str, teams_count: int = TEAMS, months: pd.PeriodIndex = MONTHS) -> int:
    upgrade(url)
    db = Database(url)
    rng = np.random.default_rng(7)
    profiles = _profiles(rng, teams_count, months)
    state = _state(teams_count, months)
    with db.transaction() as session:
        sync_collaborative(session, state)
    with db.transaction() as session:
        collab_id = 1
        measures = measures_frame(session, collab_id)
        teams = sorted(profiles)
        reports = synthetic_reports(teams, measures, months, profiles, rng)
        insert_reports(session, collab_id, reports, 10, {})
        cycles = synthetic_pdsa(teams, profiles, state.start, AS_OF.date(), rng)
        wanted = PDSA_CYCLES * teams_count // TEAMS
        cycles = cycles.sample(n=min(wanted, len(cycles)), random_state=1).sort_values(["team", "idea"])
        cycles = _renumber(cycles)
        insert_pdsa(session, collab_id, cycles)
    counts = (len(reports), len(cycles))
    db.dispose()
    print(f"seeded {counts[0]:,} measure reports and {counts[1]:,} PDSA cycles")
    return collab_id


def _renumber(cycles: pd.DataFrame) -> pd.DataFrame:
    """Keep cycle numbers 1..n per change idea after sampling."""
    cycles = cycles.sort_values(["team", "idea", "start_date"]).copy()
    cycles["cycle_number"] = cycles.groupby(["team", "idea"]).cumcount() + 1
    return cycles


@contextmanager
def scratch_database(kind: str, server_url: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    name = f"collab_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(normalise_url(server_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(normalise_url(server_url)).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def _timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _cpu(fn: Callable[[], object], repeat: int) -> float:
    """Median CPU seconds of this process for ``fn`` (steadier than wall time on a shared machine;
    a PostgreSQL server's own work is not in it)."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def measure(
    kind: str, server_url: str, repeat: int, teams: int, months: pd.PeriodIndex, full: bool
) -> dict[str, float]:
    """Seed one size, time the bare read and the digest (and with ``full`` the charts and memory)."""
    figures: dict[str, float] = {"teams": teams, "months": len(months)}
    with scratch_database(kind, server_url) as url:
        started = time.perf_counter()
        collab_id = seed(url, teams, months)
        figures["seed_s"] = time.perf_counter() - started
        db = Database(url)

        def digest() -> object:
            with db.reader() as session:
                data = load_digest_data(session, collab_id, AS_OF)
            return build_digest(data, AS_OF)

        def bare() -> object:
            with db.engine.connect() as conn:
                return pd.read_sql(select(*BARE_COLUMNS), conn)

        digest()  # warm caches and imports
        figures["bare_s"], rows = _timed(bare, repeat)
        figures["digest_s"], result = _timed(digest, repeat)
        figures["bare_cpu_s"] = _cpu(bare, repeat)
        figures["digest_cpu_s"] = _cpu(digest, repeat)
        figures["rows"] = len(rows)  # type: ignore[arg-type]
        if full:
            charts = result.charts  # type: ignore[attr-defined]
            render_chart(charts[0])  # warm fonts and caches
            cpu_start = time.process_time()
            figures["charts_s"], _ = _timed(lambda: [render_chart(c) for c in charts], 1)
            figures["charts_cpu_s"] = time.process_time() - cpu_start
            figures["charts"] = len(charts)
            tracemalloc.start()
            digest()
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            figures["peak_mib"] = peak / 2**20
        db.dispose()
    return figures


def run(kind: str, server_url: str, repeat: int, teams: int = TEAMS, months: int = len(MONTHS)) -> None:
    f = measure(kind, server_url, repeat, teams, months_ending(months), full=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ratio = f["digest_s"] / f["bare_s"]
    print(f"backend: {kind}; {teams:,} teams x 10 measures x {months} months")
    print(f"bare pandas.read_sql of {int(f['rows']):,} report rows: {f['bare_s'] * 1000:.0f} ms")
    print(f"digest (queries + build_digest, no Slack): {f['digest_s'] * 1000:.0f} ms  (median of {repeat})")
    print(f"ratio digest / bare read: {ratio:.2f}x  (target <= 3x)")
    cpu_ratio = f["digest_cpu_s"] / f["bare_cpu_s"]
    print(
        f"CPU: bare read {f['bare_cpu_s'] * 1000:.0f} ms, digest {f['digest_cpu_s'] * 1000:.0f} ms, "
        f"ratio {cpu_ratio:.2f}x"
    )
    print(f"under 2 s: {'yes' if f['digest_s'] < 2 else 'NO'}; within 3x: {'yes' if ratio <= 3 else 'NO'}")
    count = int(f["charts"])
    each, each_cpu = f["charts_s"] / count * 1000, f["charts_cpu_s"] / count * 1000
    print(
        f"rendering the {count} run charts (PNG, separate): {f['charts_s'] * 1000:.0f} ms, "
        f"{each:.0f} ms a chart (CPU {each_cpu:.0f} ms a chart)"
    )
    print(f"peak traced Python memory of one digest: {f['peak_mib']:.1f} MiB; process max RSS: {rss:.0f} MiB")


def table(kind: str, server_url: str, repeat: int, sizes: list[int], months: int) -> None:
    """One row per size: rows, bare read, digest, ratio and digest time per 1,000 rows."""
    print(f"backend: {kind}; 10 measures x {months} months; median of {repeat}")
    header = (
        f"{'teams':>6} {'report rows':>12} {'bare read':>10} {'digest':>9} {'ratio':>6} {'ms / 1k rows':>13}"
        f" {'CPU ratio':>10} {'CPU ms / 1k rows':>16}"
    )
    print(header)
    for teams in sizes:
        f = measure(kind, server_url, repeat, teams, months_ending(months), full=False)
        per_k = f["digest_s"] * 1000 / (f["rows"] / 1000)
        cpu_per_k = f["digest_cpu_s"] * 1000 / (f["rows"] / 1000)
        print(
            f"{teams:>6,} {int(f['rows']):>12,} {f['bare_s'] * 1000:>8.0f}ms {f['digest_s'] * 1000:>7.0f}ms "
            f"{f['digest_s'] / f['bare_s']:>5.2f}x {per_k:>12.2f} "
            f"{f['digest_cpu_s'] / f['bare_cpu_s']:>9.2f}x {cpu_per_k:>16.2f}",
            flush=True,
        )
    print("targets: ratio <= 3x at every size; ms / 1k rows not growing with the size")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--url", default=os.environ.get("TEST_DATABASE_URL", DEFAULT_PG), help="PostgreSQL server"
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--teams", default=str(TEAMS), help="a number, or several: 200,1000,2000")
    parser.add_argument("--months", type=int, default=len(MONTHS))
    args = parser.parse_args()
    sizes = [int(n) for n in str(args.teams).split(",") if n.strip()]
    if len(sizes) == 1:
        run(args.db, args.url, args.repeat, sizes[0], args.months)
    else:
        table(args.db, args.url, args.repeat, sizes, args.months)


if __name__ == "__main__":
    main()
