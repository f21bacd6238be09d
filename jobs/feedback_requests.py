"""``feedback-requests``: every 15 minutes, a feedback request for calls that ended an hour ago."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.calls.service import feedback_requests_due
from bot.context import BotContext
from bot.slack.delivery import deliver_all
from jobs.registry import Job, register_job
from storage.models import Collaborative


def _cron(collab: Collaborative) -> dict[str, Any]:
    return {"minute": "*/15"}


def run(ctx: BotContext, collab: Collaborative, as_of: datetime) -> str:
    outgoing = feedback_requests_due(ctx, collab, as_of)
    if not outgoing:
        return "no feedback request due"
    return f"{len(outgoing)} feedback requests due: {deliver_all(ctx, outgoing).describe()}"


JOB = register_job(
    Job("feedback-requests", "Feedback request an hour after each call or session", _cron, run)
)
