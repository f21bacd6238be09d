"""The clock: one leader per PostgreSQL database, jobs synced from the collaboratives, failover."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.context import BotContext
from jobs.clock import Clock, sync_jobs
from jobs.registry import Job, load_jobs
from storage.db import normalise_url
from storage.models import Collaborative
from tests.conftest import load_example, make_context
from tests.helpers import eventually
from tests.slack_standin import SlackStandIn


def probe_job(runs: list[tuple[str, str]], lock: threading.Lock) -> Job:
    def run(ctx: BotContext, collab: Collaborative, as_of: datetime) -> str:
        with lock:
            runs.append((ctx.db.url, collab.key))
        return "probed"

    return Job("probe", "test probe", lambda collab: {"hour": 3, "minute": 0}, run)


def test_two_clocks_on_postgresql_one_runs_the_jobs(postgres_url: str, slack: SlackStandIn) -> None:
    from tests.conftest import _empty_tables

    _empty_tables(postgres_url)
    runs: list[tuple[str, str]] = []
    lock = threading.Lock()
    probe = {"probe": probe_job(runs, lock)}
    first_ctx, second_ctx = make_context(postgres_url, slack), make_context(postgres_url, slack)
    load_example(first_ctx.db)
    first = Clock(first_ctx, poll_seconds=0.05, jobs=probe).start()
    second = Clock(second_ctx, poll_seconds=0.05, jobs=probe).start()
    try:
        assert eventually(lambda: first.is_leader or second.is_leader)
        assert eventually(lambda: first.lock.held or second.lock.held)
        leader, follower = (first, second) if first.is_leader else (second, first)
        # give the follower several polls to (wrongly) take the lock too
        assert not eventually(lambda: follower.is_leader, timeout=0.4)
        assert follower.scheduler is None

        assert leader.scheduler is not None
        leader.scheduler.modify_job("probe:htn", next_run_time=datetime.now(UTC))
        assert eventually(lambda: len(runs) == 1)
        assert not eventually(lambda: len(runs) > 1, timeout=0.3)

        # the leader dies (its database session is killed): the follower takes over
        pid = leader.lock.backend_pid()
        engine = create_engine(normalise_url(postgres_url))
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        engine.dispose()
        assert eventually(lambda: follower.is_leader)
        assert eventually(lambda: not leader.is_leader)
        assert follower.scheduler is not None and follower.scheduler.get_job("probe:htn") is not None
    finally:
        first.stop()
        second.stop()
        first_ctx.db.dispose()
        second_ctx.db.dispose()


def test_a_stopped_leader_hands_over(postgres_url: str, slack: SlackStandIn) -> None:
    from tests.conftest import _empty_tables

    _empty_tables(postgres_url)
    first_ctx, second_ctx = make_context(postgres_url, slack), make_context(postgres_url, slack)
    first = Clock(first_ctx, poll_seconds=0.05).start()
    assert eventually(lambda: first.is_leader)
    second = Clock(second_ctx, poll_seconds=0.05).start()
    try:
        assert not eventually(lambda: second.is_leader, timeout=0.3)
        first.stop()
        assert eventually(lambda: second.is_leader)
    finally:
        first.stop()
        second.stop()
        first_ctx.db.dispose()
        second_ctx.db.dispose()


def test_jobs_follow_the_collaboratives(db_url: str, slack: SlackStandIn, tmp_path: object) -> None:
    """Jobs are registered per collaborative in its timezone; a changed timezone re-syncs them."""
    ctx = make_context(db_url, slack)
    load_example(ctx.db)
    clock = Clock(ctx, poll_seconds=0.05).start()
    try:
        assert eventually(lambda: clock.is_leader)
        scheduler = clock.scheduler
        assert scheduler is not None
        ids = {job.id for job in scheduler.get_jobs()}
        assert {f"{name}:htn" for name in load_jobs()} <= ids
        job = scheduler.get_job("report-reminders:htn")
        assert str(job.trigger.timezone) == "America/Los_Angeles"

        from sqlalchemy import update

        from storage.models import Collaborative as C
        from storage.models import utcnow

        with ctx.db.transaction() as session:
            session.execute(update(C).values(timezone="America/New_York", updated_at=utcnow()))
        assert eventually(
            lambda: str(scheduler.get_job("report-reminders:htn").trigger.timezone) == "America/New_York"
        )
    finally:
        clock.stop()
        ctx.db.dispose()


def test_sync_keeps_an_unchanged_job_so_a_missed_run_still_fires(db_url: str, slack: SlackStandIn) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    from jobs.clock import build_scheduler

    ctx = make_context(db_url, slack)
    load_example(ctx.db)
    scheduler: BackgroundScheduler = build_scheduler(ctx)
    scheduler.start(paused=True)
    try:
        sync_jobs(scheduler, ctx)
        past = datetime(2026, 1, 1, tzinfo=UTC)
        scheduler.modify_job("report-reminders:htn", next_run_time=past)
        sync_jobs(scheduler, ctx)
        assert scheduler.get_job("report-reminders:htn").next_run_time == past
    finally:
        scheduler.shutdown(wait=False)
        ctx.db.dispose()


@pytest.fixture(autouse=True)
def _reset_clock_context() -> None:
    import jobs.clock

    jobs.clock._context = None
    jobs.clock._jobs = None


def test_two_clocks_on_postgresql_run_each_job_exactly_once(postgres_url: str, slack: SlackStandIn) -> None:
    """A job due every second runs once per second with two clocks, across a handover.

    Each run records which scheduler's worker ran it. Both clocks run in this process but hold
    their own database sessions, as two processes would. Exactly once means: never more runs
    than seconds passed, and the runs come from one clock, then (after the handover) only from
    the other, never interleaved.
    """
    import time

    from tests.conftest import _empty_tables

    _empty_tables(postgres_url)
    runs: list[tuple[float, str]] = []
    lock = threading.Lock()

    def tick(ctx: BotContext, collab: Collaborative, as_of: datetime) -> str:
        with lock:
            runs.append((time.monotonic(), threading.current_thread().name.rsplit("_", 1)[0]))
        return "tick"

    ticker = {"ticker": Job("ticker", "every second", lambda collab: {"second": "*"}, tick)}
    first_ctx, second_ctx = make_context(postgres_url, slack), make_context(postgres_url, slack)
    load_example(first_ctx.db)
    first = Clock(first_ctx, poll_seconds=0.05, jobs=ticker).start()
    second = Clock(second_ctx, poll_seconds=0.05, jobs=ticker).start()
    try:
        assert eventually(lambda: first.is_leader or second.is_leader, timeout=15)
        leader, follower = (first, second) if first.is_leader else (second, first)
        started = time.monotonic()
        assert eventually(lambda: len(runs) >= 3, timeout=10)
        leader.stop()
        assert eventually(lambda: follower.is_leader, timeout=15)
        count = len(runs)
        assert eventually(lambda: len(runs) >= count + 3, timeout=10)
        follower.stop()
        elapsed = time.monotonic() - started
    finally:
        first.stop()
        second.stop()
        first_ctx.db.dispose()
        second_ctx.db.dispose()
    assert len(runs) <= elapsed + 2, (len(runs), elapsed)  # once per second, never twice
    workers = [name for _, name in runs]
    changes = sum(1 for a, b in zip(workers, workers[1:], strict=False) if a != b)
    assert changes == 1, workers  # one clock, then the other; never both


def test_a_second_clock_on_the_same_sqlite_database_refuses_to_start(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    from bot.ops.preflight import Unusable
    from storage.migrate import upgrade

    db_url = f"sqlite:///{tmp_path / 'collab.db'}"
    upgrade(db_url)
    first_ctx, second_ctx = make_context(db_url, slack), make_context(db_url, slack)
    first = Clock(first_ctx, poll_seconds=0.05).start()
    try:
        with pytest.raises(Unusable) as refused:
            Clock(second_ctx, poll_seconds=0.05).start()
        assert "another clock is already running against this SQLite database" in str(refused.value)
        assert f"process {os.getpid()} holds" in str(refused.value)
    finally:
        first.stop()
    third = Clock(second_ctx, poll_seconds=0.05).start()  # the lock is free again
    assert eventually(lambda: third.is_leader, timeout=15)
    third.stop()
    first_ctx.db.dispose()
    second_ctx.db.dispose()


def test_a_second_scheduler_process_on_sqlite_exits_with_a_clear_message(tmp_path: Path) -> None:
    """Real processes: the second `collab-bot scheduler` refuses; a killed first one frees the lock."""
    import signal
    import subprocess
    import sys

    from tests.conftest import ROOT

    database = tmp_path / "collab.db"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{database}",
        "LOG_LEVEL": "INFO",
    }
    command = [sys.executable, "-m", "bot.cli", "scheduler"]
    lock_file = tmp_path / "collab.db.clock-lock"

    def start() -> subprocess.Popen[str]:
        process = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL, text=True)
        assert eventually(
            lambda: lock_file.exists() and lock_file.read_text().strip() == str(process.pid), 60
        )
        return process

    first = start()
    try:
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 1
        assert second.stderr.strip().splitlines()[-1] == (
            f"collab-bot: another clock is already running against this SQLite database (process "
            f"{first.pid} holds {lock_file}). Run one `collab-bot scheduler` (or `collab-bot run`) per "
            "SQLite database; use PostgreSQL to run a standby clock."
        )
        first.kill()  # a dead process releases its lock
        first.wait(30)
        third = start()
        third.send_signal(signal.SIGTERM)
        assert third.wait(30) == 0
    finally:
        first.kill()
        first.wait(30)
