"""Benchmark: how fast ``/measures`` is acknowledged, side by side with a bare Bolt app.

    python -m bench.ack [--db sqlite|postgresql] [--url URL] [--requests 2000] [--senders 16]

Runs ``collab-bot serve`` (its defaults: ``WEB_CONCURRENCY`` workers x ``GUNICORN_THREADS``
threads) and a bare Bolt app that only acks and opens a modal, under the same gunicorn settings,
both against the Slack stand-in (in its own process). The example collaborative is loaded into a
scratch database (a temporary SQLite file, or a fresh PostgreSQL database on the server at
``--url`` / ``TEST_DATABASE_URL``, dropped afterwards). Each server gets the same signed
``/measures`` commands from concurrent senders, in alternating rounds (so a busy moment on a shared
machine hits both), after a warm-up and a pause for ``serve``'s background processes to start.
Prints ack p50 / p99 / max for both and the ratios, and for ours the time to a filled modal
(command sent -> the ``views.update`` that puts the form in). Set ``BACKGROUND_PROCESSES=0`` to
compare with forms built on threads inside the web workers.

Targets: ack p99 under 100 ms and at most 1.5x the bare app's p99.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from bench.harness import (
    DEFAULT_PG,
    Sent,
    StandIn,
    bench_env,
    describe,
    example_database,
    filled_modal_times,
    free_port,
    send_commands,
    serve_ours,
    server,
    status_counts,
    summary,
)
from bot.measures.views import CALLBACK_ID

ROUNDS = 4
WARM_UP = 50
#: Seconds to let ``serve``'s background processes finish starting after the warm-up.
SETTLE_S = 15.0


def bare_wsgi() -> Any:
    """A Bolt app that acks ``/measures`` and opens a one-section modal: the floor to compare with."""
    from concurrent.futures import ThreadPoolExecutor

    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=client,
        token_verification_enabled=False,
        # the same listener pool as ours (Bolt's default has cpu + 4 threads, and a bare app whose
        # listeners wait on views.open would then queue its own acks behind them)
        listener_executor=ThreadPoolExecutor(max_workers=16, thread_name_prefix="bolt"),
    )
    loading = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Monthly measures"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Getting your team's measures…"}}],
    }

    @app.command("/measures")
    def measures(ack: Any, command: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=command["trigger_id"], view=loading)

    return SlackRequestHandler(app)


def serve_bare(port: int) -> None:
    """``--serve-bare PORT``: the bare app under ``collab-bot serve``'s gunicorn settings."""
    from bot.settings import load_settings
    from bot.slack.server import GunicornServer, _gunicorn_options

    settings = load_settings()
    options = _gunicorn_options(port, settings.web_concurrency, settings.gunicorn_threads)
    GunicornServer(bare_wsgi, options).run()


def run(kind: str, server_url: str, requests: int, senders: int) -> None:
    standin = StandIn()
    try:
        with example_database(kind, server_url) as url:
            env = bench_env(url, standin.base_url)
            ours_port, bare_port = free_port(), free_port()
            bare_args = [sys.executable, "-m", "bench.ack", "--serve-bare", str(bare_port)]
            with (
                server(serve_ours(ours_port), env, ours_port) as ours,
                server(bare_args, env, bare_port) as bare,
            ):
                send_commands(bare, WARM_UP, senders)
                send_commands(ours, WARM_UP, senders)
                time.sleep(SETTLE_S)
                results: dict[str, list[Sent]] = {"bare": [], "ours": []}
                per_round = max(1, requests // ROUNDS)
                for _ in range(ROUNDS):
                    results["bare"] += send_commands(bare, per_round, senders)
                    results["ours"] += send_commands(ours, per_round, senders)
        calls = standin.view_calls()
    finally:
        standin.stop()
    report(kind, requests, senders, results, calls)


def report(kind: str, requests: int, senders: int, results: dict[str, list[Sent]], calls: Any) -> None:
    bare = summary([s.seconds for s in results["bare"]])
    ours = summary([s.seconds for s in results["ours"]])
    filled = summary(filled_modal_times(results["ours"], calls, CALLBACK_ID))
    print(f"bench.ack on {kind}: {requests} signed /measures per server, {senders} concurrent senders")
    print(describe("bare Bolt app (ack)", bare))
    print(describe("collab-bot serve (ack)", ours))
    ratios = {k: (ours[k] / bare[k] if bare[k] else float("inf")) for k in ("p50", "p99", "max")}
    print(
        f"{'ratio ours / bare':<28} p50 {ratios['p50']:7.2f} x    "
        f"p99 {ratios['p99']:7.2f} x    max {ratios['max']:7.2f} x"
    )
    print(describe("collab-bot filled modal", filled))
    print(f"answers: bare {status_counts(results['bare'])}, ours {status_counts(results['ours'])}")
    verdict = ours["p99"] < 100 and ratios["p99"] <= 1.5
    print(f"target (ack p99 < 100 ms and <= 1.5x bare): {'met' if verdict else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--url", default=os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return
    run(args.db, args.url, args.requests, args.senders)


if __name__ == "__main__":
    main()
