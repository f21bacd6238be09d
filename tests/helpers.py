"""Small helpers shared by tests: polling (Bolt runs listeners in a thread pool) and example lookups."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.context import BotContext
from jobs.registry import load_jobs, run_job
from storage.collaboratives import collaborative_by_key
from storage.db import Database
from storage.models import Collaborative, Measure, MeasureReport, Team
from tests.constants import ALICE, BOT_TOKEN, SIGNING_SECRET
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


def report_one_measure(db: Database, team_key: str, period: str, user: str = ALICE) -> None:
    """The team reports one measure (missed appointments: 41) for ``period``, as the modal stores it."""
    with db.transaction() as session:
        team = session.scalars(select(Team).where(Team.key == team_key)).one()
        measure = session.scalars(select(Measure).where(Measure.key == "missed_appointments")).one()
        session.add(
            MeasureReport(team_id=team.id, measure_id=measure.id, period=period, value=41, submitted_by=user)
        )


def main_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, *argv: str
) -> tuple[int, str, str]:
    """``collab-bot ARGV`` in this process on the database at ``url``: (exit code, stdout, stderr)."""
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", url)
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def export_with_cli(db_url: str, out: Path, fmt: str = "csv", *more: str) -> None:
    """``collab-bot export`` in a subprocess, as an evaluator runs it; the test fails unless it exits 0."""
    from tests.conftest import ROOT

    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "export", "--format", fmt, "--out", str(out), *more],
        cwd=ROOT,
        env={"DATABASE_URL": db_url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr


def start_serve(
    db_url: str, slack: SlackStandIn, port: int, stderr: int = subprocess.PIPE, **more_env: str
) -> subprocess.Popen[bytes]:
    """`collab-bot serve` in a subprocess on ``port``, with the stand-in as Slack and one web worker."""
    from tests.conftest import ROOT

    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.base_url,
        "DATABASE_URL": db_url,
        "WEB_CONCURRENCY": "1",
        **more_env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )


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
