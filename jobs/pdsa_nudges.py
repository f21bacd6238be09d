"""``pdsa-nudges``: every Monday at 09:00 local, remind teams of PDSA cycles left open."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.context import BotContext
from bot.pdsa.nudges import JOB, plan_nudges
from bot.slack.delivery import deliver_all
from jobs.registry import Job, register_job
from storage.models import Collaborative


def cron(collaborative: Any) -> dict[str, Any]:
    return {"day_of_week": "mon", "hour": 9, "minute": 0}


def run(ctx: BotContext, collaborative: Collaborative, as_of: datetime) -> str:
    outgoing = plan_nudges(ctx, collaborative.id, collaborative.timezone, as_of)
    return deliver_all(ctx, outgoing).describe()


register_job(
    Job(
        name=JOB,
        description="Weekly nudge for PDSA cycles past their planned end or not updated for 14 days",
        cron=cron,
        run=run,
    )
)
