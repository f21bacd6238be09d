"""Block Kit for the weekly faculty digest: the main message, its thread replies, the preview.

The main message stays well under Slack's 50 blocks whatever the collaborative's size: lists
are cut to fit one section (3,000 characters) and say how many more are in the thread. The
thread replies carry the details, split over as many messages as needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot.digest.rules import ChartSeries, Digest
from bot.digest.wording import (
    EVERY_TEAM_TITLE,
    FINDINGS_TITLE,
    SLACK,
    SPOTLIGHT_DETAIL_TITLE,
    SUPPORT_DETAIL_TITLE,
    call_line,
    calls_title,
    dateline,
    engagement_text,
    finding_line,
    flag_line,
    headline_counts,
    measure_text,
    measures_title,
    no_score_gaps_text,
    pdsa_text,
    reporting_text,
    score_gap_line,
    score_gaps_title,
    share_text,
    short_flag_line,
    spotlight_title,
    support_title,
    team_row_line,
    team_row_signals,
    team_table_header,
    title,
)
from bot.scores.views import score_button
from bot.slack.blocks import Message, context, message, plain_message, section

SECTION_LIMIT = 3000
MAX_MESSAGE_BLOCKS = 50
THREAD_BLOCKS = 45
PREVIEW_NOTE = "Preview: only you see this. The digest goes to the faculty channel on its usual day."
REFUSAL = (
    "The digest preview is for faculty: it shows every team's data. "
    "If you coach this collaborative, ask an admin to add you as faculty in the collaborative file."
)


def fit_lines(
    lines: Sequence[str], title: str, limit: int = SECTION_LIMIT, more: str = "in the thread"
) -> str:
    """``title`` and as many ``lines`` as fit in ``limit`` characters, then "…and N more"."""
    text = title
    for index, line in enumerate(lines):
        rest = len(lines) - index
        tail = f"\n…and {rest} more {more}"
        if len(text) + 1 + len(line) + len(tail) > limit:
            return text + tail
        text += "\n" + line
    return text


def _bullets(lines: Iterable[str]) -> list[str]:
    return [f"• {line}" for line in lines]


def _calls_text(digest: Digest) -> str:
    title = calls_title(digest, SLACK)
    if not digest.calls:
        return title
    return fit_lines(_bullets(call_line(call, SLACK) for call in digest.calls), title)


def _measures_heading(digest: Digest) -> str:
    share = share_text(digest)
    return measures_title(SLACK) + (f"\n{share}" if share else "")


def _support_text(digest: Digest) -> str:
    support = _bullets(flag_line(flag, SLACK) for flag in digest.support)
    return fit_lines(support, support_title(digest, SLACK))


def _support_cut(digest: Digest) -> bool:
    """True when the main message could not hold every team that may need support."""
    support = _bullets(flag_line(flag, SLACK) for flag in digest.support)
    title = support_title(digest, SLACK)
    return fit_lines(support, title) != "\n".join([title, *support])


def digest_blocks(digest: Digest, *, preview: bool = False) -> list[Block]:
    blocks: list[Block] = [
        HeaderBlock(text=title(digest, None)[:150]),
        context(dateline(digest) + (f"\n{PREVIEW_NOTE}" if preview else "")),
        section(reporting_text(digest, SLACK)[:SECTION_LIMIT]),
        DividerBlock(),
        section(_measures_heading(digest)),
    ]
    blocks.extend(section(measure_text(line, SLACK)) for line in digest.measures[:20])
    blocks.append(DividerBlock())
    spotlight = _bullets(short_flag_line(flag, SLACK) for flag in digest.spotlight)
    blocks.append(section(fit_lines(spotlight, spotlight_title(digest, SLACK))))
    blocks.append(section(_support_text(digest)))
    blocks.append(section(pdsa_text(digest, SLACK)))
    blocks.append(section(_calls_text(digest)))
    engagement = engagement_text(digest, SLACK)
    if engagement:  # left out until it is tracked
        blocks.append(context(engagement))
    blocks.append(context("Run charts, the details and every team's numbers are in the thread :thread:"))
    return blocks[:MAX_MESSAGE_BLOCKS]


def digest_message(digest: Digest, *, preview: bool = False) -> Message:
    text = (
        f"Weekly digest for {SLACK.text(digest.collaborative_name)}: {digest.n_reported} of "
        f"{digest.n_teams} teams reported {digest.period_label}; {headline_counts(digest)}."
    )
    return message(text, digest_blocks(digest, preview=preview))


def _chunks(lines: Iterable[str], limit: int = SECTION_LIMIT - 10) -> list[str]:
    chunks: list[str] = []
    current = ""
    for line in lines:
        line = line[:limit]
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks


def _messages(title: str, bodies: Sequence[str]) -> list[Message]:
    """Sections of ``bodies`` under ``title``, split into messages of at most THREAD_BLOCKS blocks."""
    messages: list[Message] = []
    for start in range(0, max(len(bodies), 1), THREAD_BLOCKS - 1):
        part = bodies[start : start + THREAD_BLOCKS - 1]
        heading = title if start == 0 else f"{title} (continued)"
        blocks: list[Block] = [section(SLACK.bold(heading))]
        blocks.extend(section(body) for body in part)
        messages.append(message(heading, blocks))
    return messages


def _team_table(digest: Digest) -> list[str]:
    lines = [team_table_header(digest, SLACK)]
    for row in digest.teams:
        signals = team_row_signals(row, SLACK)
        line = f"• {team_row_line(digest, row, SLACK)}"
        lines.append(line + (f"\n    {SLACK.italic(signals)}" if signals else ""))
    return lines


def digest_thread_messages(digest: Digest) -> list[Message]:
    """The details that go in the digest's thread, in order."""
    findings = [finding_line(line, SLACK) for line in digest.measures]
    messages = _messages(FINDINGS_TITLE, _chunks(findings))
    if digest.spotlight:
        spotlight = _bullets(flag_line(flag, SLACK) for flag in digest.spotlight)
        messages += _messages(SPOTLIGHT_DETAIL_TITLE, _chunks(spotlight))
    if _support_cut(digest):  # the list is in the main message; the thread has it only when cut
        support = _bullets(flag_line(flag, SLACK) for flag in digest.support)
        messages += _messages(SUPPORT_DETAIL_TITLE, _chunks(support))
    messages += _messages(EVERY_TEAM_TITLE, _chunks(_team_table(digest)))
    messages.append(scores_message(digest))
    return messages


def scores_message(digest: Digest) -> Message:
    """Faculty and self-scores 1.5 points or more apart this month, and the "Score a team" button."""
    month = digest.period_label
    if digest.score_gaps:
        lines = [f"• {score_gap_line(gap, SLACK)}" for gap in digest.score_gaps]
        text = f"{SLACK.bold(score_gaps_title(digest))}\n" + "\n".join(lines)
    else:
        text = no_score_gaps_text(digest, SLACK)
    return message(f"IHI scores for {month}", [section(text[: SECTION_LIMIT - 10]), score_button()])


def chart_comment(chart: ChartSeries) -> str:
    return f"{SLACK.bold(SLACK.text(chart.title))}: {SLACK.text(chart.result.finding)}"


def chart_filename(digest: Digest, chart: ChartSeries) -> str:
    return f"{digest.collaborative_key}-{chart.measure}-{digest.period}.png"


def preparing_message() -> Message:
    return plain_message("Preparing your preview of this week's digest… it will arrive in a direct message.")


def refusal_message() -> Message:
    return plain_message(REFUSAL)


def preview_failed_message() -> Message:
    return plain_message(
        "Sorry, I couldn't prepare the digest preview just now. Nothing is lost: please try "
        "`/collab digest` again in a few minutes."
    )
