"""The shape a Slack request must have before Bolt reads it.

Bolt reads the envelope of every request (team, user, enterprise, the first action, the view and
its state) before any listener runs, and indexes into it without checking: a signed body whose
``actions`` is ``null`` or whose ``team`` is a list makes it raise, and the request ends in a 500
and a traceback. :func:`problem` checks those parts (their types, not their values, which the
handlers check) and names the first part that is wrong, so ``bot.slack.web`` can refuse the request
with a 400 instead. Slack itself never sends such a body; a forged or garbled one gets no further.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

#: Top-level fields that are text when present.
_TEXT = (
    "type",
    "token",
    "team_id",
    "team_domain",
    "enterprise_id",
    "channel_id",
    "user_id",
    "user_name",
    "api_app_id",
    "trigger_id",
    "command",
    "text",
    "response_url",
    "callback_id",
    "event_id",
)
#: Top-level fields that are objects (or, for team and enterprise, an ID) when present.
_OBJECTS = ("user", "channel", "container", "view", "message", "event", "state")
_OBJECT_OR_ID = ("team", "enterprise")
_ID_KEYS = ("id", "team_id", "enterprise_id", "user_id", "name", "username")
_VIEW_TEXT = (
    "id",
    "hash",
    "callback_id",
    "private_metadata",
    "type",
    "external_id",
    "root_view_id",
    "previous_view_id",
    "team_id",
    "app_id",
    "bot_id",
)
_ELEMENT_TEXT = (
    "type",
    "value",
    "selected_date",
    "selected_time",
    "selected_user",
    "selected_channel",
    "selected_conversation",
)


def _text_or_none(value: object) -> bool:
    return value is None or isinstance(value, str)


def _option(value: object) -> bool:
    return isinstance(value, Mapping) and _text_or_none(value.get("value"))


def _element(value: object) -> bool:
    """One input's state (``{"type": ..., "value": ...}``) as the handlers read it."""
    if not isinstance(value, Mapping):
        return False
    if not all(_text_or_none(value.get(key)) for key in _ELEMENT_TEXT):
        return False
    selected = value.get("selected_option")
    if selected is not None and not _option(selected):
        return False
    many = value.get("selected_options")
    return many is None or (isinstance(many, list) and all(_option(o) for o in many))


def _state(state: object) -> str | None:
    if state is None:
        return None
    if not isinstance(state, Mapping):
        return "state"
    values = state.get("values", {})
    if not isinstance(values, Mapping):
        return "state.values"
    for block in values.values():
        if not isinstance(block, Mapping) or not all(_element(e) for e in block.values()):
            return "state.values"
    return None


def _ids(obj: Mapping[str, Any], where: str) -> str | None:
    for key in _ID_KEYS:
        if not _text_or_none(obj.get(key)):
            return f"{where}.{key}"
    return None


def _view(view: Mapping[str, Any]) -> str | None:
    for key in _VIEW_TEXT:
        if not _text_or_none(view.get(key)):
            return f"view.{key}"
    if not isinstance(view.get("blocks", []), list):
        return "view.blocks"
    return _state(view.get("state"))


def _actions(actions: object) -> str | None:
    if not isinstance(actions, list) or not actions:
        return "actions"
    for action in actions:
        if not isinstance(action, Mapping):
            return "actions"
        if not all(_text_or_none(action.get(k)) for k in ("action_id", "block_id", "type", "value")):
            return "actions"
        if not _element(action):
            return "actions"
    return None


def _event(event: Mapping[str, Any]) -> str | None:
    if not isinstance(event.get("type"), str):
        return "event.type"
    for key in ("user", "channel", "view", "item"):
        value = event.get(key)
        if value is not None and not isinstance(value, str | Mapping):
            return f"event.{key}"
        if isinstance(value, Mapping) and (problem := _ids(value, f"event.{key}")):
            return problem
    for key in ("text", "subtype", "ts", "tab", "team", "channel_type", "thread_ts", "bot_id"):
        if not _text_or_none(event.get(key)):
            return f"event.{key}"
    return None


#: What Slack always sends with each kind of request, and the listeners rely on.
_REQUIRED = {
    "command": ("command", "user_id", "team_id", "trigger_id"),
    "block_actions": ("user", "actions"),
    "view_submission": ("user", "view"),
    "view_closed": ("user", "view"),
    "event_callback": ("event",),
}


def _kind(body: Mapping[str, Any]) -> str | None:
    if "command" in body and "type" not in body:
        return "command"
    kind = body.get("type")
    return kind if isinstance(kind, str) else None


def body_problem(body: object) -> str | None:
    """The first part of a parsed request body Bolt could not read, or ``None`` when it is fine."""
    if not isinstance(body, Mapping):
        return "body"
    for key in _REQUIRED.get(_kind(body) or "", ()):
        if not body.get(key):
            return key
    for key in _TEXT:
        if not _text_or_none(body.get(key)):
            return key
    for key in _OBJECT_OR_ID:
        value = body.get(key)
        if value is not None and not isinstance(value, str | Mapping):
            return key
        if isinstance(value, Mapping) and (problem := _ids(value, key)):
            return problem
    for key in _OBJECTS:
        value = body.get(key)
        if value is not None and not isinstance(value, Mapping):
            return key
        if (
            isinstance(value, Mapping)
            and key not in ("view", "state", "event")
            and (problem := _ids(value, key))
        ):
            return problem
    if isinstance(body.get("view"), Mapping) and (problem := _view(body["view"])):
        return problem
    if (problem := _state(body.get("state"))) is not None:
        return problem
    if isinstance(body.get("event"), Mapping) and (problem := _event(body["event"])):
        return problem
    if body.get("type") == "block_actions" or "actions" in body:
        if problem := _actions(body.get("actions")):
            return problem
    authorizations = body.get("authorizations")
    if authorizations is not None and not (
        isinstance(authorizations, list) and all(isinstance(a, Mapping) for a in authorizations)
    ):
        return "authorizations"
    return None


def parse_body(raw: bytes, content_type: str) -> object:
    """The body as Bolt parses it: JSON, or a form whose ``payload`` field is JSON."""
    text = raw.decode("utf-8", errors="replace")
    if content_type.startswith("application/json"):
        return json.loads(text)
    form = {key: values[0] for key, values in parse_qs(text, keep_blank_values=True).items()}
    if "payload" in form:
        return json.loads(form["payload"])
    return form


def problem(raw: bytes, content_type: str) -> str | None:
    """What is wrong with a raw request body (``None`` when Bolt can read it)."""
    try:
        body = parse_body(raw, content_type)
    except ValueError:
        return "body"
    if isinstance(body, Mapping) and body.get("type") == "url_verification":
        return None
    return body_problem(body)
