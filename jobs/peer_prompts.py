"""``peer-prompts``: Wednesdays 10:00 local, one post in the peer channel per ISO week: a prompt from
the library for the collaborative's phase (or the file's own), or, when the channel has been quiet,
a spotlight on a team that is improving (``bot.peers.prompts``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.context import BotContext
from bot.peers.prompts import post_weekly_prompt
from jobs.registry import Job, register_job
from storage.models import Collaborative


def _cron(collab: Collaborative) -> dict[str, Any]:
    return {"day_of_week": "wed", "hour": 10, "minute": 0}


def run(ctx: BotContext, collab: Collaborative, as_of: datetime) -> str:
    return post_weekly_prompt(ctx, collab, as_of)


JOB = register_job(
    Job(
        "peer-prompts",
        "Weekly prompt in the peer channel, or a spotlight on an improving team when it is quiet",
        _cron,
        run,
    )
)
