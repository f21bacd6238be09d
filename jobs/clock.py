"""The clock: APScheduler 3 with its job store in our database, one cron job per job and collaborative.

* Triggers are cron triggers in each collaborative's own timezone (a 09:00 job stays at 09:00
  local across daylight-saving changes); missed runs are coalesced into one and run if they are
  at most ``misfire_grace_time`` late, so a restart catches up once.
* Only one clock runs jobs per database: a clock first takes the leadership lock
  (``storage.clock_lock``). On PostgreSQL (an advisory lock) a clock that does not get it waits
  and tries again every ``poll_seconds``, so it takes over when the leader stops or dies. On
  SQLite (a lock file next to the database) a second clock refuses to start.
* The leader re-syncs the jobs whenever the collaboratives change (``collab-bot load``): it
  compares a fingerprint of the collaboratives' schedule fields on every poll.
* Whatever a job sends goes through the delivery ledger, so even two clocks would not double-send.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Mapping
from datetime import UTC
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.context import BotContext
from bot.ops.preflight import Unusable
from bot.settings import Settings
from bot.slack.app import build_context
from bot.workspaces import adopt_collaboratives
from jobs.registry import Job, load_jobs, run_job
from storage.clock_lock import ClockLock
from storage.collaboratives import active_collaboratives, collaborative_by_key, schedule_fingerprint
from storage.migrate import upgrade
from storage.models import Collaborative

log = logging.getLogger(__name__)

JOB_DEFAULTS = {"coalesce": True, "misfire_grace_time": 6 * 3600, "max_instances": 1}
JOBSTORE_TABLE = "apscheduler_jobs"

#: The context jobs run with in this process (set by the leading clock). APScheduler persists
#: only the function's name and arguments, so the context cannot travel with the job.
_context: BotContext | None = None
_jobs: Mapping[str, Job] | None = None


def run_scheduled(job_name: str, collaborative_key: str) -> None:
    """APScheduler's entry point (importable by name, so the job store can persist it)."""
    ctx = _context
    if ctx is None:
        from bot.settings import load_settings

        ctx = build_context(load_settings())
    job = (_jobs if _jobs is not None else load_jobs()).get(job_name)
    with ctx.db.reader() as session:
        collab = collaborative_by_key(session, collaborative_key)
    if job is None or collab is None or not collab.active:
        log.info("job %s for %s is no longer defined; skipping", job_name, collaborative_key)
        return
    try:
        summary = run_job(ctx, job, collab, ctx.now())
    except Exception:  # the next run retries; the ledger keeps what was sent
        log.exception("job %s for %s failed", job_name, collaborative_key)
        return
    log.info("job %s for %s: %s", job_name, collaborative_key, summary)


def build_scheduler(ctx: BotContext) -> BackgroundScheduler:
    store = SQLAlchemyJobStore(engine=ctx.db.engine, tablename=JOBSTORE_TABLE)
    return BackgroundScheduler(jobstores={"default": store}, job_defaults=JOB_DEFAULTS, timezone=UTC)


def job_id(job: Job, collab: Collaborative) -> str:
    return f"{job.name}:{collab.key}"


def trigger_for(job: Job, collab: Collaborative) -> CronTrigger:
    fields: dict[str, Any] = job.cron(collab)
    return CronTrigger(timezone=collab.timezone, **fields)


def sync_jobs(scheduler: BackgroundScheduler, ctx: BotContext, jobs: Mapping[str, Job] | None = None) -> int:
    """Make the scheduled jobs match the registered jobs x active collaboratives; returns the count.

    A job whose trigger is unchanged is left alone, so a run missed while the clock was down still
    fires (once) when the scheduler starts; changed ones are replaced, stale ones removed.
    """
    jobs = load_jobs() if jobs is None else jobs
    with ctx.db.reader() as session:
        collaboratives = active_collaboratives(session)
    wanted: dict[str, tuple[Job, Collaborative, CronTrigger]] = {}
    for job in jobs.values():
        for collab in collaboratives:
            wanted[job_id(job, collab)] = (job, collab, trigger_for(job, collab))
    for existing in scheduler.get_jobs():
        if existing.id not in wanted:
            scheduler.remove_job(existing.id)
    for jid, (job, collab, trigger) in wanted.items():
        current = scheduler.get_job(jid)
        if current is not None and repr(current.trigger) == repr(trigger):
            continue
        scheduler.add_job(
            run_scheduled,
            trigger,
            args=[job.name, collab.key],
            id=jid,
            name=f"{job.name} for {collab.key}",
            replace_existing=True,
        )
    return len(wanted)


class Clock:
    """A clock that waits for leadership, then runs the scheduler until stopped or the lock is lost."""

    def __init__(
        self,
        ctx: BotContext,
        *,
        poll_seconds: float = 15.0,
        jobs: Mapping[str, Job] | None = None,
    ) -> None:
        self.ctx = ctx
        self.poll_seconds = poll_seconds
        self.jobs = load_jobs() if jobs is None else jobs  # imported here, not on the clock's thread
        self.lock = ClockLock(ctx.db.url)
        self.scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def is_leader(self) -> bool:
        return self.scheduler is not None and self.scheduler.running

    def start(self) -> Clock:
        """Start leading (or waiting to lead); on SQLite, raise :class:`Unusable` if a clock runs."""
        if self.lock.single_process and not self.lock.try_acquire():
            raise Unusable(self.lock.busy_message())
        self._thread = threading.Thread(target=self._run, name="collab-clock", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.lock.dispose()

    def wait(self) -> None:
        self._stop.wait()

    def _run(self) -> None:
        waiting_logged = False
        while not self._stop.is_set():
            if self.lock.try_acquire():
                waiting_logged = False
                try:
                    self._lead()
                except Exception:
                    log.exception("the clock failed; it will try again")
                finally:
                    self._step_down()
            elif not waiting_logged:
                log.info("another clock is running the jobs; this one waits and takes over if it stops")
                waiting_logged = True
            self._stop.wait(self.poll_seconds)

    def _lead(self) -> None:
        global _context, _jobs
        _context, _jobs = self.ctx, self.jobs
        scheduler = build_scheduler(self.ctx)
        scheduler.start(paused=True)
        try:
            fingerprint = self._fingerprint()
            count = sync_jobs(scheduler, self.ctx, self.jobs)
            scheduler.resume()
            self.scheduler = scheduler
            log.info("this clock leads: %s scheduled jobs", count)
            while not self._stop.wait(self.poll_seconds):
                if not self.lock.still_held():
                    log.warning("the clock lost its lock; it stops running jobs")
                    return
                now = self._fingerprint()
                if now != fingerprint:
                    fingerprint = now
                    count = sync_jobs(scheduler, self.ctx, self.jobs)
                    log.info("collaboratives changed: %s scheduled jobs", count)
        finally:
            self.scheduler = None
            scheduler.shutdown(wait=False)

    def _step_down(self) -> None:
        self.lock.release()

    def _fingerprint(self) -> tuple[tuple[object, ...], ...]:
        with self.ctx.db.reader() as session:
            return schedule_fingerprint(session)


def refuse_if_clock_running(url: str) -> None:
    """On SQLite, raise :class:`Unusable` when another clock holds the database's lock file."""
    lock = ClockLock(url)
    try:
        if lock.single_process and not lock.try_acquire():
            raise Unusable(lock.busy_message())
    finally:
        lock.dispose()


def start_background_clock(ctx: BotContext) -> None:
    """The clock inside ``collab-bot run``: a daemon thread next to the Slack listener."""
    Clock(ctx).start()


def run_clock(settings: Settings) -> int:
    """``collab-bot scheduler``: the clock process, until SIGTERM/SIGINT."""
    upgrade(settings.database_url)
    ctx = build_context(settings)
    adopt_collaboratives(ctx)
    clock = Clock(ctx)
    signal.signal(signal.SIGTERM, lambda *_: clock._stop.set())
    signal.signal(signal.SIGINT, lambda *_: clock._stop.set())
    clock.start()
    clock.wait()
    clock.stop()
    return 0
