"""What the HTTP benchmarks share: a scratch database with the example collaborative, the Slack
stand-in in its own process, ``collab-bot serve`` as a subprocess, and signed senders.

The stand-in runs in a child process so its work (Block Kit checks, recording calls) does not share
a GIL with the senders that time the requests; at the end it hands back when each ``views.open``
and ``views.update`` arrived.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from bench.digest import scratch_database
from storage.db import Database
from storage.migrate import upgrade
from tests.constants import BOT_TOKEN, SIGNING_SECRET
from tests.signing import SlackRequests, slash_command_body

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "collaborative.yaml"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
#: Leads of the example collaborative's teams: the senders take turns as each of them.
LEADS = ("U0ALICE001", "U0BRUNO001", "U0DIEGO001", "U0ELENA001", "U0IRENE001", "U0KEIKO001")


@contextmanager
def example_database(kind: str, server_url: str) -> Iterator[str]:
    """A scratch database (SQLite file or PostgreSQL database), migrated, example loaded."""
    from bot.collaborative.file import parse_collaborative_file
    from bot.collaborative.loading import apply_spec

    with scratch_database(kind, server_url) as url:
        upgrade(url)
        db = Database(url)
        apply_spec(db, parse_collaborative_file(EXAMPLE), str(EXAMPLE))
        db.dispose()
        yield url


@dataclass(frozen=True)
class ViewCall:
    method: str
    at: float
    trigger_id: str | None
    view_id: str | None
    callback_id: str | None


def _standin_process(conn: Connection, channels: list[str]) -> None:
    from tests.slack_standin import SlackStandIn

    with SlackStandIn() as slack:
        slack.disable_rate_limits()
        for channel in channels:
            slack.add_channel(channel, channel.lower())
        conn.send(slack.base_url)
        if conn.recv() == "posts":
            posts: dict[str, int] = {}
            for call in slack.calls:
                if call.method == "chat.postMessage" and call.ok:
                    key = str(call.args.get("channel"))
                    posts[key] = posts.get(key, 0) + 1
            conn.send(posts)
            return
        calls = []
        for call in slack.calls:
            if call.method not in ("views.open", "views.update"):
                continue
            view = call.args.get("view") or {}
            view_id = call.args.get("view_id") or ((call.response or {}).get("view") or {}).get("id")
            calls.append(
                ViewCall(call.method, call.at, call.args.get("trigger_id"), view_id, view.get("callback_id"))
            )
        conn.send(calls)


class StandIn:
    """The Slack stand-in in a child process: ``base_url``, then :meth:`view_calls` once at the end."""

    def __init__(self, channels: list[str] | None = None) -> None:
        self._conn, child = mp.Pipe()
        self._process = mp.get_context("fork").Process(
            target=_standin_process, args=(child, channels or []), daemon=True
        )
        self._process.start()
        self.base_url: str = self._conn.recv()

    def view_calls(self) -> list[ViewCall]:
        self._conn.send("dump")
        calls: list[ViewCall] = self._conn.recv()
        self._process.join(timeout=10)
        return calls

    def post_counts(self) -> dict[str, int]:
        """``chat.postMessage`` calls that succeeded, by channel (instead of :meth:`view_calls`)."""
        self._conn.send("posts")
        posts: dict[str, int] = self._conn.recv()
        self._process.join(timeout=10)
        return posts

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)


def bench_env(database_url: str, api_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": database_url,
        **extra,
    }


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(args: list[str], env: dict[str, str], port: int, timeout: float = 90) -> Iterator[str]:
    """Run ``args`` (a server on ``port``) until the block ends; yields its base URL."""
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while True:
            if proc.poll() is not None:
                said = proc.stderr.read().decode()[-2000:] if proc.stderr else ""
                raise RuntimeError(f"{args[0]} exited: {said}")
            try:
                urllib.request.urlopen(url + "/healthz", timeout=2).close()
                break
            except urllib.error.HTTPError:
                break  # it answers (a bare app has no /healthz)
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError(f"{args[0]} did not start on port {port}") from None
                time.sleep(0.2)
        # drain stderr (access log goes to stdout/devnull) so the pipe never fills
        threading.Thread(target=lambda: proc.stderr and proc.stderr.read(), daemon=True).start()
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def serve_ours(port: int) -> list[str]:
    return [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)]


@dataclass
class Sent:
    """One request: when it was sent, how long until the answer, its status and trigger id."""

    started: float
    seconds: float
    status: int
    trigger_id: str


def send_commands(url: str, count: int, senders: int, command: str = "/measures") -> list[Sent]:
    """``count`` signed slash commands from ``senders`` threads, one new connection each (like Slack)."""
    from tests.signing import new_trigger_id

    requests = SlackRequests(url, SIGNING_SECRET, timeout=30)
    results: list[Sent] = []
    lock = threading.Lock()
    counter = iter(range(count))

    def sender() -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            trigger = new_trigger_id()
            body = slash_command_body(command, "", LEADS[i % len(LEADS)], trigger_id=trigger)
            started = time.time()
            t0 = time.perf_counter()
            try:
                status, _, _ = requests.post(body, "application/x-www-form-urlencoded")
            except OSError:
                status = 0
            sent = Sent(started, time.perf_counter() - t0, status, trigger)
            with lock:
                results.append(sent)

    run_threads(sender, senders)
    return results


def run_threads(target: Callable[[], None], count: int) -> None:
    threads = [threading.Thread(target=target) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (0-100), nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary(values: list[float]) -> dict[str, float]:
    """p50 / p99 / max in milliseconds."""
    ms = [v * 1000 for v in values]
    return {
        "p50": statistics.median(ms) if ms else 0.0,
        "p99": percentile(ms, 99),
        "max": max(ms) if ms else 0.0,
    }


def filled_modal_times(sent: list[Sent], calls: list[ViewCall], form_callback: str) -> list[float]:
    """Seconds from each command to the ``views.update`` that put ``form_callback``'s view in its modal."""
    opened = {c.trigger_id: c.view_id for c in calls if c.method == "views.open" and c.trigger_id}
    filled: dict[str, float] = {}
    for c in calls:
        if c.method == "views.update" and c.view_id and c.callback_id == form_callback:
            filled.setdefault(c.view_id, c.at)
    times = []
    for s in sent:
        view_id = opened.get(s.trigger_id)
        if view_id is not None and view_id in filled:
            times.append(filled[view_id] - s.started)
    return times


def describe(row: str, values: dict[str, float]) -> str:
    p50, p99, top = values["p50"], values["p99"], values["max"]
    return f"{row:<28} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   max {top:7.1f} ms"


def status_counts(sent: list[Sent]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for s in sent:
        counts[s.status] = counts.get(s.status, 0) + 1
    return counts
