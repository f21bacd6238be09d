"""``delivery-retries``: resend messages that Slack refused after every retry, every 10 minutes.

Scheduled jobs resend their own failures while a step is still due. Messages sent in answer to
people (report confirmations, PDSA cards, wins and questions for the peer channel, welcome DMs)
have no later run of their own, and the weekly peer prompt's next run is a week later, so this job
picks up what they left pending in the ledger.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.context import BotContext
from bot.measures import announce as measure_notes
from bot.pdsa import cards as pdsa_cards
from bot.peers.engagement import WELCOME_JOB
from bot.peers.prompts import JOB as PEER_PROMPTS
from bot.peers.service import POST_JOB as PEER_POSTS
from bot.slack.delivery import DeliverySummary, retry_pending
from jobs.registry import Job, register_job
from storage.models import Collaborative

EVENT_DRIVEN_JOBS = (measure_notes.JOB, pdsa_cards.JOB, PEER_POSTS, WELCOME_JOB, PEER_PROMPTS)


def _cron(collab: Collaborative) -> dict[str, Any]:
    return {"minute": "*/10"}


def run(ctx: BotContext, collab: Collaborative, as_of: datetime) -> str:
    summary = DeliverySummary()
    for job in EVENT_DRIVEN_JOBS:
        summary.add(retry_pending(ctx, job, collaborative_id=collab.id))
    return summary.describe()


JOB = register_job(
    Job("delivery-retries", "Resend confirmations and PDSA cards that Slack refused earlier", _cron, run)
)
