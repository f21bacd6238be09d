"""Benchmark: the due-day burst. Many teams submit their measures form within a minute.

    python -m bench.burst [--db postgresql|sqlite] [--url URL] [--teams 200] [--window 60]
                          [--double-every 10]

Seeds a scratch database (PostgreSQL by default: a fresh database on the server at ``--url`` /
``TEST_DATABASE_URL``, dropped afterwards) with one collaborative of ``--teams`` teams x 10
measures around the current month, starts ``collab-bot serve`` (its defaults) against the Slack
stand-in (in its own process), builds each team lead's real form, and then every team submits it
(a signed ``view_submission``) at a random moment within ``--window`` seconds, each from its own
sender. Every ``--double-every``-th team submits twice at once (a double click). Afterwards it
checks the database: each team's report stored once (one value per measure, no extra revisions),
and the stand-in: one channel note per team.

Prints the answers by HTTP status (no 5xx expected), the ack p50 / p99 / max, and the checks.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import threading
import time
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select

from bench.harness import (
    DEFAULT_PG,
    StandIn,
    bench_env,
    describe,
    free_port,
    serve_ours,
    server,
    summary,
)
from bot.measures.service import ReportForm, open_form
from bot.measures.views import report_modal
from bot.months import first_day, period_of, shift
from storage.collaboratives import CollaborativeState, TeamState, sync_collaborative
from storage.db import Database
from storage.migrate import upgrade
from storage.models import MeasureReport, MeasureRevision
from storage.people import find_person
from storage.workspaces import Workspace
from tests.constants import SIGNING_SECRET, TEAM_ID
from tests.signing import SlackRequests, view_submission_payload

#: A value near each measure kind's baseline (numerator, denominator), so nothing asks to confirm.
TYPICAL = {"proportion": ("58", "100"), "rate": ("3", "1000"), "count": ("48", None)}


def lead(i: int) -> str:
    return f"U{i:09d}"


def channel(i: int) -> str:
    return f"C{i:09d}"


def state(teams: int, today: date) -> CollaborativeState:
    """One collaborative around ``today`` (a year each side) with ``teams`` teams and 10 measures."""
    from dataclasses import replace

    from bench.digest import _state

    this_month = period_of(today)
    return replace(
        _state(),
        key="burst",
        name="Burst collaborative",
        start=first_day(shift(this_month, -12)),
        end=first_day(shift(this_month, 12)),
        teams=[TeamState(f"t{i:03d}", f"Clinic {i}", channel(i), [lead(i)], [lead(i)]) for i in range(teams)],
        events=[],
    )


def seed(url: str, teams: int) -> None:
    upgrade(url)
    db = Database(url)
    with db.transaction() as session:
        sync_collaborative(session, state(teams, datetime.now(UTC).date()))
    db.dispose()


def state_values(view: dict[str, Any], types: dict[str, str]) -> dict[str, dict[str, dict[str, Any]]]:
    """``view.state.values`` for the form, each measure given a typical value."""
    values: dict[str, dict[str, dict[str, Any]]] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        bid, element = block["block_id"], block["element"]
        name = bid.split("|")[0]
        action = element["action_id"]
        if element["type"] == "static_select":
            values[bid] = {
                action: {"type": "static_select", "selected_option": element.get("initial_option")}
            }
            continue
        typed = element.get("initial_value")
        if ":" in name:
            key, part = name.split(":", 1)
            numerator, denominator = TYPICAL[types[key]]
            typed = denominator if part == "denominator" else numerator
        values[bid] = {action: {"type": element["type"], "value": typed}}
    return values


def forms(url: str, teams: int) -> list[tuple[str, dict[str, Any]]]:
    """Each lead's real form (as the bot would open it), filled in: (user id, view_submission payload)."""
    from storage.models import Measure

    db = Database(url)
    out = []
    with db.reader() as session:
        types = {m.key: str(getattr(m.type, "value", m.type)) for m in session.scalars(select(Measure))}
    for i in range(teams):
        with db.reader() as session:
            person = find_person(session, Workspace(TEAM_ID, None), lead(i))
        form = open_form(db, person, datetime.now(UTC))
        if not isinstance(form, ReportForm):
            raise RuntimeError(f"team {i}: no form ({form})")
        view = report_modal(form).to_dict()
        payload = view_submission_payload(view, state_values(view, types), lead(i), view_id=f"V{i:09d}")
        out.append((lead(i), payload))
    db.dispose()
    return out


def run(kind: str, server_url: str, teams: int, window: float, double_every: int) -> None:
    from bench.digest import scratch_database

    standin = StandIn(channels=[channel(i) for i in range(teams)])
    try:
        with scratch_database(kind, server_url) as url:
            seed(url, teams)
            port = free_port()
            with server(serve_ours(port), bench_env(url, standin.base_url), port) as base:
                payloads = forms(url, teams)  # after serve adopted the collaborative into the workspace
                results = burst(base, payloads, window, double_every)
                time.sleep(10)  # the channel notes and charts follow the acks
            checks = stored(url, teams)
        posts = standin.post_counts()
    finally:
        standin.stop()
    report(kind, teams, window, results, checks, posts)


def burst(
    base: str, payloads: list[tuple[str, dict[str, Any]]], window: float, double_every: int
) -> list[tuple[float, int]]:
    requests = SlackRequests(base, SIGNING_SECRET, timeout=30)
    results: list[tuple[float, int]] = []
    lock = threading.Lock()
    rng = random.Random(14)
    start = time.monotonic() + 1

    def send(payload: dict[str, Any], at: float) -> None:
        time.sleep(max(0.0, at - time.monotonic()))
        t0 = time.perf_counter()
        try:
            status, _, _ = requests.interact(payload)
        except OSError:
            status = 0
        with lock:
            results.append((time.perf_counter() - t0, status))

    threads = []
    for i, (_, payload) in enumerate(payloads):
        at = start + rng.uniform(0, window)
        copies = 2 if double_every and i % double_every == 0 else 1
        for _ in range(copies):
            threads.append(threading.Thread(target=send, args=(payload, at)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def stored(url: str, teams: int) -> dict[str, int]:
    db = Database(url)
    with db.reader() as session:
        per_team = dict(
            session.execute(select(MeasureReport.team_id, func.count()).group_by(MeasureReport.team_id)).all()
        )
        revisions = session.scalar(select(func.count()).select_from(MeasureRevision)) or 0
    db.dispose()
    return {
        "teams stored": len(per_team),
        "teams with exactly 10 values": sum(1 for n in per_team.values() if n == 10),
        "values": sum(per_team.values()),
        "revisions": int(revisions),
    }


def report(
    kind: str,
    teams: int,
    window: float,
    results: list[tuple[float, int]],
    checks: dict[str, int],
    posts: dict[str, int],
) -> None:
    statuses: dict[int, int] = {}
    for _, status in results:
        statuses[status] = statuses.get(status, 0) + 1
    print(f"bench.burst on {kind}: {teams} teams submit within {window:.0f} s ({len(results)} submissions)")
    print(describe("view_submission ack", summary([s for s, _ in results])))
    failed = sum(n for status, n in statuses.items() if status >= 500 or status == 0)
    print(f"answers by HTTP status: {json.dumps(statuses)}  (5xx or no answer: {failed})")
    for name, value in checks.items():
        print(f"{name}: {value:,}")
    noted = sum(1 for n in posts.values() if n)
    twice = sum(1 for n in posts.values() if n > 1)
    print(f"team channels with a note: {noted}; with more than one: {twice}")
    ok = checks["teams with exactly 10 values"] == teams and not failed and not twice
    print(f"every report stored once, one note each, no 5xx: {'yes' if ok else 'NO'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--url", default=os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG)
    parser.add_argument("--teams", type=int, default=200)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--double-every", type=int, default=10)
    args = parser.parse_args()
    run(args.db, args.url, args.teams, args.window, args.double_every)


if __name__ == "__main__":
    main()
