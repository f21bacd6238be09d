"""Finding a team's new milestones and celebrating each once, through the delivery ledger.

After a PDSA cycle is completed (:func:`cycle_celebrations`) and after a team reports
(:func:`report_celebrations`) the team's milestones (:mod:`bot.milestones.rules`) are checked; each
reached one becomes a short card in the team's channel and, when the team allows sharing, in the
peer-sharing channel. The ledger key is per team and milestone
(``milestones:{collaborative}:team{id}:{milestone}:team|peers``), so a milestone is celebrated once
however often it is found again.

When the team allows sharing: a cycle milestone goes to peers when that cycle was shared with peer
teams; the sustained-signal milestone when the team's most recent PDSA cycle was shared (its
current choice). A team that never shared is celebrated in its own channel only.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from bot.context import BotContext
from bot.milestones import rules
from bot.milestones.rules import Milestone
from bot.milestones.views import milestone_card
from bot.peers.channel import peer_channel_for_posts
from bot.slack.delivery import DeliverySummary, Outgoing, deliver_all
from storage.db import Database
from storage.digest_queries import load_team_data
from storage.pdsa import CycleRecord, team_cycles

JOB = "milestones"


@dataclass(frozen=True)
class Celebration:
    milestone: Milestone
    collaborative_id: int
    team_id: int
    team_name: str
    team_channel_id: str | None
    detail: str  # the change idea (typed by people: escape) or the measure's name
    share: bool  # the team allows sharing it with peer teams


def celebration_key(c: Celebration, where: str) -> str:
    return f"{JOB}:{c.collaborative_id}:team{c.team_id}:{c.milestone}:{where}"


def cycle_celebrations(db: Database, cycle: CycleRecord) -> list[Celebration]:
    """The milestones a just-completed cycle reaches for its team."""
    if cycle.is_open:
        return []
    with db.reader() as session:
        cycles = team_cycles(session, cycle.team_id)
    return [
        Celebration(
            milestone=m,
            collaborative_id=cycle.collaborative_id,
            team_id=cycle.team_id,
            team_name=cycle.team_name,
            team_channel_id=cycle.team_channel_id,
            detail=cycle.change_idea,
            share=cycle.shared,
        )
        for m in rules.cycle_milestones(cycle, cycles)
    ]


def _shares(cycles: list[CycleRecord]) -> bool:
    """The team's current choice: was its most recent PDSA cycle shared with peer teams?"""
    latest = max(cycles, key=lambda c: (c.start_date, c.id), default=None)
    return bool(latest and latest.shared)


def report_celebrations(db: Database, team_id: int) -> list[Celebration]:
    """A first sustained improvement signal, as of the team's latest reported month."""
    with db.reader() as session:
        data = load_team_data(session, team_id)
        cycles = team_cycles(session, team_id)
    if data is None or data.teams.empty or data.reports.empty:
        return []
    period = pd.PeriodIndex(data.reports["period"], freq="M").max()
    held = rules.sustained_measures(rules.signal_streaks(data, period))
    if not held:
        return []
    team = data.teams.iloc[0]
    names = dict(zip(data.measures["key"], data.measures["name"], strict=True))
    return [
        Celebration(
            milestone=Milestone.FIRST_SUSTAINED,
            collaborative_id=int(data.collaborative.id),
            team_id=team_id,
            team_name=str(team["name"]),
            team_channel_id=team["channel_id"] if isinstance(team["channel_id"], str) else None,
            detail=", ".join(names.get(key, key) for key in held),
            share=_shares(cycles),
        )
    ]


def celebrate(ctx: BotContext, celebrations: list[Celebration]) -> DeliverySummary:
    """Each milestone's card in the team channel, and in the peer channel when the team shares; once."""
    outgoing: list[Outgoing] = []
    for c in celebrations:
        if c.team_channel_id:
            card = milestone_card(c.milestone, c.team_name, c.detail, for_peers=False)
            outgoing.append(
                Outgoing(celebration_key(c, "team"), JOB, c.team_channel_id, card, c.collaborative_id)
            )
        if c.share:
            peer = peer_channel_for_posts(ctx, c.collaborative_id)
            if peer:
                card = milestone_card(c.milestone, c.team_name, c.detail, for_peers=True)
                outgoing.append(Outgoing(celebration_key(c, "peers"), JOB, peer, card, c.collaborative_id))
    if not outgoing:
        return DeliverySummary()
    return deliver_all(ctx, outgoing)
