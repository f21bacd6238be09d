"""The ``/collab help`` message: what this person can do, by role."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot.views.common import Message, context, mentions, message, section
from storage.people import Person

MEMBER_COMMANDS = [
    (
        "/measures",
        "report your team's monthly measures (add a month, e.g. `/measures 2026-03`, "
        "to report late or correct an earlier month)",
    ),
    ("/pdsa", "plan a test of change (PDSA cycle), or update one your team has open"),
    ("/collab help", "show this help"),
]
FACULTY_COMMANDS = [
    ("/measures", "report or correct measures for any team"),
    ("/collab digest", "preview this week's faculty digest, privately"),
]
ADMIN_NOTES = (
    "Admins change the collaborative by editing its file and running `collab-bot load FILE`; "
    "`collab-bot export` writes every table to CSV or Excel."
)


def _command_lines(commands: Sequence[tuple[str, str]]) -> str:
    return "\n".join(f"• `{name}`: {what}" for name, what in commands)


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
            f"*{seat.team_name}*" + (" (team lead)" if seat.role == "lead" else "") for seat in person.seats
        )
        blocks.append(section(f"You're on {teams}. Here's what you can do:"))
        blocks.append(section(_command_lines(MEMBER_COMMANDS)))
        if person.is_lead:
            blocks.append(
                context("As a team lead you'll also get a direct message if your team's report is late.")
            )
    if person.is_faculty:
        names = ", ".join(sorted({r.collaborative_name for r in person.roles if r.role == "faculty"}))
        blocks.append(DividerBlock())
        blocks.append(section(f"*Faculty* of {names}: you see every team's data and get the weekly digest."))
        blocks.append(section(_command_lines(FACULTY_COMMANDS)))
    if person.is_admin:
        blocks.append(DividerBlock())
        blocks.append(section(f"*Admin*: {ADMIN_NOTES}"))
    blocks.append(context("Never type patient names, record numbers or dates of birth into the bot."))
    return message("Here's what you can do with the learning collaborative bot.", blocks)


def unknown_subcommand_message(word: str, person: Person, faculty: Sequence[str]) -> Message:
    help_msg = help_message(person, faculty)
    note = f"I don't know `/collab {word[:40]}`."
    return {"text": note, "blocks": [section(note).to_dict(), *help_msg["blocks"]]}


def home_view(person: Person, faculty: Sequence[str]) -> dict[str, object]:
    """The App Home tab: the same guidance as ``/collab help``."""
    blocks = help_message(person, faculty)["blocks"]
    return {"type": "home", "blocks": blocks}
