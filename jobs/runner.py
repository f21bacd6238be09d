"""``collab-bot jobs list`` and ``collab-bot jobs run NAME [--as-of …] [--dry-run]``: jobs by hand.

``jobs run`` exits 1 when any delivery of the run failed (it says how many); ``--dry-run`` prints
each message it would send and sends, claims and records nothing (no Slack token needed).
"""

from __future__ import annotations

import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError

from bot.context import BotContext
from bot.months import Clock, utc_now
from bot.settings import ConfigError, Settings
from bot.slack.app import build_context
from bot.slack.client import OfflineClient
from bot.slack.watch import Planned, watching
from bot.workspaces import adopt_collaboratives
from jobs.registry import Job, load_jobs, run_job
from storage.calendar import events_starting_between, rsvp_counts
from storage.collaboratives import active_collaboratives
from storage.db import Database, is_read_only_violation, read_only_database
from storage.models import Collaborative


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
    """Every job; per collaborative, each job's next run (local time) and the upcoming calls.

    A database that cannot be read is not hidden: the error reaches the command line's handler
    (one line, exit code 1).
    """
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


def dry_run_context(settings: Settings) -> BotContext:
    """A context that cannot change anything: a read-only database and a client that never calls Slack."""
    return build_context(settings, db=read_only_database(settings.database_url), client=OfflineClient())


def run_job_by_name(settings: Settings, name: str, as_of: str | None, *, dry_run: bool = False) -> int:
    """Run job ``name`` for every active collaborative; exit 1 when any delivery was not made.

    ``dry_run``: print what would be sent (channel and text) and send or record nothing.
    """
    jobs = load_jobs()
    job = jobs.get(name)
    if job is None:
        known = ", ".join(sorted(jobs)) or "none yet"
        print(f"collab-bot: there is no job called {name!r}. Jobs: {known}.", file=sys.stderr)
        return 2
    if not dry_run:
        settings.require_slack()
    ctx = dry_run_context(settings) if dry_run else build_context(settings)
    try:
        if not dry_run:
            adopt_collaboratives(ctx)
        with ctx.db.reader() as session:
            collaboratives = active_collaboratives(session)
        if not collaboratives:
            print("No collaborative is loaded yet: run `collab-bot load FILE` first.", file=sys.stderr)
            return 2
        with watching(dry_run=dry_run) as watch:
            for collab in collaboratives:
                moment = parse_as_of(as_of, collab.timezone, ctx.now())
                print(f"{collab.key}: {_run_one(ctx, job, collab, moment, dry_run)}")
                if dry_run:
                    _print_planned(watch.planned)
                    watch.planned.clear()
    finally:
        ctx.db.dispose()
    if watch.not_delivered:
        count = watch.not_delivered
        print(
            f"collab-bot: {count} {'delivery' if count == 1 else 'deliveries'} of {name} did not go out "
            f"({watch.outcomes['failed']} failed and will be retried, {watch.outcomes['dead']} given up, "
            f"{watch.outcomes['unknown']} to check): see `collab-bot deliveries list`.",
            file=sys.stderr,
        )
        return 1
    return 0


def _run_one(ctx: BotContext, job: Job, collab: Collaborative, as_of: datetime, dry_run: bool) -> str:
    if not dry_run:
        return run_job(ctx, job, collab, as_of)
    try:
        return run_job(ctx, job, collab, as_of)
    except SQLAlchemyError as exc:
        if is_read_only_violation(exc):
            return "this job changes the database itself, so a dry run does not run it"
        raise


def _print_planned(planned: list[Planned]) -> None:
    for item in planned:
        where = item.channel + (f" (thread of {item.thread_key})" if item.thread_key else "")
        lines = item.text.splitlines() or [""]
        print(f"  -> {where}: {lines[0]}")
        for line in lines[1:]:
            print(f"       {line}")
