"""One gate for every request (commands, actions, view submissions, shortcuts, events).

It runs before any listener and before the event deduplication (which writes). It reads the
request's workspace from Bolt's context (``team_id``, ``enterprise_id``) and finds the
collaborative(s) of that workspace. A workspace with none gets a short answer and nothing else: no
reads of other workspaces' data, no writes (ephemeral text for a command, a notice in place of a
submitted modal, a bare acknowledgement otherwise). Otherwise the workspace and the resolved
person go into Bolt's context, so listeners don't look them up again (:func:`person_of`,
:func:`faculty_of`).

Lifecycle events (``app_uninstalled``, ``tokens_revoked``) pass: the app may be gone from a
workspace that still has collaboratives, or never had any.

Fast acknowledgements: ``/measures`` and ``/pdsa`` only need Slack's trigger id before they ack
and open their loading modal, so for them the gate reads nothing when it saw the workspace hold a
collaborative in the last :data:`KNOWN_FOR_S` seconds; the person is looked up on first use
(:func:`person_of`), after the ack, on the listener's thread. ``/collab`` (:data:`REPLY_COMMANDS`)
answers through its ``response_url``, so the gate never reads for it: it acks first and asks
:func:`here` after, which gives the same short answer to a workspace without a collaborative
(``/collab share|ask|score`` open their loading modal first and look up after the ack, in the
background: ``handlers.collab_command.fill_modal``).

The lookup waits at most :data:`bot.slack.waits.LOOKUP_WAIT_S` (1.5 s) for the database. When it
fails or takes longer (the database is down, restarting, or accepts connections and never
answers), the request is answered at once with "couldn't reach the database, nothing was saved"
in the shape its kind needs (:func:`_unavailable`): never a hang past Slack's 3 seconds, never a
500 or a 404.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.access import Action, refused
from bot.context import BotContext
from bot.slack.modals import COLLAB_FRAME, UNAVAILABLE, notice_view, unavailable_view
from bot.slack.waits import waited
from bot.workspaces import Visitor, identify
from storage.people import Person
from storage.workspaces import Workspace

log = logging.getLogger(__name__)

NOT_HERE = (
    "This workspace isn't part of a learning collaborative, so there's nothing here yet. "
    "Ask your collaborative's organiser to add this workspace to the collaborative file."
)
LIFECYCLE_EVENTS = frozenset({"app_uninstalled", "tokens_revoked"})

#: Commands whose answer is a modal: with the database down they get the notice as a modal.
MODAL_COMMANDS = frozenset({"/measures", "/pdsa"})
#: Commands whose person is looked up after the ack (see the module docstring).
DEFERRED_COMMANDS = MODAL_COMMANDS
#: Commands acked before anything is read, answered after through their ``response_url``.
REPLY_COMMANDS = frozenset({"/collab"})
#: Seconds a workspace seen holding a collaborative is trusted to still hold one.
KNOWN_FOR_S = 60.0

WORKSPACE = "collab_workspace"
PERSON = "collab_person"
FACULTY = "collab_faculty"
LATER = "collab_visitor_later"


def request_kind(body: dict[str, Any]) -> str:
    """``command``, ``block_actions``, ``view_submission``, ``event``, ... (never free text)."""
    if body.get("command"):
        return "command"
    kind = str(body.get("type") or "unknown")
    return "event" if kind == "event_callback" else kind


def _not_here(kind: str) -> BoltResponse:
    """The whole answer to a request from a workspace without a collaborative."""
    if kind == "command":
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": NOT_HERE})
    if kind == "view_submission":
        view = notice_view(COLLAB_FRAME, NOT_HERE).to_dict()
        return BoltResponse(status=200, body={"response_action": "update", "view": view})
    if kind == "block_suggestion":
        return BoltResponse(status=200, body={"options": []})
    return BoltResponse(status=200, body="")


def _show_unavailable(client: WebClient, body: dict[str, Any]) -> None:
    """Open (or, over a modal, replace) a notice that the database could not be reached."""
    view = unavailable_view(COLLAB_FRAME)
    try:
        modal = body.get("view") or {}
        if modal.get("id") and modal.get("type", "modal") == "modal" and body.get("type") == "block_actions":
            client.views_update(view_id=body["view"]["id"], view=view)
        elif body.get("trigger_id"):
            client.views_open(trigger_id=body["trigger_id"], view=view)
    except Exception as exc:  # noqa: BLE001 - nothing more to do; the person can try again
        log.warning("could not show the database notice: %s", type(exc).__name__)


def _unavailable(kind: str, body: dict[str, Any], client: WebClient | None) -> BoltResponse:
    """The whole answer to a request when the database could not be reached; a modal that
    needs a Web API call is opened just after the acknowledgement, on its own thread."""
    if kind == "command" and body.get("command") not in MODAL_COMMANDS:
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": UNAVAILABLE})
    if kind == "view_submission":
        view = unavailable_view(COLLAB_FRAME, submitted=True)
        return BoltResponse(status=200, body={"response_action": "push", "view": view.to_dict()})
    if kind == "block_suggestion":
        return BoltResponse(status=200, body={"options": []})
    if kind == "event":
        return BoltResponse(status=503, body="")  # Slack retries the event later
    if kind in ("command", "block_actions") and client is not None:
        threading.Thread(target=_show_unavailable, args=(client, body), daemon=True).start()
    return BoltResponse(status=200, body="")


def event_unavailable(body: dict[str, Any]) -> BoltResponse:
    """The gate's answer to an event when the database could not be reached: 503, Slack retries."""
    log.warning("database unavailable for a %s", request_kind(body))
    return _unavailable("event", body, None)


#: The person the gate resolved, or (for a deferred command) the workspace and user id to look up.
Asker = Person | tuple[Workspace, str | None]


def look_up_person(ctx: BotContext, asker: Asker) -> Person:
    """Who is asking: the person the gate resolved, or read now; someone the workspace no longer
    knows is a stranger there."""
    if isinstance(asker, Person):
        return asker
    workspace, user_id = asker
    visitor = identify(ctx, workspace, user_id)
    return visitor.person if visitor else Person(user_id or "-", workspace)


def asker_of(context: BoltContext) -> Asker:
    """The person the gate resolved, or (for a deferred command) the workspace and user id to look
    up later with :func:`look_up_person`; plain data a background process can take."""
    person = context.get(PERSON)
    if isinstance(person, Person):
        return person
    return context[WORKSPACE], context.user_id


def _later(context: BoltContext) -> Visitor | None:
    """The deferred lookup, run (once) on first use; someone the workspace no longer knows is a
    stranger there."""
    lookup = context.get(LATER)
    if not callable(lookup):
        raise RuntimeError("the workspace gate did not run for this request")
    visitor: Visitor | None = lookup()
    context[PERSON] = visitor.person if visitor else Person(context.user_id or "-", context[WORKSPACE])
    context[FACULTY] = visitor.faculty if visitor else []
    return visitor


def here(context: BoltContext) -> bool:
    """For a command acked before the gate read anything (:data:`REPLY_COMMANDS`): look the
    workspace and person up now; False (a refusal logged) when the workspace holds no collaborative.
    Raises SQLAlchemyError when the database cannot be reached."""
    if PERSON in context:
        return True  # the gate already found the workspace holds one
    if _later(context) is not None:
        return True
    refused(Person(context.user_id or "-", context[WORKSPACE]), Action.USE)
    return False


def person_of(context: BoltContext) -> Person:
    """The person the gate resolved for this request (in its workspace); for a deferred command it
    is read now (raises SQLAlchemyError when the database cannot be reached)."""
    person = context.get(PERSON)
    if person is None and LATER in context:
        _later(context)
        person = context.get(PERSON)
    if not isinstance(person, Person):
        raise RuntimeError("the workspace gate did not run for this request")
    return person


def faculty_of(context: BoltContext) -> list[str]:
    """The faculty to ask, for someone on no team (empty otherwise)."""
    if FACULTY not in context and LATER in context:
        _later(context)
    return list(context.get(FACULTY) or [])


def register(app: App, ctx: BotContext) -> None:
    known: dict[Workspace, float] = {}  # workspace -> when it was last seen holding a collaborative

    def lookup(workspace: Workspace, user_id: str | None) -> Visitor | None:
        """``identify``, waiting at most LOOKUP_WAIT_S; raises SQLAlchemyError or TimeoutError."""
        return waited(identify, ctx, workspace, user_id)

    @app.middleware
    def workspace_gate(
        context: BoltContext, body: dict[str, Any], next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        if (body.get("event") or {}).get("type") in LIFECYCLE_EVENTS:
            return next()
        workspace = Workspace(context.team_id, context.enterprise_id)
        if body.get("command") in REPLY_COMMANDS:
            user_id = context.user_id
            context[WORKSPACE] = workspace

            def later() -> Visitor | None:
                visitor = identify(ctx, workspace, user_id)
                if visitor is not None:
                    known[workspace] = time.monotonic()
                return visitor

            context[LATER] = later
            return next()
        if (
            body.get("command") in DEFERRED_COMMANDS
            and time.monotonic() - known.get(workspace, -KNOWN_FOR_S) < KNOWN_FOR_S
        ):
            user_id = context.user_id
            context[WORKSPACE] = workspace
            context[LATER] = lambda: identify(ctx, workspace, user_id)
            return next()
        try:
            visitor = lookup(workspace, context.user_id)
        except (SQLAlchemyError, FutureTimeout) as exc:
            log.warning("database unavailable for a %s: %s", request_kind(body), type(exc).__name__)
            return _unavailable(request_kind(body), body, context.client)
        if visitor is None:
            kind = request_kind(body)
            refused(Person(context.user_id or "-", workspace), Action.USE)
            return _not_here(kind)
        known[workspace] = time.monotonic()
        context[WORKSPACE] = workspace
        context[PERSON] = visitor.person
        context[FACULTY] = visitor.faculty
        return next()
