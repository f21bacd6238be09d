"""500 reminders through the Slack stand-in with Slack's per-channel rate limit enforced.

Run from the repository root: ``python -m bench.reminders`` (options: ``--help``). It sends
``channels x per_channel`` report reminders through the delivery ledger (``bot.slack.delivery.deliver_all``)
to the stand-in, which enforces a token bucket of ``1 msg/s`` per channel with a burst, scaled by
``--time-scale`` so the run takes seconds instead of minutes. It reports

* the total time against the rate limit's floor: the slowest channel needs
  ``(per_channel - burst) / rate`` Slack-seconds (times the time scale) however clever the sender;
* lost (in the ledger but never posted) and duplicated (posted more than once) reminders: both must be 0.

The database is a temporary SQLite file, or with ``--postgres URL`` (a server URL such as
``postgresql://postgres@127.0.0.1:5432/test``) a scratch PostgreSQL database created and dropped
by the run.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.http_retry import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot import months
from bot.context import BotContext
from bot.measures.reminder_views import team_reminder
from bot.settings import load_settings
from bot.slack.delivery import Outgoing, deliver_all
from storage import ledger
from storage.db import Database, normalise_url
from storage.migrate import upgrade
from tests.constants import BOT_TOKEN
from tests.slack_standin import ExactRetryAfterHandler, SlackStandIn


def _periods(n: int) -> list[str]:
    return [months.shift("2020-01", i) for i in range(n)]


def reminders(channels: int, per_channel: int) -> list[Outgoing]:
    out = []
    for c in range(channels):
        for period in _periods(per_channel):
            msg = team_reminder(c + 1, f"Bench team {c + 1}", period, date(2026, 4, 10), "due-day")
            key = f"bench:team{c + 1}:{period}:due-day"
            out.append(Outgoing(key=key, job="bench", channel=f"C0BENCH{c:03d}", message=msg))
    return out


@contextmanager
def scratch_database(postgres_server: str | None) -> Iterator[str]:
    """A temporary SQLite file, or a scratch database on ``postgres_server`` (dropped afterwards)."""
    if postgres_server is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    name = f"collab_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(postgres_server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            make_url(normalise_url(postgres_server)).set(database=name).render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(channels: int, per_channel: int, burst: float, time_scale: float, postgres: str | None) -> dict:
    with scratch_database(postgres) as url, SlackStandIn() as slack:
        upgrade(url)
        settings = load_settings(
            {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": slack.base_url, "DATABASE_URL": url}
        )
        client = WebClient(
            token=BOT_TOKEN,
            base_url=slack.base_url,
            retry_handlers=[
                ExactRetryAfterHandler(max_retry_count=20),
                ServerErrorRetryHandler(
                    max_retry_count=5, interval_calculator=BackoffRetryIntervalCalculator(0.01)
                ),
            ],
        )
        ctx = BotContext(settings=settings, db=Database(url), client=client)
        slack.enforce_rate_limits(per_channel_per_sec=1.0, burst=burst, time_scale=time_scale)
        outgoing = reminders(channels, per_channel)

        started = time.monotonic()
        summary = deliver_all(ctx, outgoing, per_channel_interval=1.0 * time_scale)
        elapsed = time.monotonic() - started

        posted = Counter(
            (m["channel"], m["text"], json.dumps(m["blocks"], sort_keys=True)) for m in slack.messages()
        )
        statuses = ledger.statuses(ctx.db, "bench")
        ctx.db.dispose()
    floor = max(0.0, per_channel - burst) / 1.0 * time_scale
    return {
        "reminders": len(outgoing),
        "channels": channels,
        "sent": summary.sent,
        "failed": summary.failed,
        "elapsed_s": round(elapsed, 3),
        "floor_s": round(floor, 3),
        "ratio": round(elapsed / floor, 3) if floor else None,
        "lost": len(outgoing) - len(posted),
        "duplicated": sum(n - 1 for n in posted.values()),
        "not_sent_in_ledger": sum(1 for s in statuses.values() if s != "sent"),
        "rate_limited_429": sum(1 for c in slack.calls if c.status == 429),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--per-channel", type=int, default=50)
    parser.add_argument("--burst", type=float, default=3.0, help="the stand-in's per-channel burst")
    parser.add_argument("--time-scale", type=float, default=0.1, help="Slack seconds -> real seconds")
    parser.add_argument("--postgres", default=None, help="PostgreSQL server URL (default: SQLite)")
    args = parser.parse_args()
    result = run(args.channels, args.per_channel, args.burst, args.time_scale, args.postgres)
    print(
        f"{result['reminders']} reminders to {result['channels']} channels, "
        f"1 msg/s per channel (burst {args.burst:g}), time scale {args.time_scale:g}, "
        f"{'PostgreSQL' if args.postgres else 'SQLite'}\n"
        f"total {result['elapsed_s']:.2f} s; rate-limit floor {result['floor_s']:.2f} s; "
        f"ratio {result['ratio']}x (target <= 1.2x)\n"
        f"lost {result['lost']}, duplicated {result['duplicated']}, "
        f"ledger rows not sent {result['not_sent_in_ledger']}, 429s seen {result['rate_limited_429']}"
    )


if __name__ == "__main__":
    main()
