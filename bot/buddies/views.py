"""The buddy-team introduction: a group direct message to both teams' leads."""

from __future__ import annotations

from collections.abc import Sequence

from bot.format import clip, escape
from bot.months import month_label
from bot.slack.blocks import Message, context, mentions, message, section

ADOPTED_SHOWN = 5


def introduction(
    *,
    month: str,
    measure: str,
    improving_team: str,
    improving_leads: Sequence[str],
    flat_team: str,
    flat_leads: Sequence[str],
    adopted: Sequence[str],
) -> Message:
    """Introduce the two teams: the measure, and what the improving team adopted (typed by people)."""
    who = (
        f"{mentions(improving_leads)} of *{escape(improving_team)}*, meet "
        f"{mentions(flat_leads)} of *{escape(flat_team)}*."
    )
    story = (
        f"*{escape(improving_team)}*'s run chart for *{escape(measure)}* shows an improvement signal; "
        f"*{escape(flat_team)}*'s has been steady. A short call could help both teams: what changed, "
        "what got in the way, what would you try first?"
    )
    if adopted:
        shown = "\n".join(f"• {escape(clip(title, 300))}" for title in adopted[:ADOPTED_SHOWN])
        behind = f"*Changes {escape(improving_team)} adopted:*\n{shown}"
    else:
        behind = f"{escape(improving_team)} hasn't logged an adopted change yet: ask what they are trying."
    blocks = [
        section(f":handshake: *Your buddy team for {month_label(month)}*\n{who}"),
        section(story),
        section(behind),
        context("Buddy teams are paired each month from the run charts. Every team has something to teach."),
    ]
    pair = f"{escape(improving_team)} and {escape(flat_team)}"
    return message(f"Your buddy team for {month_label(month)}: {pair}", blocks)
