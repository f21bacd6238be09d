"""Milestone cards: short, warm, about the team's own progress; never a comparison or a ranking."""

from __future__ import annotations

from bot.format import clip, escape
from bot.milestones.rules import SUSTAINED_MONTHS, Milestone
from bot.slack.blocks import Message, context, message, section

NOT_A_RANKING = "Milestones mark each team's own progress. They are never a ranking."


def _idea(detail: str) -> str:
    return f"“{escape(clip(detail, 300))}”"


def milestone_card(milestone: Milestone, team_name: str, detail: str, *, for_peers: bool) -> Message:
    """The card for ``milestone``: addressed to the team in its channel, or naming it for peer teams."""
    team = f"*{escape(clip(team_name, 200))}*"
    match milestone:
        case Milestone.FIRST_CYCLE:
            head = ":tada: First completed PDSA cycle"
            body = (
                f"{team} completed its first PDSA cycle, testing {_idea(detail)}."
                if for_peers
                else f"You tested {_idea(detail)} and closed the loop: plan, do, study, act. "
                "Every cycle teaches something, whatever the result."
            )
        case Milestone.FIRST_ADOPTED:
            head = ":seedling: First adopted change"
            body = (
                f"{team} adopted its first change: {_idea(detail)}."
                if for_peers
                else f"{_idea(detail)} is now part of how you work. "
                "Other teams would love to hear what made it stick."
            )
        case Milestone.FIRST_SUSTAINED:
            head = ":chart_with_upwards_trend: First sustained improvement"
            where = f"{team}'s" if for_peers else "Your"
            body = (
                f"{where} run chart for {escape(clip(detail, 300))} has shown an improvement signal "
                f"{SUSTAINED_MONTHS} months running: the change is holding."
            )
    text = f"{head}: {escape(clip(team_name, 200))}" if for_peers else head
    return message(text, [section(f"*{head}!*\n{body}"), context(NOT_A_RANKING)])
