"""What the bot answers when a listener fails: never a 500, always something a person can read.

Bolt answers 500 when a listener raises, even after it acknowledged (Slack then shows "dispatch
failed", and retries events). :func:`on_error`, Bolt's global error handler, answers instead:

- a Slack call refused after the request was answered (a modal that is gone, a forged or expired
  view or trigger ID) is logged as a warning with Slack's error code, and the acknowledgement the
  listener already gave stands;
- anything else is logged as an error (class and safe traceback, no free text: ``bot.ops.logs``) and
  the person gets a plain sentence: ephemerally for a slash command, in the modal for a
  submission; actions and events get an empty 200 (Slack would only retry them).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, BoltResponse
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.ops.logs import safe_error
from bot.slack.client import slack_error_code
from bot.slack.modals import COLLAB_FRAME, UNAVAILABLE, unavailable_view

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on our side and nothing was changed. Please try again in a minute."


def _json(body: dict[str, Any]) -> BoltResponse:
    return BoltResponse(status=200, body=json.dumps(body), headers={"content-type": "application/json"})


def _sorry(body: dict[str, Any]) -> BoltResponse:
    if "command" in body and "type" not in body:
        return _json({"response_type": "ephemeral", "text": SORRY})
    if body.get("type") == "view_submission":
        modal = {
            "type": "modal",
            "title": {"type": "plain_text", "text": "Not saved"},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": [{"type": "section", "text": {"type": "plain_text", "text": SORRY}}],
        }
        return _json({"response_action": "update", "view": modal})
    return BoltResponse(status=200, body="")


class InstallationUnavailable(Exception):
    """In OAuth mode: the workspace's installation could not be read (the database is down or silent)."""


def _unavailable(body: dict[str, Any]) -> BoltResponse:
    """The workspace gate's answer when the database cannot be reached, for a request that could
    not even be authorised (so no Web API call can be made for it): words in the acknowledgement,
    a notice pushed over a submitted form, 503 for an event so Slack sends it again later."""
    if "command" in body and "type" not in body:
        return _json({"response_type": "ephemeral", "text": UNAVAILABLE})
    kind = body.get("type")
    if kind == "view_submission":
        view = unavailable_view(COLLAB_FRAME, submitted=True).to_dict()
        return _json({"response_action": "push", "view": view})
    if kind == "block_suggestion":
        return _json({"options": []})
    if kind == "event_callback":
        return BoltResponse(status=503, body="")
    return BoltResponse(status=200, body="")


def on_error(error: Exception, body: dict[str, Any], ack: Ack | None = None) -> BoltResponse:
    """Bolt's global error handler (``App.error``): log safely, answer 200 with words."""
    if isinstance(error, InstallationUnavailable):
        log.warning("database unavailable: the installation was not read")
        return _unavailable(body if isinstance(body, dict) else {})
    if isinstance(error, SlackApiError):
        log.warning("a Slack call failed while answering a request: %s", slack_error_code(error))
    elif isinstance(error, SlackClientError | OSError):
        log.warning("a Slack call failed while answering a request: %s", type(error).__name__)
    else:
        log.error("a listener failed: %s", safe_error(error), exc_info=error)
    acked = getattr(ack, "response", None)
    if isinstance(acked, BoltResponse):
        return acked
    return _sorry(body if isinstance(body, dict) else {})
