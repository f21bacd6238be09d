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

from bot.digest.rules import NOT_TRACKED, Digest, MeasureLine, TeamFlag, TeamRow, UpcomingCall
from bot.format import escape, measure_value, plural, rule_name, short_month
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
SUPPORT_DETAIL_TITLE = "Teams that may need support (the full list)"
EVERY_TEAM_TITLE = "Every team"


def format_value(value: float | None, measure_type: str, multiplier: float | None = None) -> str:
    """A collaborative value as the confirmation shows it; counts are the mean per reporting team."""
    if value is None or math.isnan(value):
        return "no data"
    return measure_value(value, measure_type, multiplier, per_team=True)


def format_change(line: MeasureLine) -> str:
    """The change from last month as a number only (``+1.2 pts from last month``): one month's
    move is mostly noise, so it carries no "better" or "worse"; the run-chart finding judges."""
    if line.change is None:
        return "no change to show"
    if line.percent:
        amount = f"{line.change * 100:+.1f} pts"
    else:
        amount = f"{line.change:+.2f}" if line.type == MeasureType.RATE else f"{line.change:+.1f}"
    if amount.lstrip("+-") in ("0.0 pts", "0.00", "0.0"):
        return "no change from last month"
    return f"{amount.replace('-', '−')} from last month"


def teams_change(line: MeasureLine) -> str | None:
    """``reporting teams changed: Lakeview did not report, Harbor did`` (None when the same)."""
    parts = []
    if line.teams_left:
        parts.append(", ".join(line.teams_left) + " did not report this month")
    if line.teams_joined:
        parts.append(", ".join(line.teams_joined) + " reported, not last month")
    return "reporting teams changed: " + "; ".join(parts) if parts else None


def baseline_text(line: MeasureLine) -> str:
    """Where the baseline (the chart's centre line) comes from, with its value."""
    if line.center is None or math.isnan(line.center):
        return "no baseline yet"
    value = format_value(line.center, line.type, line.multiplier)
    if line.center_source == "file":
        return f"baseline {value} (from the collaborative file)"
    if line.center_source == "baseline":
        return f"baseline {value} (median of the baseline months)"
    return f"baseline {value} (median so far; not yet frozen)"


def _goal(line: MeasureLine) -> str:
    if line.goal is None:
        return "no goal set"
    goal = f"goal {format_value(line.goal, line.type, line.multiplier)}"
    if line.goal_met_at_baseline:
        return f"{goal}, already met at the baseline"
    if line.progress is None:
        return goal
    if line.progress >= 1:
        return f"{goal}, reached"
    if line.progress <= 0:
        return f"{goal}, no closer than at the baseline"
    return f"{goal}, {line.progress:.0%} of the way from the baseline"


def _signal(line: MeasureLine, m: Markup) -> str:
    """The run-chart verdict in a few words: which signal, by which rule, since when."""
    if line.signal in SIGNAL_WORDS:
        emoji, words = SIGNAL_WORDS[line.signal]
        detail = rule_name(line.rule) if line.rule else ""
        if line.since:
            detail += f", since {short_month(line.since)}"
        return m.emoji(emoji) + words + (f" ({detail})" if detail else "")
    if line.has_signal:
        return "signal, mixed directions"
    if line.ended:
        return f"no current signal (an earlier {line.ended} signal ended)"
    return "no signal (no non-random variation found)"


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
    """``5 of 8 teams that reported …``: only teams that reported count, numerator and denominator named."""
    if not digest.n_reported:
        return None
    improving = digest.improving_teams
    return (
        f"{improving} of {digest.n_reported} teams that reported {digest.period_label} "
        f"{'shows' if improving == 1 else 'show'} an improvement signal on at least one measure."
    )


def measure_text(line: MeasureLine, m: Markup) -> str:
    teams = plural(line.n_teams, "team")
    changed = teams_change(line)
    return (
        f"{m.bold(m.text(line.name))}: {format_value(line.value, line.type, line.multiplier)} "
        f"({format_change(line)}; {teams}{'; ' + m.text(changed) if changed else ''}) · "
        f"{baseline_text(line)} · {_goal(line)} · {_signal(line, m)}"
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


def score_gaps_title(digest: Digest) -> str:
    """The heading over the teams whose faculty score and self-score are far apart (plain text)."""
    return f"Scores 1.5 or more apart ({digest.period_label})"


def score_gap_line(gap: tuple[str, float, float], m: Markup) -> str:
    """One team whose faculty score and self-score for the month are 1.5 points or more apart."""
    name, faculty, own = gap
    return f"{m.bold(m.text(name))}: faculty {faculty:.1f}, self {own:.1f}"


def no_score_gaps_text(digest: Digest, m: Markup) -> str:
    return (
        f"{m.bold('IHI scores')}: no team's faculty score and self-score for {digest.period_label} "
        "are 1.5 or more apart."
    )


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


def engagement_text(digest: Digest, m: Markup) -> str | None:
    """Peer-channel engagement and participant feedback, each only once it is tracked (else None)."""
    parts = []
    if digest.peer_engagement != NOT_TRACKED:
        parts.append(f"Peer-channel engagement: {m.text(digest.peer_engagement)}")
    if digest.feedback != NOT_TRACKED:
        parts.append(f"Participant feedback: {m.text(digest.feedback)}")
    return " · ".join(parts) or None


def finding_line(line: MeasureLine, m: Markup) -> str:
    better = "higher" if line.direction == "up" else "lower"
    return f"{m.bold(m.text(line.name))} ({line.kind}, {better} is better): {m.text(line.finding)}"


def team_table_header(digest: Digest, m: Markup) -> str:
    names = " · ".join(m.text(line.name) for line in digest.measures) or "measures"
    return f"Team · reported {digest.period.strftime('%b')} · {names} · last PDSA"


def team_row_line(digest: Digest, row: TeamRow, m: Markup) -> str:
    """One team in the table: reported, every measure's value (the header's order), last PDSA activity."""
    values = [
        measure_value(value, line.type, line.multiplier) if value is not None else "-"
        for line, value in zip(digest.measures, row.values or (None,) * len(digest.measures), strict=False)
    ]
    pdsa = row.last_pdsa.strftime("%-d %b") if row.last_pdsa else "none"
    reported = "yes" if row.reported else m.bold("no")
    return " · ".join([m.bold(m.text(row.name)), reported, *values, pdsa])


def team_row_signals(row: TeamRow, m: Markup) -> str | None:
    """``improving: …; worse: …`` for the team's run-chart signals, or None without any."""
    signals = []
    if row.improvements:
        signals.append("improving: " + ", ".join(row.improvements))
    if row.deteriorations:
        signals.append("worse: " + ", ".join(row.deteriorations))
    return m.text("; ".join(signals)) if signals else None
