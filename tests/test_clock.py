"""The clock: one leader per PostgreSQL database, jobs synced from the collaboratives, failover."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

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
