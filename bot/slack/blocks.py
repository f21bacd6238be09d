"""Small shared pieces for Block Kit messages built with slack_sdk's models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

Message = dict[str, Any]


def message(text: str, blocks: Sequence[Block]) -> Message:
    """A message payload: ``text`` is the notification/fallback, ``blocks`` what people see."""
    return {"text": text, "blocks": [block.to_dict() for block in blocks]}


def section(markdown: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=markdown[:3000]))


def context(markdown: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=markdown[:3000])])


def plain_message(text: str) -> Message:
    """A one-paragraph message."""
    return message(text, [section(text)])


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def mentions(user_ids: Sequence[str]) -> str:
    return ", ".join(mention(u) for u in user_ids)
