"""``feedback-summary``: every 15 minutes, faculty get a call's feedback summary 24 hours after it ended."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.context import BotContext
from bot.feedback.service import summaries_due
from bot.slack.delivery import deliver_all
from jobs.registry import Job, register_job
from storage.models import Collaborative


def _cron(collab: Collaborative) -> dict[str, Any]:
    return {"minute": "*/15"}


def run(ctx: BotContext, collab: Collaborative, as_of: datetime) -> str:
    outgoing = summaries_due(ctx, collab, as_of)
    if not outgoing:
        return "no feedback summary due"
    return f"{len(outgoing)} feedback summaries due: {deliver_all(ctx, outgoing).describe()}"


JOB = register_job(
    Job(
        "feedback-summary",
        "Feedback summary to faculty by DM, 24 hours after each call or session",
        _cron,
        run,
    )
)
