"""Small helpers shared by tests: polling (Bolt runs listeners in a thread pool) and example lookups."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.context import BotContext
from jobs.registry import load_jobs, run_job
from storage.collaboratives import collaborative_by_key
from storage.db import Database
from storage.models import Collaborative, Team
from tests.slack_standin import Call, SlackStandIn

T = TypeVar("T")


def _poll(check: Callable[[], T], timeout: float, interval: float = 0.02) -> T:
    """Call ``check`` until it returns something truthy or ``timeout`` passes; its last answer."""
    deadline = time.time() + timeout
    while True:
        result = check()
        if result or time.time() > deadline:
            return result
        time.sleep(interval)


def wait_until(check: Callable[[], T | None], timeout: float = 5.0) -> T:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    result = _poll(check, timeout)
    if not result:
        raise AssertionError("timed out waiting for the bot")
    return result


def wait_for_calls(
    slack: SlackStandIn,
    method: str,
    count: int = 1,
    timeout: float = 10.0,
    where: Callable[[Call], bool] | None = None,
) -> list[Call]:
    """Poll until ``count`` successful calls to ``method`` (matching ``where``) arrived; return them.

    At the timeout it returns what it has, so the caller's assertion says what is missing.
    """

    def matching() -> list[Call]:
        return [c for c in slack.calls_to(method) if c.ok and (where is None or where(c))]

    _poll(lambda: len(matching()) >= count, timeout)
    return matching()


def wait_for_messages(
    slack: SlackStandIn, channel: str, count: int = 1, timeout: float = 5.0
) -> list[dict[str, Any]]:
    """Wait until ``channel`` has ``count`` messages; returns them all."""

    def enough() -> list[dict[str, Any]]:
        messages = slack.messages(channel)
        return messages if len(messages) >= count else []

    return wait_until(enough, timeout)


def eventually(predicate: Callable[[], bool], timeout: float = 5.0, interval: float = 0.02) -> bool:
    """Poll ``predicate`` until true or ``timeout``; returns its last answer (for ``assert not ...``)."""
    return bool(_poll(predicate, timeout, interval))


def team_id_by_key(db: Database, key: str) -> int:
    """The id of the team with this key (e.g. ``riverside`` of the example collaborative)."""
    with db.reader() as session:
        return session.scalars(select(Team.id).where(Team.key == key)).one()


def collaborative_named(db: Database, key: str = "htn") -> Collaborative:
    """The loaded collaborative with this key (the example's is ``htn``)."""
    with db.reader() as session:
        collab = collaborative_by_key(session, key)
    assert collab is not None
    return collab


def run_job_at(ctx: BotContext, name: str, local: str, key: str = "htn") -> str:
    """Run job ``name`` for collaborative ``key`` as of ``local``, a wall-clock time in its timezone."""
    collab = collaborative_named(ctx.db, key)
    as_of = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(collab.timezone))
    return run_job(ctx, load_jobs()[name], collab, as_of)


def wait_healthy(url: str, proc: subprocess.Popen[Any], timeout: float = 60) -> dict[str, Any]:
    """Poll ``{url}/healthz`` until it answers; fail if ``proc`` exits first or ``timeout`` passes."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, "the server exited early"
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as resp:
                return dict(json.loads(resp.read()))
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not become healthy")
