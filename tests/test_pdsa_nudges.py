"""The ``pdsa-nudges`` job: the right open cycles are nudged in their team channel, once a week."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from bot.months import local_date, local_time
from bot.pdsa.views import ACTION_OPEN, UPDATE_CALLBACK
from jobs.registry import load_jobs
from storage.pdsa import CycleRecord, CycleUpdate, NewCycle, create_cycle, update_cycle
from tests.conftest import RunningBot
from tests.constants import ALICE, BOT_TOKEN, EAST, RIVER
from tests.helpers import collaborative_named, team_id_by_key, wait_for_calls
from tests.signing import block_actions_payload

ROOT = Path(__file__).resolve().parent.parent
TZ = "America/Los_Angeles"


def _cycle(bot: RunningBot, team_key: str, title: str, start: date, planned_end: date | None) -> CycleRecord:
    """A cycle created at the bot's (pinned) now."""
    return create_cycle(
        bot.db,
        NewCycle(
            team_id=team_id_by_key(bot.db, team_key),
            created_by=ALICE,
            objective="Will it work?",
            prediction="Yes, because we practised",
            start_date=start,
            planned_end_date=planned_end,
            change_idea_title=title,
        ),
        bot.ctx.now(),
    )


def test_nudges_go_to_the_right_cycles_once_a_week(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    today = local_date(bot.ctx.now(), TZ)
    late = _cycle(bot, "riverside", "Late cycle", today - timedelta(days=7), today)
    on_time = _cycle(bot, "riverside", "On-time cycle", today - timedelta(days=7), today + timedelta(days=30))
    done = _cycle(bot, "riverside", "Finished cycle", today - timedelta(days=7), today)
    update_cycle(bot.db, done.id, CycleUpdate(study_results="ok", decision="adopt"), today, bot.ctx.now())
    _cycle(bot, "eastside", "East late cycle", today - timedelta(days=9), today - timedelta(days=1))

    job = load_jobs()["pdsa-nudges"]
    collab = collaborative_named(bot.db)
    assert job.cron(collab) == {"day_of_week": "mon", "hour": 9, "minute": 0}
    as_of = local_time(bot.ctx.now(), TZ) + timedelta(days=3)
    first = job.run(bot.ctx, collab, as_of)
    second = job.run(bot.ctx, collab, as_of + timedelta(hours=2))  # a re-run in the same week
    assert first.startswith("2 sent") and second.startswith("0 sent, 2 already sent")
    river = bot.slack.messages(RIVER)
    assert [m["text"] for m in river] == [f"PDSA cycle still open: {late.change_idea} · cycle 1"]
    assert "planned to end" in json.dumps(river[0]["blocks"])
    assert len(bot.slack.messages(EAST)) == 1
    assert "On-time cycle" not in json.dumps(river)

    # Three weeks later the on-time cycle has gone 14 days without an update: it is nudged too.
    later = job.run(bot.ctx, collab, as_of + timedelta(days=18))
    assert later.startswith("3 sent")
    stale = bot.slack.messages(RIVER)[-1]
    assert "On-time cycle" in stale["text"] and "no update for" in json.dumps(stale["blocks"])

    # The nudge's Update button opens the cycle in the update modal.
    button = stale["blocks"][1]["elements"][0]
    assert button["action_id"] == ACTION_OPEN
    payload = block_actions_payload(
        ACTION_OPEN,
        ALICE,
        value=button["value"],
        block_id="pdsa",
        message=stale,
        trigger_id=bot.slack.issue_trigger_id(),
    )
    bot.requests.interact(payload)
    update = wait_for_calls(bot.slack, "views.update", 1)[-1]
    assert update.args["view"]["callback_id"] == UPDATE_CALLBACK
    assert json.loads(update.args["view"]["private_metadata"]) == {"cycle_id": on_time.id}


def test_jobs_run_cli_sends_each_nudge_once(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    today = local_date(bot.ctx.now(), TZ)
    _cycle(bot, "riverside", "Late cycle", today - timedelta(days=7), today - timedelta(days=1))
    as_of = (local_time(bot.ctx.now(), TZ) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": bot.slack.base_url,
        "DATABASE_URL": bot.db.url,
    }
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "jobs", "run", "pdsa-nudges", "--as-of", as_of],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
    assert len(bot.slack.messages(RIVER)) == 1
    assert "htn: 0 sent, 1 already sent" in done.stdout
