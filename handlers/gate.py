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
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse

from bot.access import Action, refused
from bot.context import BotContext
from bot.slack.modals import ModalFrame, notice_view
from bot.workspaces import identify
from storage.people import Person
from storage.workspaces import Workspace

log = logging.getLogger(__name__)

NOT_HERE = (
    "This workspace isn't part of a learning collaborative, so there's nothing here yet. "
    "Ask your collaborative's organiser to add this workspace to the collaborative file."
)
FRAME = ModalFrame(title="Learning collaborative", loading="")
LIFECYCLE_EVENTS = frozenset({"app_uninstalled", "tokens_revoked"})

WORKSPACE = "collab_workspace"
PERSON = "collab_person"
FACULTY = "collab_faculty"


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
        return BoltResponse(
            status=200, body={"response_action": "update", "view": notice_view(FRAME, NOT_HERE).to_dict()}
        )
    if kind == "block_suggestion":
        return BoltResponse(status=200, body={"options": []})
    return BoltResponse(status=200, body="")


def person_of(context: BoltContext) -> Person:
    """The person the gate resolved for this request (in its workspace)."""
    person = context.get(PERSON)
    if not isinstance(person, Person):
        raise RuntimeError("the workspace gate did not run for this request")
    return person


def faculty_of(context: BoltContext) -> list[str]:
    """The faculty to ask, for someone on no team (empty otherwise)."""
    return list(context.get(FACULTY) or [])


def register(app: App, ctx: BotContext) -> None:
    @app.middleware
    def workspace_gate(
        context: BoltContext, body: dict[str, Any], next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        if (body.get("event") or {}).get("type") in LIFECYCLE_EVENTS:
            return next()
        workspace = Workspace(context.team_id, context.enterprise_id)
        visitor = identify(ctx, workspace, context.user_id)
        if visitor is None:
            kind = request_kind(body)
            refused(Person(context.user_id or "-", workspace), Action.USE)
            return _not_here(kind)
        context[WORKSPACE] = workspace
        context[PERSON] = visitor.person
        context[FACULTY] = visitor.faculty
        return next()
