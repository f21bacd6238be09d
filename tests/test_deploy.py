"""The self-host kit: the container's entrypoint script run on this host, and the Docker files.

There is no Docker daemon here, so the image is not built; the entrypoint the image runs is the
repository's ``deploy/entrypoint.sh``, and it is tested directly: it migrates, serves /healthz,
and on SIGTERM lets a request in flight finish before exiting.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from storage.db import Database
from storage.migrate import current_revision, head_revision
from tests.conftest import ROOT, free_port, load_example
from tests.constants import BOT_TOKEN, NOBODY, SIGNING_SECRET
from tests.helpers import wait_healthy
from tests.signing import sign_request, slash_command_body
from tests.slack_standin import SlackStandIn

ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"


def _env(db_url: str, slack: SlackStandIn, port: int) -> dict[str, str]:
    return {
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.base_url,
        "DATABASE_URL": db_url,
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
    }


def _slow_request(port: int, body: bytes, headers: dict[str, str], sent_half: threading.Event) -> bytes:
    """POST ``body`` in two halves with a pause between them; returns the raw response."""
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    request = (
        f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
        f"Content-Length: {len(body)}\r\n{head}\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        half = len(body) // 2
        sock.sendall(request + body[:half])
        sent_half.set()
        time.sleep(1.0)  # SIGTERM arrives meanwhile
        sock.sendall(body[half:])
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_web_migrates_serves_and_finishes_a_request_in_flight_on_sigterm(
    db_url: str, slack: SlackStandIn, tmp_path: Path
) -> None:
    if db_url.startswith("sqlite"):
        db_url = f"sqlite:///{tmp_path / 'fresh.db'}"  # a new database: the entrypoint creates it
    port = free_port()
    proc = subprocess.Popen(
        [str(ENTRYPOINT), "web"],
        cwd=tmp_path,
        env=_env(db_url, slack, port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        assert wait_healthy(url, proc)["database"] == "ok"
        database = Database(db_url)
        assert current_revision(database.engine) == head_revision()
        load_example(database)  # the workspace's collaborative: requests from it are answered
        database.dispose()

        body = slash_command_body("/measures", "someday", NOBODY).encode()  # answered in the ack
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign_request(SIGNING_SECRET, body)}
        sent_half = threading.Event()
        answer: dict[str, bytes] = {}
        client = threading.Thread(
            target=lambda: answer.setdefault("raw", _slow_request(port, body, headers, sent_half))
        )
        client.start()
        assert sent_half.wait(10)
        time.sleep(0.2)  # the worker is reading the request
        proc.send_signal(signal.SIGTERM)
        client.join(30)
        status_line, _, rest = answer["raw"].partition(b"\r\n")
        assert status_line.startswith(b"HTTP/1.1 200"), answer["raw"][:200]
        assert b"isn't a month I understand" in rest  # the request in flight was answered in full
        assert proc.wait(30) == 0  # and then the server stopped
        with pytest.raises(OSError):
            urllib.request.urlopen(url + "/healthz", timeout=2)
    finally:
        if proc.poll() is None:
            proc.kill()
        _, stderr = proc.communicate(timeout=30)
    assert "Handling signal: term" in stderr or "Shutting down" in stderr, stderr[-2000:]
    assert NOBODY not in stderr  # request bodies are never logged


def test_clock_migrates_runs_and_stops_on_sigterm(slack: SlackStandIn, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'clock.db'}"
    env = {**_env(db_url, slack, free_port()), "LOG_LEVEL": "INFO"}
    proc = subprocess.Popen(
        [str(ENTRYPOINT), "clock"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        lock = tmp_path / "clock.db.clock-lock"
        deadline = time.time() + 60
        while not (lock.exists() and lock.read_text().strip()) and time.time() < deadline:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        _, stderr = proc.communicate(timeout=30)
    assert "this clock leads" in stderr


def test_any_other_argument_is_a_collab_bot_command(slack: SlackStandIn, tmp_path: Path) -> None:
    env = _env(f"sqlite:///{tmp_path / 'c.db'}", slack, free_port())
    done = subprocess.run(
        [str(ENTRYPOINT), "manifest", "--url", "https://bot.example.org"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "https://bot.example.org/slack/events" in done.stdout


def test_the_dockerfile_is_small_standard_and_runs_the_entrypoint() -> None:
    text = (ROOT / "Dockerfile").read_text()
    instructions = [line.split()[0] for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    assert instructions.count("FROM") == 1 and "FROM python:3.11-slim" in text
    assert "USER collab" in text and "useradd --system" in text  # not root
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert "deploy/entrypoint.sh" in text and 'ENTRYPOINT ["collab-bot-entrypoint"]' in text
    assert "STOPSIGNAL SIGTERM" in text


def test_compose_runs_postgresql_one_web_and_one_clock() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "web", "clock"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["web"]["command"] == ["web"] and services["clock"]["command"] == ["clock"]
    assert services["clock"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert services["web"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["web"]["environment"]["DATABASE_URL"].startswith("postgresql://")


def test_docker_compose_config_parses_the_file(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("the Docker client is not installed here")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        reason = (probe.stderr.strip().splitlines() or ["no output"])[0]
        pytest.skip(f"`docker compose` is not available here ({reason})")
    env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}
    done = subprocess.run(
        [docker, "compose", "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
