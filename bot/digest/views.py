"""Block Kit for the weekly faculty digest: the main message, its thread replies, the preview.

The main message stays well under Slack's 50 blocks whatever the collaborative's size: lists
are cut to fit one section (3,000 characters) and say how many more are in the thread. The
thread replies carry the details, split over as many messages as needed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot.digest.rules import ChartSeries, Digest, MeasureLine, TeamFlag
from bot.format import measure_value
from bot.slack.blocks import Message, context, message, plain_message, section
from storage.enums import MeasureType

SECTION_LIMIT = 3000
MAX_MESSAGE_BLOCKS = 50
THREAD_BLOCKS = 45
SIGNAL_WORDS = {
    "improvement": ":chart_with_upwards_trend: improvement signal",
    "deterioration": ":warning: deterioration signal",
}
PREVIEW_NOTE = "Preview: only you see this. The digest goes to the faculty channel on its usual day."
REFUSAL = (
    "The digest preview is for faculty: it shows every team's data. "
    "If you coach this collaborative, ask an admin to add you as faculty in the collaborative file."
)


def format_value(value: float | None, measure_type: str, multiplier: float | None = None) -> str:
    """A collaborative value as the confirmation shows it; counts are the mean per reporting team."""
    if value is None or math.isnan(value):
        return "no data"
    shown = measure_value(value, measure_type, multiplier)
    return f"{shown} per team" if measure_type == MeasureType.COUNT else shown


def format_change(line: MeasureLine) -> str:
    """E.g. "up 1.2 pts from last month, better"."""
    if line.change is None:
        return "no change to show"
    size = abs(line.change)
    if line.percent:
        amount = f"{size * 100:.1f} pts"
    else:
        amount = f"{size:.2f}" if line.type == MeasureType.RATE else f"{size:.1f}"
    if amount in ("0.0 pts", "0.00", "0.0"):
        return "about the same as last month"
    better = (line.change > 0) == (line.direction == "up")
    way = "up" if line.change > 0 else "down"
    return f"{way} {amount} from last month, {'better' if better else 'worse'}"


def _goal(line: MeasureLine) -> str:
    if line.goal is None:
        return "no goal set"
    if line.progress is None:
        progress = ""
    elif line.progress >= 1:
        progress = ", reached"
    else:
        progress = f", {max(line.progress, 0):.0%} of the way there"
    return f"goal {format_value(line.goal, line.type, line.multiplier)}{progress}"


def measure_text(line: MeasureLine) -> str:
    signal = SIGNAL_WORDS.get(
        line.signal or "", "no signal" if not line.has_signal else "signal, mixed directions"
    )
    return (
        f"*{line.name}*: {format_value(line.value, line.type, line.multiplier)} "
        f"({format_change(line)}; {line.n_teams} teams) · {_goal(line)} · {signal}"
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


def _team_lines(flags: Sequence[TeamFlag]) -> list[str]:
    return [f"• *{flag.name}*: {'; '.join(flag.reasons)}" for flag in flags]


def _short_flag_lines(flags: Sequence[TeamFlag]) -> list[str]:
    return [f"• *{flag.name}*: {'; '.join(r.split(':')[0] for r in flag.reasons)}" for flag in flags]


def _reporting_text(digest: Digest) -> str:
    due = digest.due_date.strftime("%-d %B")
    state = "was due" if digest.due_passed else "is due"
    text = (
        f"*Reporting:* {digest.n_reported} of {digest.n_teams} teams reported {digest.period_label} "
        f"(it {state} {due})."
    )
    if digest.missing:
        names = ", ".join(digest.missing)
        text += f"\nNot reported yet: {names}"
    return text[:SECTION_LIMIT]


def _pdsa_text(digest: Digest) -> str:
    p = digest.pdsa
    week = ", ".join(f"{n} {d}" for d, n in p.decisions_week.items())
    total = ", ".join(f"{n} {d}" for d, n in p.decisions_total.items())
    return (
        f"*PDSA cycles:* this week {p.started_week} started, {p.completed_week} completed ({week}).\n"
        f"Since the start: {p.started_total} started, {p.completed_total} completed ({total}); "
        f"{p.open_now} open now; {p.teams_active_6_weeks} of {digest.n_teams} teams "
        "active in the last 6 weeks."
    )


def _calls_text(digest: Digest) -> str:
    if not digest.calls:
        return "*Upcoming calls:* none in the next month."
    lines = [
        f"• {call.starts_at.strftime('%a %-d %b, %-I:%M %p')}: {call.title} "
        f"({call.going} going, {call.not_going} not going)"
        for call in digest.calls
    ]
    return fit_lines(lines, "*Upcoming calls:*")


def _share_text(digest: Digest) -> str:
    if digest.improvement_share is None:
        return ""
    return f"\n{digest.improvement_share:.0%} of teams show an improvement signal on at least one measure."


def digest_blocks(digest: Digest, *, preview: bool = False) -> list[Block]:
    blocks: list[Block] = [
        HeaderBlock(text=f"Weekly digest: {digest.collaborative_name}"[:150]),
        context(
            f"Week {digest.week} · data for {digest.period_label} · "
            f"as of {digest.as_of.strftime('%a %-d %b %Y')}" + (f"\n{PREVIEW_NOTE}" if preview else "")
        ),
        section(_reporting_text(digest)),
        DividerBlock(),
        section("*Measures, all teams together*" + _share_text(digest)),
    ]
    blocks.extend(section(measure_text(line)) for line in digest.measures[:20])
    blocks.append(DividerBlock())
    if digest.spotlight:
        title = "*Spotlight candidates* (a new improvement signal this month):"
        blocks.append(section(fit_lines(_short_flag_lines(digest.spotlight), title)))
    else:
        blocks.append(section("*Spotlight candidates:* no team has a new improvement signal this month."))
    if digest.support:
        title = "*Teams that may need support:*"
        blocks.append(section(fit_lines(_team_lines(digest.support), title)))
    else:
        blocks.append(section("*Teams that may need support:* none this week."))
    blocks.append(section(_pdsa_text(digest)))
    blocks.append(section(_calls_text(digest)))
    blocks.append(
        context(
            f"Peer-channel engagement: {digest.peer_engagement} · Participant feedback: {digest.feedback}"
        )
    )
    blocks.append(context("Run charts, the details and every team's numbers are in the thread :thread:"))
    return blocks[:MAX_MESSAGE_BLOCKS]


def headline_counts(digest: Digest) -> str:
    """``1 spotlight candidate, 3 teams may need support`` (singular and plural done right)."""
    spot, support = len(digest.spotlight), len(digest.support)
    candidates = "1 spotlight candidate" if spot == 1 else f"{spot} spotlight candidates"
    needing = "1 team may need support" if support == 1 else f"{support} teams may need support"
    return f"{candidates}, {needing}"


def digest_message(digest: Digest, *, preview: bool = False) -> Message:
    text = (
        f"Weekly digest for {digest.collaborative_name}: {digest.n_reported} of {digest.n_teams} teams "
        f"reported {digest.period_label}; {headline_counts(digest)}."
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
        blocks: list[Block] = [section(f"*{heading}*")]
        blocks.extend(section(body) for body in part)
        messages.append(message(heading, blocks))
    return messages


def _team_table(digest: Digest) -> list[str]:
    key = next((m for m in digest.measures if m.key == digest.key_measure), None)
    header = (
        f"Team · reported {digest.period.strftime('%b')} · {key.name if key else 'key measure'} · last PDSA"
    )
    lines = [header]
    for row in digest.teams:
        value = format_value(row.key_value, key.type, key.multiplier) if key else "-"
        pdsa = row.last_pdsa.strftime("%-d %b") if row.last_pdsa else "none"
        signals = []
        if row.improvements:
            signals.append("improving: " + ", ".join(row.improvements))
        if row.deteriorations:
            signals.append("worse: " + ", ".join(row.deteriorations))
        lines.append(
            f"• *{row.name}* · {'yes' if row.reported else '*no*'} · {value} · {pdsa}"
            + (f"\n    _{'; '.join(signals)}_" if signals else "")
        )
    return lines


def digest_thread_messages(digest: Digest) -> list[Message]:
    """The details that go in the digest's thread, in order."""
    measures = [
        f"*{line.name}* ({line.kind}, {'higher' if line.direction == 'up' else 'lower'} is better): "
        f"{line.finding}"
        for line in digest.measures
    ]
    messages = _messages("Run-chart findings, all teams together", _chunks(measures))
    if digest.spotlight:
        messages += _messages("Spotlight candidates in detail", _chunks(_team_lines(digest.spotlight)))
    if digest.support:
        messages += _messages("Teams that may need support", _chunks(_team_lines(digest.support)))
    messages += _messages("Every team", _chunks(_team_table(digest)))
    return messages


def chart_comment(chart: ChartSeries) -> str:
    return f"*{chart.title}*: {chart.result.finding}"


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
