"""The weekly PDSA nudge: which open cycles get a reminder in their team's channel, and its key.

A cycle is nudged when it is past its planned end date or has had no update for 14 days. The
ledger key carries the ISO week, so a re-run in the same week sends nothing new.
"""

from __future__ import annotations

from datetime import datetime

from bot.context import BotContext
from bot.months import iso_week, local_date, short_day_label
from bot.pdsa.views import nudge_message
from bot.slack.delivery import Outgoing
from storage.pdsa import CycleRecord, cycles_needing_nudge

JOB = "pdsa-nudges"
STALE_DAYS = 14


def nudge_reason(cycle: CycleRecord, as_of: datetime, timezone: str) -> str:
    today = local_date(as_of, timezone)
    if cycle.planned_end_date is not None and cycle.planned_end_date < today:
        return f"it was planned to end on {short_day_label(cycle.planned_end_date)}"
    days = (as_of - cycle.updated_at).days
    return f"there's been no update for {days} days"


def plan_nudges(ctx: BotContext, collaborative_id: int, timezone: str, as_of: datetime) -> list[Outgoing]:
    today = local_date(as_of, timezone)
    with ctx.db.reader() as session:
        cycles = cycles_needing_nudge(session, collaborative_id, as_of, today, STALE_DAYS)
    week = iso_week(today)
    outgoing: list[Outgoing] = []
    for cycle in cycles:
        if not cycle.team_channel_id:
            continue
        outgoing.append(
            Outgoing(
                key=f"{JOB}:{collaborative_id}:{cycle.id}:{week}",
                job=JOB,
                channel=cycle.team_channel_id,
                message=nudge_message(cycle, nudge_reason(cycle, as_of, timezone)),
                collaborative_id=collaborative_id,
            )
        )
    return outgoing
