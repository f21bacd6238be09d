"""``collab-bot jobs list`` and ``collab-bot jobs run NAME --as-of``: jobs by hand."""

from __future__ import annotations

import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.app import build_context
from bot.settings import ConfigError, Settings
from jobs.registry import load_jobs
from storage.collaboratives import active_collaboratives


def parse_as_of(value: str | None, timezone: str) -> datetime:
    """An ISO date-time; a naive one is taken in ``timezone``. None means now."""
    zone = ZoneInfo(timezone)
    if value is None:
        return datetime.now(zone)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--as-of {value!r} is not an ISO date-time such as 2026-03-03T09:00") from None
    return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed


def list_jobs(settings: Settings) -> int:
    jobs = load_jobs()
    if not jobs:
        print("No jobs are registered yet.")
        return 0
    for job in jobs.values():
        print(f"{job.name:20} {job.description}")
    return 0


def run_job_by_name(settings: Settings, name: str, as_of: str | None) -> int:
    jobs = load_jobs()
    job = jobs.get(name)
    if job is None:
        known = ", ".join(sorted(jobs)) or "none yet"
        print(f"collab-bot: there is no job called {name!r}. Jobs: {known}.", file=sys.stderr)
        return 2
    settings.require("SLACK_BOT_TOKEN")
    ctx = build_context(settings)
    with ctx.db.reader() as session:
        collaboratives = active_collaboratives(session)
    if not collaboratives:
        print("No collaborative is loaded yet: run `collab-bot load FILE` first.", file=sys.stderr)
        return 2
    for collab in collaboratives:
        print(f"{collab.key}: {job.run(ctx, collab, parse_as_of(as_of, collab.timezone))}")
    return 0
