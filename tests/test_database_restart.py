"""A real PostgreSQL stop and start during a run: the bot answers "couldn't reach the database"
while it is stopped, and serves again once it is back, without a restart of its own.

The server stopped is a private one this test creates (``initdb`` in a temporary folder, on a free
port), never the PostgreSQL server that other tests share. Skipped where PostgreSQL's programs
are not installed, or with ``COLLAB_SKIP_PG_RESTART=1``.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import Database
from storage.migrate import upgrade
from tests.conftest import free_port, load_example, make_context, running_bot
from tests.helpers import wait_until
from tests.slack_standin import SlackStandIn
from tests.test_database_faults import UNAVAILABLE, command_shows, healthz, is_report_form, modal_text


class PrivatePostgres:
    """A throwaway PostgreSQL server: ``start()``, ``stop()``, ``url``."""

    def __init__(self, bin_dir: Path, root: Path, port: int, as_user: list[str]) -> None:
        self.bin_dir, self.root, self.port, self.as_user = bin_dir, root, port, as_user
        self.data = root / "data"
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-N")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.root / "server.log")
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    if os.environ.get("COLLAB_SKIP_PG_RESTART"):
        pytest.skip("COLLAB_SKIP_PG_RESTART is set")
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or [shutil.which("initdb") or ""]
    if not found[-1]:
        pytest.skip("PostgreSQL's initdb and pg_ctl are not installed here")
    bin_dir = Path(found[-1]).parent
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="collab-pg-"))
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: use its own account
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root)
            pytest.skip("running as root and there is no postgres account to run a server as")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    server = PrivatePostgres(bin_dir, root, free_port(), as_user)
    try:
        server.init()
        server.start()
    except (subprocess.SubprocessError, OSError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"could not start a private PostgreSQL server: {type(exc).__name__}")
    try:
        yield server
    finally:
        try:
            server.stop("immediate")
        except subprocess.SubprocessError:
            pass
        shutil.rmtree(root, ignore_errors=True)


def test_postgresql_stopped_and_started_during_a_run(
    private_postgres: PrivatePostgres, slack: SlackStandIn
) -> None:
    url = private_postgres.url
    upgrade(url)
    direct = Database(url)
    load_example(direct)
    direct.dispose()
    with running_bot(make_context(url, slack), slack) as bot:
        assert is_report_form(command_shows(bot, "/measures"))

        private_postgres.stop()
        status, took = healthz(bot)
        assert status == 503 and took < 2.0
        assert UNAVAILABLE in modal_text(command_shows(bot, "/measures"))

        private_postgres.start()
        wait_until(lambda: healthz(bot)[0] == 200, timeout=20)
        assert is_report_form(command_shows(bot, "/measures"))
