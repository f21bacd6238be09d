"""Every modal submission is handled once per ``view.id`` + ``view.hash`` (``storage.submissions``).

A double click (or Slack retrying) sends the same submission twice. :func:`once` wraps a
``view_submission`` listener: the first submission claims the pair and runs the listener; the
answer it acks (close, the next view, "Submit anyway") is recorded at once, and a duplicate gets
that same answer and runs nothing, so it writes and posts nothing. A duplicate that arrives while
the first is still working waits for its answer (within Slack's 3 seconds). When the answer is
field errors, or the listener fails, nothing was stored and the claim is released: the corrected
form, whose hash has not changed, can be sent again. A form replaced by ``response_action: update``
gets a new hash from Slack, so "Submit anyway" is a new submission. The "couldn't reach the
database" notice pushed over a form stored nothing either: its claim is released too, and when the
claim itself cannot be taken (the database is down) that notice is the answer.
"""

from __future__ import annotations

import inspect
import json
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from slack_bolt import Ack, BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.exc import SQLAlchemyError

from bot.context import BotContext
from bot.results import Invalid, Refusal
from bot.slack.modals import COLLAB_FRAME, ModalFrame, notice_view, unavailable_view
from storage import submissions

log = logging.getLogger(__name__)

Saved = TypeVar("Saved")
ViewListener = Callable[..., None]  # a Bolt view listener taking some of: ack, view, client, context

#: Answers after which nothing was stored: field errors, and a notice pushed over the form (the
#: database could not be reached); the same form may be sent again.
NOTHING_STORED = frozenset({"errors", "push"})
UNREACHABLE = object()  # the claim could not be taken: the database is down

#: How long a duplicate waits for the first submission's answer before closing its modal.
WAIT_SECONDS = 2.0
POLL_SECONDS = 0.05


def ack_outcome(
    ack: Ack, frame: ModalFrame, outcome: Invalid | Refusal | Saved, saved: Callable[[Saved], View]
) -> None:
    """Answer a form's submission: field errors in place, a refusal as a notice, or the saved view."""
    if isinstance(outcome, Invalid):
        ack(response_action="errors", errors=outcome.errors)
    elif isinstance(outcome, Refusal):
        ack(response_action="update", view=notice_view(frame, outcome.text))
    else:
        ack(response_action="update", view=saved(outcome))


def _plain(value: Any) -> Any:
    to_dict = getattr(value, "to_dict", None)
    return to_dict() if callable(to_dict) else value


class _Recording(Ack):
    """Bolt's ``ack`` that also tells the wrapper what was answered, the moment it is answered."""

    def __init__(self, real: Ack, on_answer: Callable[[dict[str, Any]], None]) -> None:
        super().__init__()
        self.real = real
        self.on_answer = on_answer
        self.answered = False

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        if not self.answered:  # recorded before Slack gets the answer, so a duplicate finds it
            self.answered = True
            given = {k: _plain(v) for k, v in kwargs.items() if v is not None}
            if args:
                given["text"] = _plain(args[0])
            self.on_answer(given)
        return self.real(*args, **kwargs)


def once(ctx: BotContext, listener: ViewListener) -> ViewListener:
    """``listener`` run once per (view id, view hash); a duplicate is answered as the first was.

    ``listener`` takes ``ack`` and ``view`` and, if it needs them, ``client`` and ``context``.
    """
    wanted = set(inspect.signature(listener).parameters)

    def _claim(view_id: str, view_hash: str) -> Any:
        try:
            return submissions.claim(ctx.db, view_id, view_hash, ctx.now())
        except SQLAlchemyError as exc:
            log.warning("submission not claimed: %s", type(exc).__name__)
            return UNREACHABLE

    def _release(view_id: str, view_hash: str) -> None:
        try:
            submissions.release(ctx.db, view_id, view_hash)
        except SQLAlchemyError as exc:  # its claim expires; the form can be sent again then
            log.warning("submission claim not released: %s", type(exc).__name__)

    def run(ack: Ack, view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        given = {"ack": ack, "view": view, "client": client, "context": context}
        listener(**{name: value for name, value in given.items() if name in wanted})

    def handle(ack: Ack, view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        view_id, view_hash = str(view.get("id") or ""), str(view.get("hash") or "")
        if not view_id or not view_hash:  # nothing to key on (Slack always sends both)
            run(ack, view, client, context)
            return
        deadline = time.monotonic() + WAIT_SECONDS
        while (seen := _claim(view_id, view_hash)) is not None:
            if seen is UNREACHABLE:
                ack(response_action="push", view=unavailable_view(COLLAB_FRAME, submitted=True))
                return
            if seen.response is not None:
                log.info("duplicate submission of view %s answered as the first", view_id)
                ack(**json.loads(seen.response))
                return
            if time.monotonic() >= deadline:
                log.info("duplicate submission of view %s while the first is still handled", view_id)
                ack()
                return
            time.sleep(POLL_SECONDS)

        def on_answer(given: dict[str, Any]) -> None:
            if given.get("response_action") in NOTHING_STORED:
                _release(view_id, view_hash)  # nothing stored: may be sent again
            else:
                submissions.answer(ctx.db, view_id, view_hash, json.dumps(given))

        recording = _Recording(ack, on_answer)
        try:
            run(recording, view, client, context)
        except Exception:
            if not recording.answered:
                _release(view_id, view_hash)
            raise
        if not recording.answered:
            _release(view_id, view_hash)

    return handle
