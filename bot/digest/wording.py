"""The digest's sentences, written once for Slack (mrkdwn), the Markdown document and the HTML page.

Every function takes a :class:`Markup` that says how to write bold, italics, code, emoji and
names (escaped for the target). The Slack views (:mod:`bot.digest.views`) call them with
:data:`SLACK`, the document (:mod:`bot.digest.document`) with :data:`MARKDOWN` or :data:`HTML`,
so the same facts appear in the same words everywhere. Pure: no Slack, no I/O.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.digest.rules import Digest, MeasureLine, TeamFlag, TeamRow, UpcomingCall
from bot.format import escape, measure_value
from storage.enums import MeasureType


@dataclass(frozen=True)
class Markup:
    """How one target writes emphasis and plain text."""

    bold: Callable[[str], str]
    italic: Callable[[str], str]
    code: Callable[[str], str]
    text: Callable[[str], str]  # a name or finding, escaped for the target
    emoji: Callable[[str], str]  # an emoji by its Slack name, with its trailing space, or nothing


def _markdown_text(value: str) -> str:
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", value)


SLACK = Markup(
    bold=lambda s: f"*{s}*",
    italic=lambda s: f"_{s}_",
    code=lambda s: f"`{s}`",
    text=escape,  # names, findings and feedback: & < > as Slack's entities
    emoji=lambda name: f":{name}: ",
)
MARKDOWN = Markup(
    bold=lambda s: f"**{s}**",
    italic=lambda s: f"_{s}_",
    code=lambda s: f"`{s}`",
    text=_markdown_text,
    emoji=lambda _name: "",
)
HTML = Markup(
    bold=lambda s: f"<strong>{s}</strong>",
    italic=lambda s: f"<em>{s}</em>",
    code=lambda s: f"<code>{s}</code>",
    text=html.escape,
    emoji=lambda _name: "",
)

SIGNAL_WORDS = {
    "improvement": ("chart_with_upwards_trend", "improvement signal"),
    "deterioration": ("warning", "deterioration signal"),
}
FINDINGS_TITLE = "Run-chart findings, all teams together"
SPOTLIGHT_DETAIL_TITLE = "Spotlight candidates in detail"
SUPPORT_DETAIL_TITLE = "Teams that may need support"
EVERY_TEAM_TITLE = "Every team"


def format_value(value: float | None, measure_type: str, multiplier: float | None = None) -> str:
    """A collaborative value as the confirmation shows it; counts are the mean per reporting team."""
    if value is None or math.isnan(value):
        return "no data"
    return measure_value(value, measure_type, multiplier, per_team=True)


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


def _signal(line: MeasureLine, m: Markup) -> str:
    if line.signal in SIGNAL_WORDS:
        emoji, words = SIGNAL_WORDS[line.signal]
        return m.emoji(emoji) + words
    return "no signal" if not line.has_signal else "signal, mixed directions"


def title(digest: Digest, m: Markup | None) -> str:
    """The digest's title; ``None`` for plain text (Slack's header block, which is not mrkdwn)."""
    text = f"Weekly digest: {digest.collaborative_name}"
    return m.text(text) if m is not None else text


def dateline(digest: Digest) -> str:
    return (
        f"Week {digest.week} · data for {digest.period_label} · as of {digest.as_of.strftime('%a %-d %b %Y')}"
    )


def headline_counts(digest: Digest) -> str:
    """``1 spotlight candidate, 3 teams may need support`` (singular and plural done right)."""
    spot, support = len(digest.spotlight), len(digest.support)
    candidates = "1 spotlight candidate" if spot == 1 else f"{spot} spotlight candidates"
    needing = "1 team may need support" if support == 1 else f"{support} teams may need support"
    return f"{candidates}, {needing}"


def reporting_text(digest: Digest, m: Markup) -> str:
    due = digest.due_date.strftime("%-d %B")
    state = "was due" if digest.due_passed else "is due"
    text = (
        f"{m.bold('Reporting:')} {digest.n_reported} of {digest.n_teams} teams reported "
        f"{digest.period_label} (it {state} {due})."
    )
    if digest.missing:
        text += "\nNot reported yet: " + ", ".join(m.text(name) for name in digest.missing)
    return text


def measures_title(m: Markup) -> str:
    return m.bold("Measures, all teams together")


def share_text(digest: Digest) -> str | None:
    if digest.improvement_share is None:
        return None
    return f"{digest.improvement_share:.0%} of teams show an improvement signal on at least one measure."


def measure_text(line: MeasureLine, m: Markup) -> str:
    return (
        f"{m.bold(m.text(line.name))}: {format_value(line.value, line.type, line.multiplier)} "
        f"({format_change(line)}; {line.n_teams} teams) · {_goal(line)} · {_signal(line, m)}"
    )


def spotlight_title(digest: Digest, m: Markup) -> str:
    """The spotlight's heading, or the whole sentence when there is nobody to list."""
    if digest.spotlight:
        return m.bold("Spotlight candidates") + " (a new improvement signal this month):"
    return m.bold("Spotlight candidates:") + " no team has a new improvement signal this month."


def support_title(digest: Digest, m: Markup) -> str:
    if digest.support:
        return m.bold("Teams that may need support:")
    return m.bold("Teams that may need support:") + " none this week."


def flag_line(flag: TeamFlag, m: Markup) -> str:
    """A team and every reason it is flagged, in full."""
    return f"{m.bold(m.text(flag.name))}: {m.text('; '.join(flag.reasons))}"


def short_flag_line(flag: TeamFlag, m: Markup) -> str:
    """A team and its reasons up to their first colon (the measure, without the finding)."""
    reasons = "; ".join(reason.split(":")[0] for reason in flag.reasons)
    return f"{m.bold(m.text(flag.name))}: {m.text(reasons)}"


def pdsa_text(digest: Digest, m: Markup) -> str:
    p = digest.pdsa
    week = ", ".join(f"{n} {d}" for d, n in p.decisions_week.items())
    total = ", ".join(f"{n} {d}" for d, n in p.decisions_total.items())
    return (
        f"{m.bold('PDSA cycles:')} this week {p.started_week} started, {p.completed_week} completed "
        f"({week}).\nSince the start: {p.started_total} started, {p.completed_total} completed "
        f"({total}); {p.open_now} open now; {p.teams_active_6_weeks} of {digest.n_teams} teams "
        "active in the last 6 weeks."
    )


def calls_title(digest: Digest, m: Markup) -> str:
    if digest.calls:
        return m.bold("Upcoming calls:")
    return m.bold("Upcoming calls:") + " none in the next month."


def call_line(call: UpcomingCall, m: Markup) -> str:
    return (
        f"{call.starts_at.strftime('%a %-d %b, %-I:%M %p')}: {m.text(call.title)} "
        f"({call.going} going, {call.not_going} not going)"
    )


def engagement_text(digest: Digest, m: Markup) -> str:
    return (
        f"Peer-channel engagement: {m.text(digest.peer_engagement)} · "
        f"Participant feedback: {m.text(digest.feedback)}"
    )


def finding_line(line: MeasureLine, m: Markup) -> str:
    better = "higher" if line.direction == "up" else "lower"
    return f"{m.bold(m.text(line.name))} ({line.kind}, {better} is better): {m.text(line.finding)}"


def _key_measure(digest: Digest) -> MeasureLine | None:
    return next((line for line in digest.measures if line.key == digest.key_measure), None)


def team_table_header(digest: Digest, m: Markup) -> str:
    key = _key_measure(digest)
    name = m.text(key.name) if key else "key measure"
    return f"Team · reported {digest.period.strftime('%b')} · {name} · last PDSA"


def team_row_line(digest: Digest, row: TeamRow, m: Markup) -> str:
    """One team in the table: reported, key measure value, last PDSA activity."""
    key = _key_measure(digest)
    value = format_value(row.key_value, key.type, key.multiplier) if key else "-"
    pdsa = row.last_pdsa.strftime("%-d %b") if row.last_pdsa else "none"
    reported = "yes" if row.reported else m.bold("no")
    return f"{m.bold(m.text(row.name))} · {reported} · {value} · {pdsa}"


def team_row_signals(row: TeamRow, m: Markup) -> str | None:
    """``improving: …; worse: …`` for the team's run-chart signals, or None without any."""
    signals = []
    if row.improvements:
        signals.append("improving: " + ", ".join(row.improvements))
    if row.deteriorations:
        signals.append("worse: " + ", ".join(row.deteriorations))
    return m.text("; ".join(signals)) if signals else None
