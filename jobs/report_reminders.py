"""``report-reminders``: the monthly report ladder (see ``bot.measures.reminders``), hourly 09:00-17:00 local.

Each run sends the step that falls on the run's local date; the ledger makes later runs that day
no-ops, except for a send that failed, which they retry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.context import BotContext
from bot.measures.reminders import report_reminders_due
from bot.slack.delivery import deliver_all
from jobs.registry import Job, register_job
from storage.models import Collaborative


def _cron(collab: Collaborative) -> dict[str, Any]:
    return {"hour": "9-17", "minute": 0}


def run(ctx: BotContext, collab: Collaborative, as_of: datetime) -> str:
    step, outgoing = report_reminders_due(ctx.db, collab, as_of)
    if step is None:
        return "no reminder step today"
    summary = deliver_all(ctx, outgoing)
    return f"{step.step} for {step.period} (due {step.due}): {summary.describe()}"


JOB = register_job(
    Job(
        "report-reminders",
        "Monthly report ladder: team reminders, faculty summary, lead nudges",
        _cron,
        run,
    )
)
