"""The clock: APScheduler with its job store in our database, one cron per job and collaborative."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.app import build_context
from bot.context import BotContext
from bot.settings import Settings
from jobs.registry import load_jobs
from storage.collaboratives import active_collaboratives, collaborative_by_key
from storage.migrate import upgrade

log = logging.getLogger(__name__)

JOB_DEFAULTS = {"coalesce": True, "misfire_grace_time": 6 * 3600, "max_instances": 1}


def run_scheduled(job_name: str, collaborative_key: str) -> None:
    """APScheduler's entry point (importable by name, so the job store can persist it)."""
    from bot.settings import load_settings

    ctx = build_context(load_settings())
    job = load_jobs().get(job_name)
    with ctx.db.reader() as session:
        collab = collaborative_by_key(session, collaborative_key)
    if job is None or collab is None or not collab.active:
        log.info("job %s for %s is no longer defined; skipping", job_name, collaborative_key)
        return
    summary = job.run(ctx, collab, datetime.now(UTC))
    log.info("job %s for %s: %s", job_name, collaborative_key, summary)


def build_scheduler(ctx: BotContext) -> BackgroundScheduler:
    store = SQLAlchemyJobStore(engine=ctx.db.engine, tablename="apscheduler_jobs")
    return BackgroundScheduler(jobstores={"default": store}, job_defaults=JOB_DEFAULTS, timezone=UTC)


def sync_jobs(scheduler: BackgroundScheduler, ctx: BotContext) -> int:
    """(Re)register one cron job per registered job and active collaborative; returns the count."""
    count = 0
    with ctx.db.reader() as session:
        collaboratives = active_collaboratives(session)
    for job in load_jobs().values():
        for collab in collaboratives:
            fields: dict[str, Any] = job.cron(collab)
            scheduler.add_job(
                run_scheduled,
                CronTrigger(timezone=collab.timezone, **fields),
                args=[job.name, collab.key],
                id=f"{job.name}:{collab.key}",
                name=f"{job.name} for {collab.key}",
                replace_existing=True,
            )
            count += 1
    return count


def start_background_clock(ctx: BotContext) -> BackgroundScheduler:
    scheduler = build_scheduler(ctx)
    scheduler.start()
    count = sync_jobs(scheduler, ctx)
    log.info("clock started with %s scheduled jobs", count)
    return scheduler


def run_clock(settings: Settings) -> int:
    upgrade(settings.database_url)
    ctx = build_context(settings)
    scheduler = start_background_clock(ctx)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    scheduler.shutdown(wait=True)
    return 0
