"""``collab-bot load FILE``: validate a collaborative file, then sync it into the database.

A bad file lists every problem and changes nothing; a good one is applied in one transaction and
loading it again changes nothing.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.collaborative.file import CollabFileError, CollaborativeSpec, parse_collaborative_file
from bot.settings import Settings
from storage.collaboratives import (
    CollaborativeState,
    EventState,
    MeasureState,
    SyncSummary,
    TeamState,
    sync_collaborative,
)
from storage.db import Database, backend_name
from storage.enums import CallKind, Direction, MeasureKind, MeasureType
from storage.migrate import is_current, upgrade


def spec_to_state(spec: CollaborativeSpec, source_path: str | None = None) -> CollaborativeState:
    """Translate the file's model into the storage layer's desired state."""
    peer = spec.peer_channels[0] if spec.peer_channels else None
    return CollaborativeState(
        key=spec.key,
        name=spec.name,
        timezone=spec.timezone,
        start=spec.start,
        end=spec.end,
        due_day=spec.reporting.due_day,
        baseline_months=spec.baseline_months,
        rules=spec.rules,
        digest_channel=spec.digest.channel if spec.digest else None,
        digest_day=spec.digest.day if spec.digest else "monday",
        digest_time=spec.digest.time.strftime("%H:%M") if spec.digest else "08:00",
        peer_channel_id=peer.id if peer else None,
        peer_channel_name=peer.name if peer else None,
        peer_channel_topic=peer.topic if peer else None,
        peer_channel_purpose=peer.purpose if peer else None,
        peer_prompts=json.dumps(spec.prompts) if spec.prompts else None,
        buddies=spec.buddies,
        source_path=source_path,
        workspace=spec.workspace,
        enterprise=spec.enterprise,
        faculty=list(spec.faculty),
        admins=list(spec.admins),
        teams=[
            TeamState(key=t.key, name=t.name, channel_id=t.channel, members=t.members, leads=t.leads)
            for t in spec.teams
        ],
        measures=[
            MeasureState(
                key=m.key,
                name=m.name,
                type=MeasureType(m.type),
                kind=MeasureKind(m.kind),
                numerator_definition=m.numerator,
                denominator_definition=m.denominator,
                definition=m.definition,
                baseline=m.baseline,
                goal=m.goal,
                nqf=m.nqf,
                direction=Direction(m.direction),
                multiplier=float(m.multiplier) if m.multiplier is not None else None,
                position=index,
            )
            for index, m in enumerate(spec.measures)
        ],
        events=[
            EventState(
                key=o.key,
                title=o.title,
                kind=CallKind(o.kind),
                starts_at=o.starts_at,
                duration_minutes=o.duration_minutes,
                join_url=o.join_url,
            )
            for o in spec.occurrences()
        ],
    )


def apply_spec(db: Database, spec: CollaborativeSpec, source_path: str | None = None) -> SyncSummary:
    with db.transaction() as session:
        return sync_collaborative(session, spec_to_state(spec, source_path))


def ensure_schema(url: str) -> str | None:
    """Migrate an embedded SQLite database; for PostgreSQL say what to run. Returns a problem or None."""
    if backend_name(url) == "sqlite":
        upgrade(url)
        return None
    if not is_current(url):
        return "the database schema is not up to date: run `collab-bot db upgrade` first."
    return None


def open_database(settings: Settings) -> Database | None:
    """The migrated database (SQLite is migrated here); None after saying on stderr what to run."""
    schema_problem = ensure_schema(settings.database_url)
    if schema_problem:
        print(f"collab-bot: {schema_problem}", file=sys.stderr)
        return None
    return Database(settings.database_url)


def report_problems(path: str, problems: Sequence[object]) -> int:
    """List every problem of a file on stderr under one heading; returns the exit code (1)."""
    count = len(problems)
    print(f"{path}: {count} problem{'' if count == 1 else 's'}; nothing was changed:", file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def load_collaborative_file(settings: Settings, path: str) -> int:
    try:
        spec = parse_collaborative_file(path)
    except CollabFileError as exc:
        return report_problems(path, exc.problems)
    db = open_database(settings)
    if db is None:
        return 1
    try:
        summary = apply_spec(db, spec, str(Path(path).resolve()))
    finally:
        db.dispose()
    print(f"Loaded {spec.name} ({spec.key}): {summary.describe()}.")
    return sync_after_load(settings, spec)


def sync_after_load(settings: Settings, spec: CollaborativeSpec) -> int:
    """After a good load, set up the collaborative's peer channel (when Slack is configured)."""
    if not spec.peer_channels:
        return 0
    if not (settings.slack_bot_token or settings.slack_client_id):
        print(
            "Peer channel not set up: Slack is not configured here; run `collab-bot channels sync` "
            "where SLACK_BOT_TOKEN (or the OAuth settings) is set."
        )
        return 0
    from bot.peers.command import run_channels_sync

    return run_channels_sync(settings, spec.key)
