"""Build and sign the requests Slack sends to a bot (slash commands, interactivity, events).

`sign_request` signs with slack_sdk's ``SignatureVerifier`` (Slack's v0 signature); the
``*_body`` / ``*_payload`` builders produce bodies in the shapes Slack uses; `SlackRequests` POSTs
them, signed, to ``{base_url}/slack/events``. Identities come from :mod:`tests.constants`.
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from tests.constants import API_APP_ID, BOT_USER_ID, RIVER, TEAM_DOMAIN, TEAM_ID

__all__ = [
    "SlackRequests",
    "block_actions_payload",
    "event_body",
    "interactive_body",
    "new_trigger_id",
    "sign_request",
    "slash_command_body",
    "view_submission_payload",
]


def sign_request(secret: str, body: bytes | str, timestamp: int | None = None) -> dict[str, str]:
    """``X-Slack-Signature`` / ``X-Slack-Request-Timestamp`` headers for ``body``, as Slack computes them."""
    ts = str(int(time.time()) if timestamp is None else int(timestamp))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None  # None only without a timestamp
    return {"X-Slack-Signature": signature, "X-Slack-Request-Timestamp": ts}


def new_trigger_id() -> str:
    """A trigger_id in Slack's shape (``<digits>.<digits>.<hex>``)."""
    return f"{secrets.randbelow(10**13)}.{secrets.randbelow(10**13)}.{secrets.token_hex(16)}"


def slash_command_body(
    command: str,
    text: str,
    user_id: str,
    channel_id: str = RIVER,
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    *,
    user_name: str | None = None,
    channel_name: str = "river-collaborative",
    enterprise_id: str | None = None,
    response_url: str | None = None,
) -> str:
    """Form-encoded slash command body with every field Slack sends.

    ``enterprise_id`` is only included when given: Slack sends it for Enterprise Grid, and an
    empty string would make Bolt look installations up under ``enterprise_id == ""``.
    """
    fields: dict[str, str] = {
        "token": "verification-token-unused",
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
    }
    if enterprise_id is not None:
        fields["enterprise_id"] = enterprise_id
        fields["enterprise_name"] = "Test Enterprise"
    fields.update(
        {
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name or f"user-{user_id.lower()}",
            "command": command,
            "text": text,
            "api_app_id": API_APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url
            or f"https://hooks.slack.com/commands/{team_id}/{secrets.randbelow(10**12)}/{secrets.token_hex(12)}",
            "trigger_id": trigger_id or new_trigger_id(),
        }
    )
    return urlencode(fields)


def interactive_body(payload: dict[str, Any]) -> str:
    """Form-encoded ``payload=<json>`` body, as Slack sends interactivity requests."""
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))})


def _user(user_id: str, team_id: str) -> dict[str, str]:
    name = f"user-{user_id.lower()}"
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def view_submission_payload(
    view: dict[str, Any],
    values: dict[str, dict[str, dict[str, Any]]],
    user_id: str,
    *,
    team_id: str = TEAM_ID,
    view_id: str = "V0TEST0001",
    view_hash: str = "1700000000.abcdef01",
    trigger_id: str | None = None,
    response_urls: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A ``view_submission`` payload for ``view`` (the dict the bot opened) with the given state.

    ``values`` is ``{block_id: {action_id: {"type": ..., "value": ...}}}`` exactly as Slack sends
    ``view.state.values`` (numbers as strings or None, ``selected_option`` etc. by element type).
    """
    full_view = {
        "id": view_id,
        "team_id": team_id,
        "type": view.get("type", "modal"),
        "blocks": view.get("blocks", []),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "state": {"values": values},
        "hash": view_hash,
        "title": view.get("title"),
        "clear_on_close": view.get("clear_on_close", False),
        "notify_on_close": view.get("notify_on_close", False),
        "close": view.get("close"),
        "submit": view.get("submit"),
        "previous_view_id": None,
        "root_view_id": view_id,
        "app_id": API_APP_ID,
        "external_id": view.get("external_id", ""),
        "app_installed_team_id": team_id,
        "bot_id": "B0BOT00001",
    }
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": _user(user_id, team_id),
        "api_app_id": API_APP_ID,
        "token": "verification-token-unused",
        "trigger_id": trigger_id or new_trigger_id(),
        "view": full_view,
        "response_urls": response_urls or [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def block_actions_payload(
    action_id: str,
    user_id: str,
    *,
    value: str | None = None,
    block_id: str = "actions",
    action_type: str = "button",
    selected_option: dict[str, Any] | None = None,
    channel_id: str | None = RIVER,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
) -> dict[str, Any]:
    """A ``block_actions`` payload for one action, from a message (default) or a view (``view=``).

    For a message action pass ``message`` (e.g. the one the stand-in recorded, with its ``ts``);
    for an action inside a modal or the Home tab pass ``view`` (with ``id``, ``hash`` and ``state``).
    """
    action: dict[str, Any] = {
        "type": action_type,
        "action_id": action_id,
        "block_id": block_id,
        "action_ts": f"{time.time():.6f}",
    }
    if value is not None:
        action["value"] = value
    if selected_option is not None:
        action["selected_option"] = selected_option
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": API_APP_ID,
        "token": "verification-token-unused",
        "trigger_id": trigger_id or new_trigger_id(),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [action],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "V0TEST0001")}
        payload["view"] = {"state": {"values": {}}, **view}
    else:
        msg = message or {"type": "message", "ts": "1700000000.000100", "text": ""}
        payload["container"] = {
            "type": "message",
            "message_ts": msg.get("ts"),
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel_id, "name": "river-collaborative"}
        payload["message"] = msg
        payload["state"] = {"values": {}}
        payload["response_url"] = f"https://hooks.slack.com/actions/{team_id}/1/{secrets.token_hex(12)}"
    return payload


def event_body(
    event: dict[str, Any],
    event_id: str,
    team_id: str = TEAM_ID,
    *,
    event_time: int | None = None,
    api_app_id: str = API_APP_ID,
) -> str:
    """JSON ``event_callback`` envelope around ``event`` (e.g. app_home_opened, message)."""
    envelope = {
        "token": "verification-token-unused",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{secrets.token_hex(16)}",
    }
    return json.dumps(envelope, separators=(",", ":"))


class SlackRequests:
    """POSTs signed requests to ``{base_url}/slack/events``; each call returns (status, headers, body)."""

    def __init__(
        self,
        base_url: str,
        secret: str,
        *,
        path: str = "/slack/events",
        timeout: float = 10.0,
        response_urls: Callable[[], str] | None = None,
    ) -> None:
        self.url = base_url.rstrip("/") + path
        self.secret = secret
        self.timeout = timeout
        #: mints each command's ``response_url`` (e.g. ``SlackStandIn.response_url``)
        self.response_urls = response_urls

    def post(
        self,
        body: str,
        content_type: str,
        *,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> tuple[int, dict[str, str], str]:
        """Sign (with ``secret`` override for bad-signature tests) and POST ``body``."""
        headers = {"Content-Type": content_type, "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}
        headers.update(sign_request(secret or self.secret, body, timestamp))
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason
        req = urllib.request.Request(self.url, data=body.encode("utf-8"), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.status, dict(resp.headers.items()), resp.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers.items()), e.read().decode("utf-8")

    def command(
        self,
        command: str,
        text: str,
        user_id: str,
        *,
        retry_num: int | None = None,
        timestamp: int | None = None,
        **fields: Any,
    ) -> tuple[int, dict[str, str], str]:
        """A slash command; ``fields`` go to `slash_command_body` (channel_id, trigger_id, response_url,
        ...). Its ``response_url`` comes from ``response_urls`` when given."""
        if fields.get("response_url") is None and self.response_urls is not None:
            fields["response_url"] = self.response_urls()
        body = slash_command_body(command, text, user_id, **fields)
        return self.post(body, "application/x-www-form-urlencoded", retry_num=retry_num, timestamp=timestamp)

    def interact(
        self, payload: dict[str, Any], *, retry_num: int | None = None, timestamp: int | None = None
    ) -> tuple[int, dict[str, str], str]:
        """An interactivity request (block_actions, view_submission, ...)."""
        return self.post(
            interactive_body(payload),
            "application/x-www-form-urlencoded",
            retry_num=retry_num,
            timestamp=timestamp,
        )

    def event(
        self,
        event: dict[str, Any],
        event_id: str | None = None,
        *,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        timestamp: int | None = None,
        team_id: str = TEAM_ID,
    ) -> tuple[int, dict[str, str], str]:
        """An Events API ``event_callback``; reuse ``event_id`` with ``retry_num`` to simulate retries."""
        body = event_body(event, event_id or f"Ev{secrets.token_hex(5).upper()}", team_id)
        return self.post(
            body, "application/json", retry_num=retry_num, retry_reason=retry_reason, timestamp=timestamp
        )
