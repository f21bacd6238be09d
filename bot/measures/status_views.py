"""The ``/collab status`` message and the Home tab's status part: this month's reporting, by team."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.measures.reminder_views import report_button
from bot.measures.status import CollaborativeStatus, Status, TeamStatus
from bot.months import month_label, weekday_label
from bot.slack.blocks import Message, context, escape, message, section


def _cycles(count: int) -> str:
    if count == 0:
        return "No PDSA cycle running: plan one with `/pdsa`."
    cycles = "1 PDSA cycle" if count == 1 else f"{count} PDSA cycles"
    return f"{cycles} running: log how it's going with `/pdsa`."


def _team_summary(team: TeamStatus) -> str:
    """One plain sentence, for the notification text."""
    name = escape(team.team_name)
    if team.period is None or team.due is None:
        return f"{name}: nothing to report yet"
    month = month_label(team.period)
    if team.reported:
        return f"{name}: {month} measures reported"
    if team.overdue:
        return f"{name}: {month} measures were due {weekday_label(team.due)}, not reported yet"
    return f"{name}: {month} measures due {weekday_label(team.due)}"


def _team_blocks(team: TeamStatus) -> list[Block]:
    name = f"*{escape(team.team_name)}*"
    if team.period is None or team.due is None:
        line = f":seedling: {name}: nothing to report yet. The first month can be reported once it is over."
    else:
        month = month_label(team.period)
        if team.reported:
            line = (
                f":white_check_mark: {name}: *{month}* measures are in. "
                f"To correct them, run `/measures {team.period}`."
            )
        elif team.overdue:
            due = weekday_label(team.due)
            line = f":warning: {name}: *{month}* measures were due {due} and haven't come in yet."
        else:
            line = f":spiral_calendar_pad: {name}: *{month}* measures are due {weekday_label(team.due)}."
    blocks: list[Block] = [section(f"{line}\n{_cycles(team.open_cycles)}")]
    if team.period is not None and not team.reported:
        blocks.append(report_button(team.team_id, team.period))
    return blocks


def _collaborative_line(collab: CollaborativeStatus) -> str:
    name = f"*{escape(collab.name)}*"
    if collab.period is None or collab.due is None:
        return f"{name}: no month to report yet."
    total = len(collab.reported) + len(collab.missing)
    month = month_label(collab.period)
    head = (
        f"{name}: {len(collab.reported)} of {total} teams reported {month} (due {weekday_label(collab.due)})."
    )
    if not collab.missing:
        return f"{head} Every team is in. :tada:"
    return f"{head}\nNot yet: {escape(', '.join(collab.missing))}"


def status_blocks(status: Status) -> list[Block]:
    blocks: list[Block] = []
    for team in status.teams:
        blocks.extend(_team_blocks(team))
    for collab in status.collaboratives:
        blocks.append(section(_collaborative_line(collab)))
    return blocks


def status_message(status: Status) -> Message:
    parts = [_team_summary(t) for t in status.teams]
    parts += [
        f"{escape(c.name)}: {len(c.reported)} of {len(c.reported) + len(c.missing)} teams reported"
        for c in status.collaboratives
        if c.period is not None
    ]
    text = "Where things stand: " + ("; ".join(parts) if parts else "nothing to report yet") + "."
    blocks = status_blocks(status)[:45]
    blocks.append(context("`/measures` reports last month; `/measures YYYY-MM` an earlier one."))
    return message(text, blocks)
