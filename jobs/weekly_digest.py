"""``weekly-digest``: the faculty digest, on the collaborative's digest day and time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.context import BotContext
from bot.digest.delivery import JOB, send_weekly_digest
from jobs.registry import Job, register_job
from storage.models import Collaborative


def digest_cron(collab: Any) -> dict[str, Any]:
    hour, _, minute = str(collab.digest_time or "08:00").partition(":")
    return {
        "day_of_week": str(collab.digest_day or "monday")[:3].lower(),
        "hour": int(hour),
        "minute": int(minute),
    }


def run_weekly_digest(ctx: BotContext, collab: Collaborative, as_of: datetime) -> str:
    if not collab.digest_channel:
        return "no digest channel in the collaborative file; nothing sent"
    return send_weekly_digest(ctx, collab.id, collab.digest_channel, as_of).describe()


WEEKLY_DIGEST = register_job(
    Job(
        name=JOB,
        description="Weekly faculty digest with run charts, once per week",
        cron=digest_cron,
        run=run_weekly_digest,
    )
)
