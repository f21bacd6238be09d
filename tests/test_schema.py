"""Every hot query has an index on PostgreSQL, and processes migrating at once take turns.

(``tests/test_migrations.py`` checks that the migrations build the models' schema.) The index
check runs the real storage functions, records the SQL they send, and asks PostgreSQL for each
statement's plan with ``enable_seqscan = off``: the planner then scans a table
sequentially only when no index can serve the query, so a ``Seq Scan`` on one of the big tables
(they grow with teams x months, or with every message sent) is a missing index, whatever the
row counts of the test data. The queries an index was added for must name that index in their
plan (:data:`EXPECTED_INDEX`), so a weaker index that merely avoids the scan does not pass.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import make_url

from storage import ledger, submissions
from storage.calendar import events_starting_between, rsvp_counts
from storage.db import Database
from storage.digest_queries import load_digest_data
from storage.pdsa import change_ideas, cycles_needing_nudge, open_cycles, team_cycles
from storage.people import faculty_ids, find_person, lead_ids_by_team
from storage.reporting_status import reported_team_ids
from storage.reports import latest_values_before, revisions, stored_team_report, stored_values
from storage.slack_events import first_delivery, forget_older_than
from storage.workspaces import Workspace
from tests.conftest import load_example
from tests.constants import ALICE, TEAM_ID

#: Tables that grow with the collaborative's life; the rest hold a few rows per collaborative.
BIG_TABLES = frozenset(
    {
        "deliveries",
        "measure_reports",
        "measure_revisions",
        "team_reports",
        "memberships",
        "calendar_events",
        "rsvps",
        "pdsa_cycles",
        "pdsa_measures",
        "change_ideas",
        "processed_events",
        "view_submissions",
    }
)


def test_processes_migrating_at_once_take_turns_on_postgresql(postgres_url: str) -> None:
    """A web and a clock container start together: both migrate a new database, one after the other."""
    import os
    import subprocess
    import sys
    import uuid

    from sqlalchemy import create_engine, text

    from storage.db import normalise_url
    from storage.migrate import current_revision, head_revision
    from tests.conftest import ROOT

    name = f"collab_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(postgres_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_url(postgres_url)).set(database=name).render_as_string(hide_password=False)
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "DATABASE_URL": url}
    try:
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "db", "upgrade"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        results = [(p.wait(120), p.communicate()) for p in processes]
        assert [code for code, _ in results] == [0, 0, 0], [err[-500:] for _, (_, err) in results]
        database = Database(url)
        assert current_revision(database.engine) == head_revision()
        database.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- hot queries use indexes (PostgreSQL) ---------------------------------------------------------


@contextmanager
def recorded(db: Database) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        ours = statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH"))
        if ours and "pg_catalog" not in statement:  # pandas asks the catalog about tables too
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def seq_scans(plan: dict[str, Any]) -> set[str]:
    found = set()
    if plan.get("Node Type") == "Seq Scan":
        found.add(str(plan.get("Relation Name")))
    for child in plan.get("Plans", []):
        found |= seq_scans(child)
    return found


def index_names(plan: dict[str, Any]) -> set[str]:
    found = {str(plan["Index Name"])} if "Index Name" in plan else set()
    for child in plan.get("Plans", []):
        found |= index_names(child)
    return found


#: Queries whose index this schema adds for them: the plan must name it.
EXPECTED_INDEX = {
    "ledger: what is left to send, per job": "ix_deliveries_unsent_job",
    "reports: a team's month": "ix_measure_reports_team_id_period",
    "calendar: upcoming calls": "ix_calendar_events_collaborative_id_starts_at",
    "events: housekeeping": "ix_processed_events_received_at",
}


def explain(url: str, statement: str, parameters: Any) -> dict[str, Any]:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        conn.execute("SET enable_seqscan = off")
        cursor = psycopg.ClientCursor(conn)  # the parameters as literals: the plan for these values
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
        row = cursor.fetchone()
        assert row is not None
        conn.rollback()
    plan = row[0] if isinstance(row[0], list) else json.loads(row[0])
    return dict(plan[0]["Plan"])


def _seed(db: Database) -> dict[str, Any]:
    """The example collaborative, some reports, cycles, an RSVP and a ledger with sent history."""
    from sqlalchemy import select, text

    from storage.models import CalendarEvent, Collaborative, Team

    load_example(db)
    with db.transaction() as session:
        collab = session.scalars(select(Collaborative)).one()
        team_ids = list(session.scalars(select(Team.id).order_by(Team.id)))
        event_id = session.scalars(select(CalendarEvent.id).order_by(CalendarEvent.id)).first()
        session.execute(
            text(
                "INSERT INTO measure_reports (team_id, measure_id, period, numerator, denominator, value, "
                "submitted_by, submitted_at, version) "
                "SELECT t.id, m.id, to_char(date '2024-01-01' + (n || ' month')::interval, 'YYYY-MM'), "
                "50, 100, 0.5, 'U0ALICE001', now(), 1 "
                "FROM teams t CROSS JOIN measures m CROSS JOIN generate_series(0, 35) n"
            )
        )
        session.execute(
            text(
                "INSERT INTO deliveries (key, job, collaborative_id, channel, payload, status, attempts, "
                "created_at) SELECT 'bulk:' || n, 'report-reminders', :c, 'C0RIVER001', '{}', "
                "CASE WHEN n % 100 = 0 THEN 'pending' ELSE 'sent' END, 1, now() "
                "FROM generate_series(1, 20000) n"
            ),
            {"c": collab.id},
        )
        session.execute(
            text(
                "INSERT INTO processed_events (event_id, received_at) "
                "SELECT 'Ev' || n, now() - (n || ' minutes')::interval FROM generate_series(1, 5000) n"
            )
        )
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return {"collab_id": collab.id, "team_ids": team_ids, "event_id": event_id}


def hot_queries(db: Database, seeded: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    collab_id, team_ids, event_id = seeded["collab_id"], seeded["team_ids"], seeded["event_id"]
    team = team_ids[0]
    now = datetime(2026, 4, 15, 19, tzinfo=UTC)

    def read(fn: Callable[..., Any], *args: Any) -> Callable[[], Any]:
        def call() -> Any:
            with db.reader() as session:
                return fn(session, *args)

        return call

    return {
        "ledger: what is left to send, per job": lambda: ledger.pending_keys(db, "measures", None, collab_id),
        "ledger: everything left to send": lambda: ledger.pending_keys(db),
        "ledger: claim by key": lambda: ledger.claim(db, "bulk:17"),
        "ledger: a call's sent reminders": lambda: ledger.sent_with_prefix(db, "call-reminders:htn:event1:"),
        "ledger: which of a batch would be sent": lambda: ledger.would_send(db, ["bulk:1", "bulk:2"]),
        "ledger: dead letters": lambda: ledger.rows_with_status(db, ["dead", "unknown"]),
        "reports: a team's month": read(stored_values, team, "2026-03"),
        "reports: a team's earlier months": read(latest_values_before, team, "2026-03"),
        "reports: a team's narrative": read(stored_team_report, team, "2026-03"),
        "reports: a team's corrections": read(revisions, team, "2026-03"),
        "reports: who reported a month": read(reported_team_ids, collab_id, "2026-03"),
        "people: a person's roles": read(find_person, Workspace(TEAM_ID), ALICE),
        "people: faculty": read(faculty_ids, [collab_id]),
        "people: leads of teams": read(lead_ids_by_team, team_ids),
        "calendar: upcoming calls": read(events_starting_between, collab_id, now, now + timedelta(days=8)),
        "calendar: RSVP counts": read(rsvp_counts, [event_id]),
        "pdsa: open cycles": read(open_cycles, team_ids),
        "pdsa: a team's cycles": read(team_cycles, team),
        "pdsa: a team's change ideas": read(change_ideas, team),
        "pdsa: cycles to nudge": read(cycles_needing_nudge, collab_id, now, date(2026, 4, 15)),
        "digest: everything it reads": read(load_digest_data, collab_id, now),
        "events: seen before": lambda: first_delivery(db, "Ev0NEW"),
        "events: housekeeping": lambda: forget_older_than(db, 7, now),
        "submissions: seen before": lambda: submissions.claim(db, "V0NEW", "h1", now),
        "submissions: housekeeping": lambda: submissions.forget_submissions_before(db, now),
    }


def test_hot_queries_use_indexes_on_postgresql(postgres_url: str) -> None:
    from tests.conftest import _empty_tables

    _empty_tables(postgres_url)
    db = Database(postgres_url)
    try:
        seeded = _seed(db)
        problems = []
        for name, query in hot_queries(db, seeded).items():
            with recorded(db) as statements:
                query()
            assert statements, name
            used: set[str] = set()
            for statement, parameters in statements:
                plan = explain(postgres_url, statement, parameters)
                used |= index_names(plan)
                scanned = seq_scans(plan) & BIG_TABLES
                if scanned:
                    problems.append(f"{name}: Seq Scan on {', '.join(sorted(scanned))}\n  {statement}")
            if name in EXPECTED_INDEX and EXPECTED_INDEX[name] not in used:
                problems.append(f"{name}: does not use {EXPECTED_INDEX[name]} (uses {sorted(used)})")
        assert problems == [], "\n".join(problems)
    finally:
        db.dispose()
