"""The digest as a document (Markdown and HTML) with run chart pictures: what ``collab-bot demo`` writes.

It carries the same content as the Slack message and its thread (the text comes from
:mod:`bot.digest.views`'s formatters), turned from Slack's mrkdwn into Markdown and HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.digest.rules import Digest
from bot.digest.views import digest_blocks, digest_thread_messages


@dataclass(frozen=True)
class ChartFile:
    filename: str
    title: str
    alt: str
    finding: str


def _block_lines(blocks: Sequence[dict[str, object]]) -> list[str]:
    """Slack blocks (as dicts) to Markdown paragraphs."""
    out: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            out.append(f"# {_text(block.get('text'))}")
        elif kind == "divider":
            out.append("---")
        elif kind == "section":
            out.append(_mrkdwn(_text(block.get("text"))))
        elif kind == "context":
            elements = block.get("elements")
            parts = [_text(e) for e in elements] if isinstance(elements, list) else []
            out.append("_" + _mrkdwn(" ".join(parts)).replace("\n", "_\n_") + "_")
    return out


def _text(obj: object) -> str:
    return str(obj.get("text", "")) if isinstance(obj, dict) else ""


def _mrkdwn(text: str) -> str:
    """Slack mrkdwn to Markdown: *bold* -> **bold**, emoji codes dropped, bullets kept."""
    text = re.sub(r":[a-z_]+:\s?", "", text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"**\1**", text)
    return text.replace("\n", "  \n")


def digest_markdown(digest: Digest, charts: Sequence[ChartFile]) -> str:
    lines = _block_lines([block.to_dict() for block in digest_blocks(digest)])
    lines = [line for line in lines if "in the thread" not in line]
    lines.append("## Details (the Slack thread)")
    for reply in digest_thread_messages(digest):
        lines.extend(_block_lines(reply["blocks"]))
    lines.append("## Run charts, all teams together")
    for chart in charts:
        lines.append(f"### {chart.title}\n\n![{chart.alt}]({chart.filename})\n\n{chart.finding}")
    lines.append("_Made by `collab-bot demo` from synthetic data; no real teams or patients._")
    return "\n\n".join(lines) + "\n"


def _inline(text: str) -> str:
    escaped = html.escape(text, quote=False)
    escaped = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", escaped)
    escaped = re.sub(r"(?<!\w)_([^_\n]+)_(?!\w)", r"<em>\1</em>", escaped)
    return escaped.replace("  \n", "<br>\n")


def digest_html(digest: Digest, charts: Sequence[ChartFile]) -> str:
    """A standalone HTML page (charts referenced next to it)."""
    body: list[str] = []
    for paragraph in digest_markdown(digest, []).split("\n\n"):
        if paragraph.startswith("### "):
            body.append(f"<h3>{_inline(paragraph[4:])}</h3>")
        elif paragraph.startswith("## "):
            body.append(f"<h2>{_inline(paragraph[3:])}</h2>")
        elif paragraph.startswith("# "):
            body.append(f"<h1>{_inline(paragraph[2:])}</h1>")
        elif paragraph == "---":
            body.append("<hr>")
        elif paragraph.strip():
            body.append(f"<p>{_inline(paragraph)}</p>")
    for chart in charts:
        body.append(
            f'<figure><img src="{html.escape(chart.filename)}" alt="{html.escape(chart.alt)}" width="880">'
            f"<figcaption>{html.escape(chart.finding)}</figcaption></figure>"
        )
    title = html.escape(f"Weekly digest: {digest.collaborative_name}")
    style = (
        "body{font-family:system-ui,sans-serif;max-width:920px;margin:2em auto;padding:0 1em;"
        "line-height:1.45;color:#1d1c1d}figure{margin:1.5em 0}img{max-width:100%}"
    )
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{style}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
