"""The ``/collab help`` message: what this person can do, by role."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot.access import Action, collaboratives_where, leads_a_team
from bot.measures.status import Status
from bot.measures.status_views import status_blocks
from bot.slack.blocks import Message, context, mentions, message, section
from storage.enums import Role
from storage.people import Person

MEASURES_HELP = (
    "report your team's monthly measures (add a month, e.g. `/measures 2026-03`, "
    "to report late or correct an earlier month)"
)
PDSA_HELP = "plan a test of change (PDSA cycle), or update one your team has running"
STATUS_HELP = "this month's reporting status for your team, and its running PDSA cycles"
HELP_HELP = "show this help"
OVERSEER_COMMANDS = [
    ("/measures", "report or correct monthly measures for any team (pick the team in the form)"),
    ("/pdsa", "plan or update a PDSA cycle for any team"),
    ("/collab status", "which teams have reported this month, and which haven't"),
]
FACULTY_COMMANDS = [("/collab digest", "preview this week's faculty digest, privately")]
ADMIN_NOTES = (
    "Admins change the collaborative by editing its file and running `collab-bot load FILE`; "
    "`collab-bot export` writes every table to CSV or Excel."
)


def _command_lines(commands: Sequence[tuple[str, str]]) -> str:
    return "\n".join(f"• `{name}`: {what}" for name, what in commands)


def _oversees(person: Person) -> str:
    roles = sorted({r.role for r in person.roles})
    names = ", ".join(sorted({r.collaborative_name for r in person.roles}))
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
            f"*{seat.team_name}*" + (" (team lead)" if seat.role == Role.LEAD else "")
            for seat in person.seats
        )
        blocks.append(section(f"You're on {teams}. Here's what you can do:"))
        own = [("/measures", MEASURES_HELP), ("/pdsa", PDSA_HELP), ("/collab status", STATUS_HELP)]
        blocks.append(section(_command_lines([*own, ("/collab help", HELP_HELP)])))
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
    blocks.append(context("Never type patient names, record numbers or dates of birth into the bot."))
    return message("Here's what you can do with the learning collaborative bot.", blocks)


def unknown_subcommand_message(word: str, person: Person, faculty: Sequence[str]) -> Message:
    help_msg = help_message(person, faculty)
    note = f"I don't know `/collab {word[:40]}`."
    return {"text": note, "blocks": [section(note).to_dict(), *help_msg["blocks"]]}


def home_view(person: Person, faculty: Sequence[str], status: Status | None = None) -> dict[str, object]:
    """The App Home tab: where the person's teams stand this month, then the ``/collab help`` guidance."""
    header, *rest = help_message(person, faculty)["blocks"]
    now: list[dict[str, Any]] = []
    if status is not None and (status.teams or status.collaboratives):
        now = [section("*This month*").to_dict(), *(b.to_dict() for b in status_blocks(status)[:60])]
        now.append(DividerBlock().to_dict())
    return {"type": "home", "blocks": [header, *now, *rest]}
