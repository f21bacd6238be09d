"""``/collab``: help and the small sub-commands (``/collab help``, ``/collab status``, ``/collab digest``).

``/collab`` acknowledges at once, before anything is read (the workspace gate defers its lookup,
:data:`handlers.gate.REPLY_COMMANDS`); the answer follows through the command's ``response_url``
(slack_sdk's ``WebhookClient``, with the Web API client's timeout and retries), ephemeral like the
acknowledgement it replaces. A workspace without a collaborative gets the gate's short answer that
way too. A sub-command that cannot reach the
database answers "couldn't reach the database, nothing was saved, try again in a minute" instead.

A sub-command whose answer is a modal (``/collab share``, ``ask``, ``score``:
:func:`modal_subcommand`) opens its loading modal with the trigger id at once, before anything is
read, like ``/measures``; the person is looked up and the modal filled after the ack
(:func:`fill_modal`, ``ctx.later``). A workspace without a collaborative, a refusal or an
unreachable database replaces the loading modal with the plain message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from slack_sdk.webhook import WebhookClient
from sqlalchemy.exc import SQLAlchemyError

from bot.access import Action, refused
from bot.context import BotContext
from bot.home.views import help_message, unknown_subcommand_message
from bot.measures.status import reporting_status
from bot.measures.status_views import status_message
from bot.slack.client import slack_error_code
from bot.slack.modals import UNAVAILABLE, ModalFrame, loading_view, notice_view, unavailable_view
from bot.workspaces import identify
from handlers.gate import NOT_HERE, WORKSPACE, faculty_of, here, person_of
from storage.people import Person
from storage.workspaces import Workspace

log = logging.getLogger(__name__)


class Reply(Protocol):
    """Answer the person who typed the command (ephemeral, through its ``response_url``)."""

    def __call__(self, **message: Any) -> None: ...


Subcommand = Callable[[BotContext, Person, str, Reply, dict[str, Any]], None]
SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str) -> Callable[[Subcommand], Subcommand]:
    """Register ``/collab NAME``; the function gets (ctx, person, rest_of_text, reply, command).

    The command is already acknowledged: a sub-command that opens a modal uses the trigger id at
    once (it lasts 3 seconds); one that answers in words calls ``reply(**message)``.
    """

    def add(fn: Subcommand) -> Subcommand:
        SUBCOMMANDS[name] = fn
        return fn

    return add


#: What a modal sub-command shows: ``build(ctx, person, rest_of_text)`` → the filled modal, or a
#: notice with the refusal. A module-level function (it may run in a background process).
ModalBuild = Callable[[BotContext, Person, str], View]
MODAL_SUBCOMMANDS: dict[str, tuple[ModalFrame, ModalBuild]] = {}


def modal_subcommand(name: str, frame: ModalFrame) -> Callable[[ModalBuild], ModalBuild]:
    """Register ``/collab NAME`` whose answer is a modal: the loading modal (``frame``) is opened
    at once with the trigger id, then ``build`` fills it after the ack (:func:`fill_modal`)."""

    def add(build: ModalBuild) -> ModalBuild:
        MODAL_SUBCOMMANDS[name] = (frame, build)
        return build

    return add


def fill_modal(
    ctx: BotContext,
    token: str | None,
    modal: tuple[str, str | None],
    workspace: Workspace,
    user_id: str | None,
    frame: ModalFrame,
    build: ModalBuild,
    rest: str,
) -> None:
    """After the ack (``bot.slack.background``): look the person up, build the modal and put it in
    ``modal`` (view id, hash); the plain message instead when the workspace holds no collaborative
    or the database cannot be reached."""
    client = ctx.client_with(token) if token else ctx.client
    try:
        visitor = identify(ctx, workspace, user_id)
        if visitor is None:
            refused(Person(user_id or "-", workspace), Action.USE)
            view = notice_view(frame, NOT_HERE)
        else:
            view = build(ctx, visitor.person, rest)
    except SQLAlchemyError as exc:
        log.warning("/collab modal not filled: database unavailable: %s", type(exc).__name__)
        view = unavailable_view(frame)
    try:
        client.views_update(view_id=modal[0], hash=modal[1], view=view)
    except SlackApiError as exc:  # e.g. the person closed the loading modal meanwhile
        log.info("/collab modal not updated: %s", slack_error_code(exc))


class _Replies:
    """``reply`` for one command: an ephemeral message POSTed to its ``response_url``, with the Web
    API client's timeout and retries (a 5xx, a dropped connection, a 429); remembers it answered."""

    def __init__(self, client: WebClient, response_url: str | None) -> None:
        self._client = client
        self._url = response_url
        self.sent = False

    def __call__(self, **message: Any) -> None:
        self.sent = True
        if not self._url:
            log.warning("/collab answer not delivered: the command had no response_url")
            return
        webhook = WebhookClient(
            self._url,
            timeout=self._client.timeout,
            proxy=self._client.proxy,
            retry_handlers=self._client.retry_handlers,
        )
        try:
            sent = webhook.send_dict({"response_type": "ephemeral", **message})
        except Exception as exc:  # noqa: BLE001 - the network edge; nothing more to do
            log.warning("/collab answer not delivered: %s", type(exc).__name__)
            return
        if sent.status_code != 200:
            log.warning("/collab answer not delivered: HTTP %s", sent.status_code)


def register(app: App, ctx: BotContext) -> None:
    @app.command("/collab")
    def collab(ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()  # at once: everything below may read the database
        reply = _Replies(ctx.client, command.get("response_url"))
        word, _, rest = (command.get("text") or "").strip().partition(" ")
        word = word.lower()
        if word in MODAL_SUBCOMMANDS and command.get("trigger_id"):
            frame, build = MODAL_SUBCOMMANDS[word]
            try:  # with the trigger id, before anything is read: it lasts 3 seconds
                opened = client.views_open(trigger_id=command["trigger_id"], view=loading_view(frame))["view"]
            except SlackApiError as exc:
                log.warning("/collab %s: loading modal not opened: %s", word, slack_error_code(exc))
                return
            modal = (opened["id"], opened.get("hash"))
            asker = (context[WORKSPACE], context.user_id)
            ctx.later(fill_modal, context.bot_token, modal, *asker, frame, build, rest.strip())
            return
        try:
            if not here(context):
                reply(text=NOT_HERE)
                return
            person, faculty = person_of(context), faculty_of(context)
            if word in ("", "help", "?") or (word == "status" and not person.known):
                reply(**help_message(person, faculty))
                return
            handler = SUBCOMMANDS.get(word)
            if handler is None:
                reply(**unknown_subcommand_message(word, person, faculty))
                return
            handler(ctx, person, rest.strip(), reply, command)
        except SQLAlchemyError as exc:
            shown = word if word in SUBCOMMANDS else "help"  # never what was typed
            log.warning("/collab %s: database unavailable: %s", shown, type(exc).__name__)
            if not reply.sent:
                reply(text=UNAVAILABLE)


@subcommand("status")
def status(ctx: BotContext, person: Person, rest: str, reply: Reply, command: dict[str, Any]) -> None:
    """This month's reporting status for the person's teams (and, for faculty, every team)."""
    reply(**status_message(reporting_status(ctx.db, person, ctx.now())))
