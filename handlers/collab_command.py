"""``/collab``: help and the small sub-commands (``/collab help``, ``/collab status``, ``/collab digest``).

A sub-command that cannot reach the database answers "couldn't reach the database, nothing was
saved, try again in a minute" (ephemeral) instead of failing the request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from sqlalchemy.exc import SQLAlchemyError

from bot.context import BotContext
from bot.home.views import help_message, unknown_subcommand_message
from bot.measures.status import reporting_status
from bot.measures.status_views import status_message
from bot.slack.modals import UNAVAILABLE
from handlers.gate import faculty_of, person_of
from storage.people import Person

log = logging.getLogger(__name__)
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
    def collab(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        word, _, rest = (command.get("text") or "").strip().partition(" ")
        word = word.lower()
        person, faculty = person_of(context), faculty_of(context)
        if word in ("", "help", "?") or (word == "status" and not person.known):
            ack(**help_message(person, faculty))
            return
        handler = SUBCOMMANDS.get(word)
        if handler is None:
            ack(**unknown_subcommand_message(word, person, faculty))
            return
        try:
            handler(ctx, person, rest.strip(), ack, command)
        except SQLAlchemyError as exc:
            log.warning("/collab %s: database unavailable: %s", word, type(exc).__name__)
            if ack.response is None:
                ack(text=UNAVAILABLE, response_type="ephemeral")


@subcommand("status")
def status(ctx: BotContext, person: Person, rest: str, ack: Ack, command: dict[str, Any]) -> None:
    """This month's reporting status for the person's teams (and, for faculty, every team)."""
    ack(**status_message(reporting_status(ctx.db, person, ctx.now())))
