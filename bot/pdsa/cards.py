"""Posting PDSA cards: the team's channel on start and completion, and the peer channel if shared.

Cards go through the delivery ledger with one key per cycle, stage and channel, so a card is
posted once even if a submission is retried, and a failed post is resent by the next retry run.
A shared card whose peer channel is not set up yet waits in the ledger until `channels sync`.
"""

from __future__ import annotations

from bot.context import BotContext
from bot.pdsa.views import peer_card, team_card
from bot.peers.channel import peer_channel_for_posts
from bot.slack.delivery import DeliverySummary, Outgoing, deliver_all
from storage.pdsa import CycleRecord

JOB = "pdsa-cards"


def card_key(cycle: CycleRecord, where: str) -> str:
    stage = "started" if cycle.is_open else "completed"
    return f"{JOB}:{cycle.collaborative_id}:{cycle.id}:{stage}:{where}"


def announce_cycle(ctx: BotContext, cycle: CycleRecord) -> DeliverySummary:
    """Post the card for the cycle's current stage to the team channel (and peers when shared)."""
    outgoing: list[Outgoing] = []
    if cycle.team_channel_id:
        outgoing.append(
            Outgoing(
                card_key(cycle, "team"), JOB, cycle.team_channel_id, team_card(cycle), cycle.collaborative_id
            )
        )
    if cycle.shared:
        peer = peer_channel_for_posts(ctx, cycle.collaborative_id)
        if peer:
            outgoing.append(
                Outgoing(card_key(cycle, "peers"), JOB, peer, peer_card(cycle), cycle.collaborative_id)
            )
    return deliver_all(ctx, outgoing)
