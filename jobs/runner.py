"""``collab-bot jobs list`` and ``collab-bot jobs run NAME --as-of``: jobs by hand."""

from __future__ import annotations

import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError

from bot.database_errors import database_problem
from bot.months import Clock, utc_now
from bot.settings import ConfigError, Settings
from bot.slack.app import build_context
from bot.workspaces import adopt_collaboratives
from jobs.registry import load_jobs, run_job
from storage.calendar import events_starting_between, rsvp_counts
from storage.collaboratives import active_collaboratives
from storage.db import Database


def parse_as_of(value: str | None, timezone: str, now: datetime) -> datetime:
    """An ISO date-time; a naive one is taken in ``timezone``. None means ``now``."""
    zone = ZoneInfo(timezone)
    if value is None:
        return now.astimezone(zone)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--as-of {value!r} is not an ISO date-time such as 2026-03-03T09:00") from None
    return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return "-" if moment is None else f"{moment.astimezone(zone):%a %Y-%m-%d %H:%M %Z}"


def list_jobs(settings: Settings, clock: Clock = utc_now) -> int:
    """Every job; per collaborative, each job's next run (local time) and the upcoming calls."""
    from jobs.clock import trigger_for

    jobs = load_jobs()
    if not jobs:
        print("No jobs are registered yet.")
        return 0
    for job in jobs.values():
        print(f"{job.name:20} {job.description}")
    now = clock()
    db = Database(settings.database_url)
    try:
        with db.reader() as session:
            collaboratives = active_collaboratives(session)
            calls = {c.id: events_starting_between(session, c.id, now, limit=5) for c in collaboratives}
            counts = rsvp_counts(session, [e.id for events in calls.values() for e in events])
    except SQLAlchemyError as exc:  # no database yet: the job list is still useful
        print(f"\nNo collaboratives to show: {database_problem(exc, settings.database_url)}")
        return 0
    finally:
        db.dispose()
    if not collaboratives:
        print("\nNo collaborative is loaded yet: run `collab-bot load FILE`.")
    for collab in collaboratives:
        zone = ZoneInfo(collab.timezone)
        print(f"\n{collab.key}: {collab.name} ({collab.timezone})")
        print("  Next runs:")
        for job in jobs.values():
            print(f"    {job.name:20} {_when(trigger_for(job, collab).get_next_fire_time(None, now), zone)}")
        print("  Upcoming calls:")
        if not calls[collab.id]:
            print("    none")
        for event in calls[collab.id]:
            n = counts[event.id]
            print(
                f"    {_when(event.starts_at, zone)}  {event.title}  "
                f"(going {n.going}, can't make it {n.not_going})"
            )
    return 0


def run_job_by_name(settings: Settings, name: str, as_of: str | None) -> int:
    jobs = load_jobs()
    job = jobs.get(name)
    if job is None:
        known = ", ".join(sorted(jobs)) or "none yet"
        print(f"collab-bot: there is no job called {name!r}. Jobs: {known}.", file=sys.stderr)
        return 2
    settings.require_slack()
    ctx = build_context(settings)
    adopt_collaboratives(ctx)
    with ctx.db.reader() as session:
        collaboratives = active_collaboratives(session)
    if not collaboratives:
        print("No collaborative is loaded yet: run `collab-bot load FILE` first.", file=sys.stderr)
        return 2
    for collab in collaboratives:
        as_of_here = parse_as_of(as_of, collab.timezone, ctx.now())
        print(f"{collab.key}: {run_job(ctx, job, collab, as_of_here)}")
    return 0
