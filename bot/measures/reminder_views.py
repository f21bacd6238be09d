"""Report reminder messages: the team reminder with "Report now", the faculty summary, the lead nudge."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.measures.views import OPEN_ACTION, ReportTarget
from bot.months import month_label, weekday_label
from bot.slack.blocks import Message, context, escape, mentions, message, section


def possessive(name: str) -> str:
    """``Riverside Family Clinic's``, ``Lakeview Health Partners'`` (escaped for mrkdwn)."""
    return escape(f"{name}'" if name.endswith("s") else f"{name}'s")


def report_button(team_id: int, period: str) -> ActionsBlock:
    """The "Report now" button: opens the measures modal for this team and month."""
    value = ReportTarget(team_id=team_id, period=period).dump()
    return ActionsBlock(
        block_id=f"report_{team_id}_{period}",
        elements=[ButtonElement(text="Report now", action_id=OPEN_ACTION, value=value, style="primary")],
    )


_WHEN = {
    "week-before": "are due in a week, on {day}",
    "day-before": "are due tomorrow, {day}",
    "due-day": "are due today, {day}",
}


def team_reminder(team_id: int, team_name: str, period: str, due: date, step: str) -> Message:
    when = _WHEN[step].format(day=weekday_label(due))
    text = f"Reminder: {possessive(team_name)} measures for {month_label(period)} {when}."
    blocks: list[Block] = [
        section(
            f":spiral_calendar_pad: *{escape(team_name)}*: your measures for *{month_label(period)}* {when}."
        ),
        report_button(team_id, period),
        context("Reporting takes a few minutes: the numbers only, never patient details."),
    ]
    return message(text, blocks)


def lead_nudge(team_id: int, team_name: str, period: str, due: date, *, last: bool = False) -> Message:
    still = "still have not come in (last reminder)" if last else "have not come in yet"
    month = month_label(period)
    text = f"{possessive(team_name)} measures for {month} were due on {weekday_label(due)} and {still}."
    blocks: list[Block] = [
        section(f"Hi! {text} As team lead, could you report them now, or ask a teammate to?"),
        report_button(team_id, period),
        context("Late numbers still count: they go into your run charts and the faculty digest."),
    ]
    return message(text, blocks)


def faculty_summary(
    collaborative_name: str,
    period: str,
    due: date,
    reported: Sequence[str],
    missing: Sequence[tuple[str, Sequence[str]]],
) -> Message:
    """``missing`` is (team name, lead user ids) for each team that has not reported."""
    total = len(reported) + len(missing)
    text = (
        f"{escape(collaborative_name)}: {len(reported)} of {total} teams reported their "
        f"{month_label(period)} measures by {weekday_label(due)}."
    )
    blocks: list[Block] = [section(f"*{text}*")]
    if reported:
        blocks.append(section("*Reported:* " + escape(", ".join(reported))))
    if missing:
        lines = [
            f"• {escape(name)}"
            + (f" ({'leads' if len(leads) > 1 else 'lead'}: {mentions(leads)})" if leads else "")
            for name, leads in missing
        ]
        blocks.append(section("*Still missing:*\n" + "\n".join(lines)))
        blocks.append(context("Their leads get a direct message today and tomorrow."))
    else:
        blocks.append(context("Every team has reported. :tada:"))
    return message(text, blocks)
