"""`collab-bot serve` runs gunicorn with the real app: /healthz and signed /slack/events work."""

from __future__ import annotations

import json
import signal
import subprocess

from sqlalchemy import select

from storage.db import Database
from storage.models import Collaborative
from tests.conftest import free_port, load_example
from tests.constants import NOBODY, SIGNING_SECRET, TEAM_ID
from tests.helpers import start_serve, wait_healthy
from tests.signing import SlackRequests
from tests.slack_standin import SlackStandIn


def test_serve_answers_healthz_and_signed_commands(db_url: str, slack: SlackStandIn) -> None:
    db = Database(db_url)
    load_example(db)  # a collaborative that names no workspace: serve takes its token's (auth.test)
    port = free_port()
    proc = start_serve(db_url, slack, port)
    try:
        url = f"http://127.0.0.1:{port}"
        assert wait_healthy(url, proc)["database"] == "ok"
        with db.reader() as session:  # filled in at start, before any request
            assert session.scalars(select(Collaborative.workspace)).all() == [TEAM_ID]
        reply_to = slack.response_url()
        status, _, body = SlackRequests(url, SIGNING_SECRET).command(
            "/collab", "help", NOBODY, response_url=reply_to
        )
        assert (status, body) == (200, "")  # acked at once, answered through the response_url
        assert "not on any team" in slack.wait_for_response(reply_to)["text"]
        status, _, _ = SlackRequests(url, "wrong-secret").command("/collab", "help", NOBODY)
        assert status == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
        db.dispose()
    assert NOBODY.encode() not in stderr, "request bodies must not be logged"


def test_several_serve_processes_share_one_postgresql_database(
    postgres_url: str, slack: SlackStandIn
) -> None:
    """Scale-out: two `collab-bot serve` processes on one database both answer Slack, from the same data."""
    from storage.db import Database
    from tests.conftest import _empty_tables, load_example
    from tests.constants import ALICE

    _empty_tables(postgres_url)
    database = Database(postgres_url)
    load_example(database)
    database.dispose()
    ports = [free_port(), free_port()]
    procs = [start_serve(postgres_url, slack, port, stderr=subprocess.DEVNULL) for port in ports]
    try:
        for port, proc in zip(ports, procs, strict=True):
            url = f"http://127.0.0.1:{port}"
            assert wait_healthy(url, proc)["database"] == "ok"
            reply_to = slack.response_url()
            status, _, _ = SlackRequests(url, SIGNING_SECRET).command(
                "/collab", "help", ALICE, response_url=reply_to
            )
            assert status == 200
            answer = slack.wait_for_response(reply_to)
            assert "(team lead)" in json.dumps(answer)  # both read the loaded collaborative
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(30)
