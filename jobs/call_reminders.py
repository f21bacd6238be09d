"""``call-reminders``: every 15 minutes, the call reminders whose time has come (``bot.calls``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.calls.service import call_reminders_due
from bot.context import BotContext
from bot.slack.delivery import deliver_all
from jobs.registry import Job, register_job
from storage.models import Collaborative


def _cron(collab: Collaborative) -> dict[str, Any]:
    return {"minute": "*/15"}


def run(ctx: BotContext, collab: Collaborative, as_of: datetime) -> str:
    outgoing = call_reminders_due(ctx, collab, as_of)
    if not outgoing:
        return "no call reminder due"
    return f"{len(outgoing)} call reminders due: {deliver_all(ctx, outgoing).describe()}"


JOB = register_job(
    Job("call-reminders", "Call reminders with RSVP, 7 days, 1 day and 1 hour before", _cron, run)
)
