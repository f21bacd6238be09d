"""Telling people about a saved report: a short note in the team channel, a private confirmation to
the submitter and the team's run chart, each sent once through the delivery ledger."""

from __future__ import annotations

from bot.context import BotContext
from bot.measures.chart import post_team_chart
from bot.measures.rules import Saved
from bot.measures.views import channel_note, submitter_note
from bot.slack.delivery import Outgoing, deliver, run_once

JOB = "measures"


def announce_report(ctx: BotContext, saved: Saved) -> None:
    """A short note in the team channel, a private confirmation and the team's run chart, each once."""
    outgoing = [
        Outgoing(f"{saved.key}:confirm", JOB, saved.user_id, submitter_note(saved), saved.collaborative_id)
    ]
    if saved.channel_id:
        outgoing.insert(
            0,
            Outgoing(
                f"{saved.key}:channel", JOB, saved.channel_id, channel_note(saved), saved.collaborative_id
            ),
        )
    for out in outgoing:
        deliver(ctx, out)
    if saved.channel_id:
        run_once(
            ctx,
            key=f"{saved.key}:chart",
            job=JOB,
            channel=saved.channel_id,
            action=lambda client, _thread_ts: post_team_chart(ctx, client, saved.team_id, saved.period),
            collaborative_id=saved.collaborative_id,
        )
