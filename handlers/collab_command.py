"""``/collab``: help and the small sub-commands (``/collab help``, later ``/collab digest``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from bot.context import BotContext
from bot.views.help import help_message, unknown_subcommand_message
from storage.people import Person, faculty_ids, find_person

Subcommand = Callable[[BotContext, Person, str, Ack, dict[str, Any]], None]
SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str) -> Callable[[Subcommand], Subcommand]:
    """Register ``/collab NAME``; the function gets (ctx, person, rest_of_text, ack, command)."""

    def add(fn: Subcommand) -> Subcommand:
        SUBCOMMANDS[name] = fn
        return fn

    return add


def register(app: App, ctx: BotContext) -> None:
    @app.command("/collab")
    def collab(ack: Ack, command: dict[str, Any]) -> None:
        word, _, rest = (command.get("text") or "").strip().partition(" ")
        word = word.lower()
        with ctx.db.reader() as session:
            person = find_person(session, command["user_id"])
            faculty = faculty_ids(session) if not person.known else []
        if word in ("", "help", "?"):
            ack(**help_message(person, faculty))
            return
        handler = SUBCOMMANDS.get(word)
        if handler is None:
            ack(**unknown_subcommand_message(word, person, faculty))
            return
        handler(ctx, person, rest.strip(), ack, command)
