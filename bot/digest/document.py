"""The digest as a document (Markdown and HTML) with run chart pictures: what ``collab-bot demo`` writes.

It carries the same facts as the Slack message and its thread, in the same sentences: both are
written by :mod:`bot.digest.wording`. :func:`_document` lays the digest out once as a few plain
parts (headings, paragraphs, lists, figures) with the text already marked up for the target;
:func:`digest_markdown` and :func:`digest_html` only write those parts out. Unlike the Slack
message, nothing is cut to fit: every measure and every team is listed.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from bot.digest import wording
from bot.digest.rules import Digest
from bot.digest.wording import HTML, MARKDOWN, Markup

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:920px;margin:2em auto;padding:0 1em;"
    "line-height:1.45;color:#1d1c1d}figure{margin:1.5em 0}img{max-width:100%}"
)


@dataclass(frozen=True)
class ChartFile:
    filename: str
    title: str
    alt: str
    finding: str


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str  # "\n" is a line break


@dataclass(frozen=True)
class Items:
    items: list[str]  # "\n" inside an item is a line break


@dataclass(frozen=True)
class Rule:
    pass


@dataclass(frozen=True)
class Figure:
    chart: ChartFile


Part = Heading | Paragraph | Items | Rule | Figure


def _titled_list(heading: str, items: list[str]) -> list[Part]:
    return [Paragraph(heading), Items(items)] if items else [Paragraph(heading)]


def _team_items(digest: Digest, m: Markup) -> list[str]:
    items = []
    for row in digest.teams:
        line, signals = wording.team_row_line(digest, row, m), wording.team_row_signals(row, m)
        items.append(line + (f"\n{m.italic(signals)}" if signals else ""))
    return items


def _document(digest: Digest, charts: Sequence[ChartFile], m: Markup) -> list[Part]:
    """The digest's parts, top to bottom: the Slack message, its thread, then the run charts."""
    share = wording.share_text(digest)
    spotlight = [wording.short_flag_line(flag, m) for flag in digest.spotlight]
    support = [wording.flag_line(flag, m) for flag in digest.support]
    calls = [wording.call_line(call, m) for call in digest.calls]
    engagement = wording.engagement_text(digest, m)
    parts: list[Part] = [
        Heading(1, wording.title(digest, m)),
        Paragraph(m.italic(wording.dateline(digest))),
        Paragraph(wording.reporting_text(digest, m)),
        Rule(),
        Paragraph(wording.measures_title(m) + (f"\n{share}" if share else "")),
        *(Paragraph(wording.measure_text(line, m)) for line in digest.measures),
        Rule(),
        *_titled_list(wording.spotlight_title(digest, m), spotlight),
        *_titled_list(wording.support_title(digest, m), support),
        Paragraph(wording.pdsa_text(digest, m)),
        *_titled_list(wording.calls_title(digest, m), calls),
        *([Paragraph(m.italic(engagement))] if engagement else []),
        Heading(2, "Details (the Slack thread)"),
        Heading(3, wording.FINDINGS_TITLE),
        Items([wording.finding_line(line, m) for line in digest.measures]),
    ]
    if digest.spotlight:
        details = [wording.flag_line(flag, m) for flag in digest.spotlight]
        parts += [Heading(3, wording.SPOTLIGHT_DETAIL_TITLE), Items(details)]
    parts += [
        Heading(3, wording.EVERY_TEAM_TITLE),
        Paragraph(wording.team_table_header(digest, m)),
        Items(_team_items(digest, m)),
    ]
    if digest.score_gaps:
        gaps = [wording.score_gap_line(gap, m) for gap in digest.score_gaps]
        parts += [Heading(3, m.text(wording.score_gaps_title(digest))), Items(gaps)]
    parts.append(Heading(2, "Run charts, all teams together"))
    for chart in charts:
        parts += [Heading(3, m.text(chart.title)), Figure(chart)]
    demo = m.code("collab-bot demo")
    parts.append(Paragraph(m.italic(f"Made by {demo} from synthetic data; no real teams or patients.")))
    return parts


def _markdown_part(part: Part) -> str:
    match part:
        case Heading(level, text):
            return f"{'#' * level} {text}"
        case Paragraph(text):
            return text.replace("\n", "  \n")
        case Items(items):
            return "\n".join("- " + item.replace("\n", "  \n  ") for item in items)
        case Rule():
            return "---"
        case Figure(chart):
            alt = MARKDOWN.text(chart.alt)
            return f"![{alt}]({chart.filename})\n\n{MARKDOWN.text(chart.finding)}"
    raise TypeError(part)


def digest_markdown(digest: Digest, charts: Sequence[ChartFile]) -> str:
    """The digest as Markdown, the chart pictures referenced by file name next to it."""
    return "\n\n".join(_markdown_part(part) for part in _document(digest, charts, MARKDOWN)) + "\n"


def _html_part(part: Part) -> str:
    match part:
        case Heading(level, text):
            return f"<h{level}>{text}</h{level}>"
        case Paragraph(text):
            return "<p>" + text.replace("\n", "<br>\n") + "</p>"
        case Items(items):
            lines = "".join("<li>" + item.replace("\n", "<br>") + "</li>\n" for item in items)
            return f"<ul>\n{lines}</ul>"
        case Rule():
            return "<hr>"
        case Figure(chart):
            src, alt = html.escape(chart.filename), html.escape(chart.alt)
            return (
                f'<figure><img src="{src}" alt="{alt}" width="880">'
                f"<figcaption>{html.escape(chart.finding)}</figcaption></figure>"
            )
    raise TypeError(part)


def digest_html(digest: Digest, charts: Sequence[ChartFile]) -> str:
    """A standalone HTML page (charts referenced next to it)."""
    body = "\n".join(_html_part(part) for part in _document(digest, charts, HTML))
    title = wording.title(digest, HTML)
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n"
    )
