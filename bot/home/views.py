"""The ``/collab help`` message (what this person can do, by role) and the Home tab (:func:`home_view`)."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.access import Action, collaboratives_where, leads_a_team
from bot.calls.views import KIND_LABELS, RSVP_GOING, RSVP_NOT_GOING, rsvp_line, slack_date
from bot.format import clip, escape, link
from bot.home.service import FacultyGrid, GridRow, HomePage, NextCall, OpenCycle
from bot.measures.status_views import status_blocks
from bot.months import month_label, short_day_label
from bot.pdsa.views import ACTION_OPEN, cycle_value
from bot.peers.views import ASK, OPEN_ACTIONS, SHARE, TITLES
from bot.phi import SAFETY_NET_NOTE
from bot.scores.views import score_button, team_score_blocks
from bot.slack.blocks import Message, context, mentions, message, section
from storage.enums import Role, RsvpAnswer
from storage.people import Person

MEASURES_HELP = (
    "report your team's monthly measures (add a month, e.g. `/measures 2026-03`, "
    "to report late or correct an earlier month)"
)
PDSA_HELP = "plan a test of change (PDSA cycle), or update one your team has running"
STATUS_HELP = "this month's reporting status for your team, and its running PDSA cycles"
HELP_HELP = "show this help"
SHARE_HELP = "share a win with the other teams in the peer channel"
ASK_HELP = "ask the other teams for help in the peer channel"
OVERSEER_COMMANDS = [
    ("/measures", "report or correct monthly measures for any team (pick the team in the form)"),
    ("/pdsa", "plan or update a PDSA cycle for any team"),
    ("/collab status", "which teams have reported this month, and which haven't"),
    ("/collab score [team]", "score a team for a month on the IHI assessment scale, beside its self-score"),
]
FACULTY_COMMANDS = [
    ("/collab digest", "preview this week's faculty digest, privately"),
    ("/collab prep", "the agenda draft for the next interim call, privately"),
    (
        "/collab feedback [call]",
        "participant feedback on the latest call or session (or a date, e.g. 2026-11-12)",
    ),
]
ADMIN_NOTES = (
    "Admins change the collaborative by editing its file and running `collab-bot load FILE`; "
    "`collab-bot export` writes every table to CSV or Excel."
)


def _command_lines(commands: Sequence[tuple[str, str]]) -> str:
    return "\n".join(f"• `{name}`: {what}" for name, what in commands)


def _oversees(person: Person) -> str:
    roles = sorted({r.role for r in person.roles})
    names = escape(", ".join(sorted({r.collaborative_name for r in person.roles})))
    if roles == [Role.FACULTY]:
        return f"*Faculty* of {names}: you see every team's data and get the weekly digest."
    if roles == [Role.ADMIN]:
        return f"*Admin* of {names}: you can act for every team."
    return f"*Faculty and admin* of {names}: you see every team's data and get the weekly digest."


def help_message(person: Person, faculty: Sequence[str]) -> Message:
    blocks: list[Block] = [HeaderBlock(text="Learning collaborative bot")]
    if not person.known:
        ask = (
            f"Ask your faculty ({mentions(faculty)}) to add you."
            if faculty
            else ("Ask your collaborative's faculty or admin to add you to the collaborative file.")
        )
        text = f"You're not on any team in a learning collaborative yet, so there is nothing to report. {ask}"
        blocks.append(section(text))
        return message(text, blocks)

    if person.seats:
        teams = ", ".join(
            f"*{escape(seat.team_name)}*" + (" (team lead)" if seat.role == Role.LEAD else "")
            for seat in person.seats
        )
        blocks.append(section(f"You're on {teams}. Here's what you can do:"))
        own = [("/measures", MEASURES_HELP), ("/pdsa", PDSA_HELP), ("/collab status", STATUS_HELP)]
        peers = [("/collab share", SHARE_HELP), ("/collab ask", ASK_HELP)]
        blocks.append(section(_command_lines([*own, *peers, ("/collab help", HELP_HELP)])))
        if leads_a_team(person):
            blocks.append(
                context("As a team lead you'll also get a direct message if your team's report is late.")
            )
    if person.roles:
        if person.seats:
            blocks.append(DividerBlock())
        blocks.append(section(_oversees(person)))
        previews = collaboratives_where(person, Action.PREVIEW_DIGEST)
        commands = [*OVERSEER_COMMANDS, *(FACULTY_COMMANDS if previews else [])]
        if not person.seats:
            commands.append(("/collab help", HELP_HELP))
        blocks.append(section(_command_lines(commands)))
    if collaboratives_where(person, Action.ADMIN):
        blocks.append(context(ADMIN_NOTES))
    blocks.append(context(SAFETY_NET_NOTE))
    return message("Here's what you can do with the learning collaborative bot.", blocks)


def unknown_subcommand_message(word: str, person: Person, faculty: Sequence[str]) -> Message:
    help_msg = help_message(person, faculty)
    note = f"I don't know `/collab {escape(word[:40])}`."
    return {"text": note, "blocks": [section(note).to_dict(), *help_msg["blocks"]]}


NO_TEAM_ABOUT = (
    "This bot runs a *learning collaborative*: clinic teams improving one topic together. "
    "Each team reports a few measures every month, tests changes with PDSA cycles, and joins "
    "calls to learn from the other teams."
)
NO_TEAM_NEXT = (
    "Once you're on a team in the collaborative file, this page shows your team's month, "
    "its running PDSA cycles and the next call."
)
HOME_BLOCK_LIMIT = 100
CYCLES_SHOWN = 10


def _no_team_page(faculty: Sequence[str]) -> list[Block]:
    ask = (
        f"To join, ask your faculty ({mentions(faculty)}) to add you to your team."
        if faculty
        else "To join, ask your collaborative's faculty or admin to add you to your team."
    )
    return [
        HeaderBlock(text="Learning collaborative bot"),
        section(":wave: You're not on a team in a learning collaborative yet.\n" + ask),
        section(NO_TEAM_ABOUT),
        context(NO_TEAM_NEXT + " `/collab help` shows what you can do."),
    ]


def _call_blocks(call: NextCall) -> list[Block]:
    label = KIND_LABELS.get(call.kind, "Call")
    tz = ZoneInfo(call.timezone)
    details = (
        f"*{label}: {escape(call.title)}*\n{slack_date(call.starts_at, tz)} ({call.duration_minutes} minutes)"
    )
    if call.join_url:
        details += f" · {link(call.join_url, 'Join the call')}"
    mine = {
        RsvpAnswer.GOING: "You said you're going.",
        RsvpAnswer.NOT_GOING: "You said you can't make it.",
        None: "You haven't answered yet.",
    }[call.answer]
    return [
        section(details),
        ActionsBlock(
            block_id=f"rsvp_{call.event_id}",
            elements=[
                ButtonElement(
                    text="Going",
                    action_id=RSVP_GOING,
                    value=str(call.event_id),
                    style="primary" if call.answer != RsvpAnswer.GOING else None,
                ),
                ButtonElement(text="Can't make it", action_id=RSVP_NOT_GOING, value=str(call.event_id)),
            ],
        ),
        context(f"{mine}   {rsvp_line(call.going, call.not_going)}"),
    ]


def _cycle_block(cycle: OpenCycle, several_teams: bool) -> Block:
    title = escape(clip(f"{cycle.change_idea} · cycle {cycle.cycle_number}", 300))
    since = f"started {short_day_label(cycle.start_date)}"
    if cycle.planned_end_date is not None:
        since += f", planned to end {short_day_label(cycle.planned_end_date)}"
    team = f"{escape(cycle.team_name)}: " if several_teams else ""
    return SectionBlock(
        text=MarkdownTextObject(text=f"{team}*{title}*\n{since}"),
        accessory=ButtonElement(text="Update", action_id=ACTION_OPEN, value=cycle_value(cycle.cycle_id)),
    )


def _cycles_blocks(page: HomePage) -> list[Block]:
    if not page.cycles:
        return []
    several = len({s.team_id for s in page.person.seats}) > 1
    blocks: list[Block] = [section("*Your team's open PDSA cycles*")]
    blocks.extend(_cycle_block(c, several) for c in page.cycles[:CYCLES_SHOWN])
    if len(page.cycles) > CYCLES_SHOWN:
        blocks.append(context(f"{len(page.cycles) - CYCLES_SHOWN} more: see them all with `/pdsa`."))
    blocks.append(DividerBlock())
    return blocks


def _peer_buttons() -> list[Block]:
    """Share a win / Ask for help: the peer-channel forms (``bot.peers``)."""
    return [
        ActionsBlock(
            block_id="peer_posts",
            elements=[
                ButtonElement(text=TITLES[SHARE], action_id=OPEN_ACTIONS[SHARE], style="primary"),
                ButtonElement(text=TITLES[ASK], action_id=OPEN_ACTIONS[ASK]),
            ],
        ),
        context("Post for your team in the peer channel; other teams answer in the thread."),
        DividerBlock(),
    ]


def _grid_line(row: GridRow) -> str:
    reported = ":white_check_mark: reported" if row.reported else ":hourglass: not yet"
    parts = [f"*{escape(row.team_name)}*", reported]
    if row.improvements:
        parts.append(":chart_with_upwards_trend: improving on " + escape(", ".join(row.improvements)))
    if row.deteriorations:
        parts.append(":chart_with_downwards_trend: worse on " + escape(", ".join(row.deteriorations)))
    if not row.improvements and not row.deteriorations:
        parts.append("no signal")
    parts.append(f"last PDSA {short_day_label(row.last_pdsa)}" if row.last_pdsa else "no PDSA yet")
    parts.append(f"{row.peer_messages} peer {'message' if row.peer_messages == 1 else 'messages'} this month")
    return " · ".join(parts)


def _sections(lines: Sequence[str], limit: int = 2900) -> list[Block]:
    """Lines packed into as few sections as fit Slack's 3,000 characters each."""
    blocks: list[Block] = []
    chunk: list[str] = []
    for line in lines:
        line = clip(line, limit)
        if chunk and len("\n".join([*chunk, line])) > limit:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return blocks


def _grid_blocks(grid: FacultyGrid) -> list[Block]:
    month = month_label(grid.period)
    blocks: list[Block] = [section(f"*All teams of {escape(grid.collaborative_name)}* ({month} reports)")]
    blocks.extend(_sections([_grid_line(row) for row in grid.rows]) or [section("No teams yet.")])
    if grid.support:
        lines = [f"• *{escape(flag.team_name)}*: {escape('; '.join(flag.reasons))}" for flag in grid.support]
        blocks.append(section("*Teams needing support*"))
        blocks.extend(_sections(lines))
    else:
        blocks.append(context("No team needs support right now."))
    blocks.append(DividerBlock())
    return blocks


def fit_home(blocks: list[Block], limit: int = HOME_BLOCK_LIMIT) -> list[Block]:
    """At most ``limit`` blocks (Slack's Home tab limit); a cut page says where the rest is."""
    if len(blocks) <= limit:
        return blocks
    return [*blocks[: limit - 1], context("There's more than fits here: see `/collab status` and `/pdsa`.")]


def home_view(page: HomePage) -> dict[str, object]:
    """The App Home tab: this month, the next call, open PDSA cycles, the faculty grid, then the help."""
    if not page.person.known:
        blocks = _no_team_page(page.faculty_to_ask)
        return {"type": "home", "blocks": [b.to_dict() for b in blocks]}
    help_blocks = help_message(page.person, page.faculty_to_ask)["blocks"]
    header, rest = help_blocks[0], help_blocks[1:]
    parts: list[Block] = []
    status = page.status
    if status is not None and (status.teams or status.collaboratives):
        parts += [section("*This month*"), *status_blocks(status)[:40], DividerBlock()]
    if page.calls:
        parts.append(section("*Next call*"))
        for call in page.calls[:3]:
            parts.extend(_call_blocks(call))
        parts.append(DividerBlock())
    parts += _cycles_blocks(page)
    if page.may_post:
        parts += _peer_buttons()
    if page.scores:
        parts += [*team_score_blocks(page.scores), DividerBlock()]
    if page.may_score:
        parts.append(score_button())
    for grid in page.grids:
        parts += _grid_blocks(grid)
    fitted = fit_home(parts, HOME_BLOCK_LIMIT - 1 - len(rest))
    return {"type": "home", "blocks": [header, *(b.to_dict() for b in fitted), *rest]}
