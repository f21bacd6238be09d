"""A real PostgreSQL stop and start during a run: the bot answers "couldn't reach the database"
while it is stopped, and serves again once it is back, without a restart of its own.

The first test stops a private server it creates (``initdb`` in a temporary folder, on a free
port), never the PostgreSQL server that other tests share; it is skipped where PostgreSQL's
programs are not installed, or with ``COLLAB_SKIP_PG_RESTART=1``. The second does the same to the
shared cluster with ``pg_ctlcluster``, only when ``COLLAB_TEST_PG_CLUSTER`` names it (it breaks
whatever else is using that server at the moment).
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
from typing import Protocol

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


class Server(Protocol):
    def stop(self) -> None: ...

    def start(self) -> None: ...


def rides_out_a_restart(url: str, slack: SlackStandIn, server: Server, back_within: float) -> None:
    """The example loaded on ``url`` and a bot running on it: ``server`` stops (/healthz says 503 within
    2 s, /measures says the database can't be reached), starts again, and the bot answers again."""
    direct = Database(url)
    load_example(direct)
    direct.dispose()
    with running_bot(make_context(url, slack), slack) as bot:
        assert is_report_form(command_shows(bot, "/measures"))
        server.stop()
        try:
            status, took = healthz(bot)
            assert status == 503 and took < 2.0
            assert UNAVAILABLE in modal_text(command_shows(bot, "/measures"))
        finally:
            server.start()
        wait_until(lambda: healthz(bot)[0] == 200, timeout=back_within)
        assert is_report_form(command_shows(bot, "/measures"))


def test_postgresql_stopped_and_started_during_a_run(
    private_postgres: PrivatePostgres, slack: SlackStandIn
) -> None:
    upgrade(private_postgres.url)
    rides_out_a_restart(private_postgres.url, slack, private_postgres, back_within=20)


class ClusterControl:
    """The local PostgreSQL cluster that TEST_DATABASE_URL points at, through ``pg_ctlcluster``."""

    def __init__(self, version: str, name: str) -> None:
        self.version, self.name = version, name

    def _run(self, action: str) -> None:
        subprocess.run(["pg_ctlcluster", self.version, self.name, action], check=True, timeout=120)

    def stop(self) -> None:
        self._run("stop")

    def start(self) -> None:
        self._run("start")


def test_the_shared_cluster_stopped_and_started_during_a_run(postgres_url: str, slack: SlackStandIn) -> None:
    """The same on the PostgreSQL cluster the other tests use (``pg_ctlcluster``): it breaks every
    other test running against that server at that moment, so it only runs when asked, with
    ``COLLAB_TEST_PG_CLUSTER="15 main"`` (version and cluster name)."""
    wanted = os.environ.get("COLLAB_TEST_PG_CLUSTER", "").split()
    if len(wanted) != 2:
        pytest.skip('stops the shared PostgreSQL server: set COLLAB_TEST_PG_CLUSTER="15 main" to run it')
    if shutil.which("pg_ctlcluster") is None:
        pytest.skip("pg_ctlcluster is not installed here")
    from tests.conftest import _empty_tables

    _empty_tables(postgres_url)
    rides_out_a_restart(postgres_url, slack, ClusterControl(*wanted), back_within=30)
