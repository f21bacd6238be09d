"""The job registry: every scheduled job, by name, with when it runs for a collaborative."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.context import BotContext
from storage.models import Collaborative

#: ``run(ctx, collaborative, as_of)`` does one pass of the job for one collaborative as if the time
#: were ``as_of`` (timezone-aware) and returns a one-line summary (``jobs run`` prints it).
JobRun = Callable[[BotContext, Collaborative, datetime], str]
#: ``cron(collaborative)`` gives APScheduler CronTrigger fields, in the collaborative's timezone.
CronFields = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    cron: CronFields
    run: JobRun


JOBS: dict[str, Job] = {}


def register_job(job: Job) -> Job:
    JOBS[job.name] = job
    return job


def run_job(ctx: BotContext, job: Job, collab: Collaborative, as_of: datetime) -> str:
    """One pass of ``job`` for ``collab``, unless the bot can't speak in its workspace (the app was
    removed from it, or no installation or token serves it): then the job is skipped, sends nothing
    and leaves pending messages pending."""
    if ctx.client_for(collab.id) is None:
        return f"skipped: the app is not installed in the workspace of {collab.key}"
    return job.run(ctx, collab, as_of)


def load_jobs() -> dict[str, Job]:
    """Import the job modules so they register themselves."""
    import jobs.catalog  # noqa: F401

    return JOBS
