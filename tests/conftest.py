"""Shared fixtures: databases (SQLite and PostgreSQL), the Slack stand-in, and the running bot.

Storage and end-to-end tests take the ``db_url`` fixture, which is parametrised over SQLite and
PostgreSQL. PostgreSQL comes from ``TEST_DATABASE_URL`` (a server URL such as
``postgresql://postgres@127.0.0.1:5432/test``); each test session creates its own scratch database
on that server and drops it afterwards. Without the variable those cases skip, saying why.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.context import BotContext
from bot.months import fixed_clock
from bot.settings import Settings, load_settings
from bot.slack.app import build_context, create_app
from bot.slack.client import build_web_client
from bot.slack.web import create_wsgi_app
from storage.db import Database, normalise_url
from storage.installations import SLACK_METADATA
from storage.migrate import upgrade
from storage.models import Base
from tests.constants import BOT_TOKEN, SIGNING_SECRET
from tests.signing import SlackRequests
from tests.slack_standin import SlackStandIn

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "collaborative.yaml"
#: The tests' "now": mid-April 2026 (noon in Los Angeles), inside the example collaborative
#: (January 2026 to June 2027), so March 2026 is the default month and January to March can be
#: reported. A test that needs another moment sets ``bot.ctx.clock = fixed_clock(...)``.
NOW = datetime(2026, 4, 15, 19, 0, tzinfo=UTC)
NO_POSTGRES = (
    "PostgreSQL tests need TEST_DATABASE_URL, e.g. postgresql://postgres@127.0.0.1:5432/test "
    "(.ci/run sets it)"
)


def _admin_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A scratch PostgreSQL database for this test session, migrated to the newest schema."""
    admin = _admin_url()
    if admin is None:
        pytest.skip(NO_POSTGRES)
    name = f"collab_test_{uuid.uuid4().hex[:10]}"
    engine = create_engine(normalise_url(admin), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - a clear skip beats a wall of errors
        engine.dispose()
        pytest.skip(f"PostgreSQL at TEST_DATABASE_URL is not reachable: {type(exc).__name__}")
    url = make_url(normalise_url(admin)).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _empty_tables(url: str, attempts: int = 5) -> None:
    """Empty every table. A listener thread of the previous test that is still reading can make
    PostgreSQL pick the TRUNCATE as a deadlock victim; it is simply tried again."""
    engine = create_engine(normalise_url(url))
    tables = [*Base.metadata.sorted_tables, *SLACK_METADATA.sorted_tables]
    names = ", ".join(f'"{t.name}"' for t in tables)
    try:
        for attempt in range(attempts):
            try:
                with engine.begin() as conn:
                    conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                    conn.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))
                return
            except OperationalError:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A freshly migrated, empty database URL: SQLite file or PostgreSQL scratch database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'collab.db'}"
        upgrade(url)
        return url
    url = request.getfixturevalue("postgres_url")
    _empty_tables(url)
    return url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


def make_settings(db_url: str, slack: SlackStandIn, **extra: str) -> Settings:
    env = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.base_url,
        "DATABASE_URL": db_url,
        **extra,
    }
    return load_settings(env)


def set_cli_environment(monkeypatch: pytest.MonkeyPatch, db_url: str, slack: SlackStandIn) -> None:
    """The environment ``collab-bot`` reads, pointed at this test's database and the stand-in."""
    for name, value in {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.base_url,
        "DATABASE_URL": db_url,
    }.items():
        monkeypatch.setenv(name, value)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return None


@dataclass
class RunningBot:
    """The real WSGI app on a free port, wired to the Slack stand-in and a test database."""

    url: str
    ctx: BotContext
    slack: SlackStandIn
    requests: SlackRequests

    @property
    def db(self) -> Database:
        return self.ctx.db

    def answer(self, command: str, text: str, user_id: str, **fields: Any) -> dict[str, Any]:
        """A slash command answered after its acknowledgement, through its ``response_url``: checks
        the acknowledgement is an empty 200 and returns the message sent to that URL."""
        url = self.slack.response_url()
        status, _, body = self.requests.command(command, text, user_id, response_url=url, **fields)
        assert (status, body) == (200, ""), (status, body)
        return self.slack.wait_for_response(url)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_context(db_url: str, slack: SlackStandIn, now: datetime = NOW, **extra: str) -> BotContext:
    """A real context against the stand-in, its clock fixed at ``now``; 5xx back-off is shortened
    so tests stay quick."""
    settings = make_settings(db_url, slack, **extra)
    client = build_web_client(settings, backoff_factor=0.01)
    return build_context(settings, client=client, clock=fixed_clock(now))


@contextmanager
def running_bot(ctx: BotContext, slack: SlackStandIn) -> Iterator[RunningBot]:
    """The real WSGI app for ``ctx`` on a free port, until the block ends."""
    wsgi = create_wsgi_app(create_app(ctx), ctx.db)
    server = make_server("127.0.0.1", 0, wsgi, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield RunningBot(
            url=url,
            ctx=ctx,
            slack=slack,
            requests=SlackRequests(url, SIGNING_SECRET, response_urls=slack.response_url),
        )
    finally:
        server.shutdown()
        server.server_close()
        ctx.db.dispose()


@pytest.fixture
def bot(db_url: str, slack: SlackStandIn) -> Iterator[RunningBot]:
    with running_bot(make_context(db_url, slack), slack) as running:
        yield running


def load_example(db: Database, path: Path = EXAMPLE) -> None:
    from bot.collaborative.file import parse_collaborative_file
    from bot.collaborative.loading import apply_spec

    apply_spec(db, parse_collaborative_file(path), str(path))


@pytest.fixture
def loaded_bot(bot: RunningBot) -> RunningBot:
    """The running bot with ``examples/collaborative.yaml`` loaded."""
    load_example(bot.db)
    return bot
