"""``call-prep``: daily, faculty's agenda draft for each interim call two days ahead (``bot.prep``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.context import BotContext
from bot.prep.service import JOB, call_prep_due
from bot.slack.delivery import deliver_all
from jobs.registry import Job, register_job
from storage.models import Collaborative


def _cron(collab: Collaborative) -> dict[str, Any]:
    return {"hour": 8, "minute": 0}


def run(ctx: BotContext, collab: Collaborative, as_of: datetime) -> str:
    outgoing = call_prep_due(ctx, collab, as_of)
    if not outgoing:
        return "no interim-call prep due"
    return f"{len(outgoing)} agenda drafts due: {deliver_all(ctx, outgoing).describe()}"


JOB_ENTRY = register_job(
    Job(JOB, "Interim-call agenda draft to faculty by direct message, two days before each call", _cron, run)
)
