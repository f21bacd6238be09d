"""``peer-asks``: hourly, faculty get a direct message about each question in the peer channel that
has had no reply in its thread for 48 hours (once per question and faculty member, via the ledger)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.context import BotContext
from bot.peers.posts import flag_unanswered_asks
from jobs.registry import Job, register_job
from storage.models import Collaborative


def _cron(collab: Collaborative) -> dict[str, Any]:
    return {"minute": 20}


def run(ctx: BotContext, collab: Collaborative, as_of: datetime) -> str:
    return flag_unanswered_asks(ctx, collab, as_of)


JOB = register_job(
    Job(
        "peer-asks",
        "Tell faculty about questions in the peer channel with no reply after 48 hours",
        _cron,
        run,
    )
)
