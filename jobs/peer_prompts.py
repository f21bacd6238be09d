"""``peer-prompts``: seeds the peer-sharing channel when traffic is slow. Placeholder for now.

The schedule is registered here (Wednesdays 10:00 local); the content comes in a later issue, so a
run sends nothing and says so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.context import BotContext
from jobs.registry import Job, register_job
from storage.models import Collaborative


def _cron(collab: Collaborative) -> dict[str, Any]:
    return {"day_of_week": "wed", "hour": 10, "minute": 0}


def run(ctx: BotContext, collab: Collaborative, as_of: datetime) -> str:
    return "not built yet: nothing sent"


JOB = register_job(
    Job("peer-prompts", "Prompts in the peer-sharing channel when it is quiet (not built yet)", _cron, run)
)
