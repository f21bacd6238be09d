"""Small shared pieces for Block Kit messages built with slack_sdk's models.

``section`` and ``context`` take mrkdwn the caller has already made safe: whatever a person typed,
and every team, measure and call name from the collaborative file, goes through
:func:`bot.format.escape` first (re-exported here with :func:`bot.format.link`). They cut at
Slack's 3,000 characters without splitting an ``&amp;`` in two.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.format import escape, link

__all__ = [
    "Message",
    "context",
    "cut",
    "escape",
    "link",
    "mention",
    "mentions",
    "message",
    "plain_message",
    "section",
]

Message = dict[str, Any]


def message(text: str, blocks: Sequence[Block]) -> Message:
    """A message payload: ``text`` is the notification/fallback, ``blocks`` what people see."""
    return {"text": text, "blocks": [block.to_dict() for block in blocks]}


def cut(markdown: str, limit: int = 3000) -> str:
    """``markdown`` cut to ``limit`` characters, never in the middle of an ``&amp;``-style entity."""
    if len(markdown) <= limit:
        return markdown
    head = markdown[:limit]
    amp = head.rfind("&", max(0, limit - 5))
    return head[:amp] if amp != -1 and ";" not in head[amp:] else head


def section(markdown: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=cut(markdown)))


def context(markdown: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=cut(markdown))])


def plain_message(text: str) -> Message:
    """A one-paragraph message (``text`` is mrkdwn, already escaped where a person typed it)."""
    return message(text, [section(text)])


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def mentions(user_ids: Sequence[str]) -> str:
    return ", ".join(mention(u) for u in user_ids)
