"""The interim-call agenda draft as a Slack message (faculty's direct messages, or ``/collab prep``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot.calls.views import slack_date
from bot.format import clip, escape
from bot.months import short_day_label
from bot.slack.blocks import Message, context, message, section

if TYPE_CHECKING:
    from bot.prep.service import PrepDraft

SECTION_LIMIT = 2900
DECISION_WORDS = {"adopt": "adopted", "adapt": "adapted", "abandon": "abandoned"}


def _sections(title: str, lines: Sequence[str], empty: str) -> list[Block]:
    """A bold title and its bullet lines, packed into sections of at most Slack's 3,000 characters."""
    if not lines:
        return [section(f"*{title}*\n{empty}")]
    blocks: list[Block] = []
    chunk = f"*{title}*"
    for line in lines:
        line = clip(line, SECTION_LIMIT - 100)
        if len(chunk) + 1 + len(line) > SECTION_LIMIT:
            blocks.append(section(chunk))
            chunk = line
        else:
            chunk += "\n" + line
    blocks.append(section(chunk))
    return blocks


def prep_message(draft: PrepDraft) -> Message:
    """The agenda draft: candidates to present, Study notes, open asks, teams needing support."""
    when = slack_date(draft.starts_at, ZoneInfo(draft.timezone))
    candidates = [
        f"• *{escape(c.team_name)}*: {escape('; '.join(c.findings))}"
        + (
            f"\n   Adopted: {escape(clip(', '.join(c.adopted), 600))}"
            if c.adopted
            else "\n   No adopted change logged yet: ask what they changed."
        )
        for c in draft.candidates
    ]
    notes = [
        f"• *{escape(n.team_name)}*, {escape(clip(n.change_idea, 200))} (cycle {n.cycle_number}, "
        f"{DECISION_WORDS.get(n.decision or '', 'completed')}"
        + (f" {short_day_label(n.ended)}" if n.ended else "")
        + f"): “{escape(clip(n.note, 500))}”"
        for n in draft.notes
    ]
    asks = [
        f"• *{escape(a.team_name)}* asked {short_day_label(a.asked)}, no reply yet: "
        f"<https://slack.com/archives/{a.channel}/p{a.ts.replace('.', '')}|open the question>"
        for a in draft.asks
    ]
    support = [f"• *{escape(s.team_name)}*: {escape('; '.join(s.reasons))}" for s in draft.support]
    blocks: list[Block] = [
        HeaderBlock(text=clip(f"Agenda draft: {draft.title}", 150)),
        section(f"{escape(draft.collaborative_name)} · {when}"),
        DividerBlock(),
        *_sections(
            "Candidates to present (a new improvement signal)", candidates, "No new improvement signal."
        ),
        *_sections(
            "Study notes worth sharing", notes, "No shared cycle with Study notes in the last 60 days."
        ),
        *(
            _sections("Open asks from the peer channel", asks, "No unanswered ask in the last 30 days.")
            if draft.asks_tracked
            else []
        ),
        *_sections("Teams needing support", support, "No team needs support right now."),
        context("A draft from the bot: reshape it as you see fit. `/collab prep` shows it as it stands now."),
    ]
    text = (
        f"Agenda draft for {escape(draft.title)}: {len(draft.candidates)} candidates to present, "
        f"{len(draft.support)} teams needing support."
    )
    return message(text, blocks[:50])


def prep_refusal(text: str) -> Message:
    return message(text, [section(text)])


PREPARING = "Preparing the agenda draft for the next interim call: it will arrive in your direct messages."
FAILED = "Sorry, the agenda draft could not be made just now. Please try `/collab prep` again in a minute."
