"""``buddy-teams``: monthly, the day after reports are due, pairs improving and flat teams."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.buddies.service import JOB, buddies_due
from bot.context import BotContext
from bot.slack.delivery import deliver_all
from jobs.registry import Job, register_job
from storage.models import Collaborative

#: The job runs on this day of the month at the latest (every month has it).
LAST_DAY = 28


def _cron(collab: Any) -> dict[str, Any]:
    day = min(int(getattr(collab, "due_day", 10) or 10) + 1, LAST_DAY)
    return {"day": day, "hour": 10, "minute": 0}


def run(ctx: BotContext, collab: Collaborative, as_of: datetime) -> str:
    plan = buddies_due(ctx, collab, as_of)
    if plan is None:
        return "buddy teams are off in the collaborative file (buddies: false); nothing sent"
    if not plan.pairs:
        return f"no buddy pair for {plan.month}: no team with an improvement signal has a flat partner"
    line = f"{len(plan.pairs)} buddy pairs for {plan.month}"
    if plan.skipped:
        line += f" ({len(plan.skipped)} without a message: {'; '.join(sorted(set(plan.skipped)))})"
    if not plan.outgoing:
        return line
    return f"{line}: {deliver_all(ctx, plan.outgoing).describe()}"


JOB_ENTRY = register_job(
    Job(JOB, "Buddy teams: pairs an improving and a flat team monthly, by group direct message", _cron, run)
)
