"""End-to-end: the weekly-digest job posts once per week through the ledger, with run chart uploads."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.collaborative.demo import seed_demo
from jobs.registry import load_jobs
from storage.collaboratives import collaborative_by_key
from storage.db import Database
from storage.models import Collaborative, Delivery
from tests.conftest import ROOT, make_context
from tests.constants import BOT_TOKEN, DIGEST_CHANNEL
from tests.slack_standin import SlackStandIn, validate_blocks

PNG = b"\x89PNG\r\n\x1a\n"


def _seeded(db_url: str) -> tuple[Collaborative, datetime]:
    seeded = seed_demo(db_url)
    with seeded.db.reader() as session:
        collab = collaborative_by_key(session, "htn")
    seeded.db.dispose()
    assert collab is not None
    return collab, seeded.as_of


def _statuses(db: Database) -> dict[str, str]:
    with db.reader() as session:
        return {key: status for key, status in session.execute(select(Delivery.key, Delivery.status))}


def test_weekly_digest_posts_once_per_week_with_charts(db_url: str, slack: SlackStandIn) -> None:
    collab, as_of = _seeded(db_url)
    ctx = make_context(db_url, slack)
    job = load_jobs()["weekly-digest"]

    summary = job.run(ctx, collab, as_of)

    posted = slack.messages(DIGEST_CHANNEL)
    main, replies = posted[0], posted[1:]
    assert "thread_ts" not in main
    assert len(main["blocks"]) <= 50
    assert validate_blocks(main["blocks"], "message") == []
    text = str(main["blocks"])
    assert "6 of 8 teams reported January 2027" in text
    assert "Mission Hills Family Health" in text and "Lakeview Health Partners" in text  # the missing teams
    assert "Valle Verde Health Center" in text  # a spotlight candidate
    assert "missed the December 2026 and January 2027 reports" in text
    main_ts = slack.calls_to("chat.postMessage")[0].response["ts"]  # type: ignore[index]
    assert replies and all(r["thread_ts"] == main_ts for r in replies)
    assert any("Every team" in str(r["blocks"]) for r in replies)

    uploads = slack.completed_uploads
    assert len(uploads) == 5  # one run chart per measure
    assert all(u["channel_id"] == DIGEST_CHANNEL and u["thread_ts"] == main_ts for u in uploads)
    assert all(slack.uploads[u["file_ids"][0]].startswith(PNG) for u in uploads)
    assert any("Controlling high blood pressure" in u["initial_comment"] for u in uploads)
    assert all(
        c.args.get("alt_txt", "").startswith("Run chart:")
        for c in slack.calls_to("files.getUploadURLExternal")
    )
    statuses = _statuses(ctx.db)
    assert statuses["weekly-digest:htn:2027-W07"] == "sent"
    assert set(statuses.values()) == {"sent"}
    assert summary.startswith(f"{len(posted) + 5} sent")

    calls_before = len(slack.calls)
    again = job.run(ctx, collab, as_of.replace(hour=17))  # same week
    assert again.startswith("0 sent")
    assert len(slack.calls) == calls_before
    ctx.db.dispose()


def test_failed_chart_upload_is_redone_by_the_next_run(db_url: str, slack: SlackStandIn) -> None:
    collab, as_of = _seeded(db_url)
    ctx = make_context(db_url, slack)
    job = load_jobs()["weekly-digest"]
    slack.fail_next(1, 500, method="(upload)")

    first = job.run(ctx, collab, as_of)

    assert "1 failed" in first
    assert len(slack.completed_uploads) == 4
    messages = len(slack.messages(DIGEST_CHANNEL))
    second = job.run(ctx, collab, as_of)
    assert second.startswith("1 sent")
    assert len(slack.completed_uploads) == 5
    assert len(slack.messages(DIGEST_CHANNEL)) == messages  # nothing posted twice
    ctx.db.dispose()


def test_no_digest_channel_sends_nothing(db_url: str, slack: SlackStandIn) -> None:
    collab, as_of = _seeded(db_url)
    ctx = make_context(db_url, slack)
    with ctx.db.transaction() as session:
        session.get_one(Collaborative, collab.id).digest_channel = None
        collab = session.get_one(Collaborative, collab.id)
    assert "nothing sent" in load_jobs()["weekly-digest"].run(ctx, collab, as_of)
    assert slack.calls == []
    ctx.db.dispose()


def test_cron_follows_the_digest_day_and_time() -> None:
    job = load_jobs()["weekly-digest"]
    collab = Collaborative(digest_day="thursday", digest_time="07:30")
    assert job.cron(collab) == {"day_of_week": "thu", "hour": 7, "minute": 30}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_jobs_run_cli_posts_the_digest(db_url: str, slack: SlackStandIn) -> None:
    _seeded(db_url)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.base_url,
        "DATABASE_URL": db_url,
    }
    command = [sys.executable, "-m", "bot.cli", "jobs", "run", "weekly-digest", "--as-of", "2027-02-15T08:00"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=True)
    assert first.stdout.startswith("htn: ")
    assert len(slack.completed_uploads) == 5
    posted = len(slack.messages(DIGEST_CHANNEL))
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=True)
    assert "htn: 0 sent" in second.stdout
    assert len(slack.messages(DIGEST_CHANNEL)) == posted
    assert len(slack.completed_uploads) == 5
