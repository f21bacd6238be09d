"""The WSGI application: ``POST /slack/events`` for Slack, ``GET /healthz`` for load balancers, and with
OAuth (installs in many workspaces) Slack's install flow: ``GET /slack/install`` and
``GET /slack/oauth_redirect``."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from bot.slack import envelope
from storage.db import Database

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

EVENTS_PATH = "/slack/events"
#: ``/healthz`` answers 503 when the database has not answered within this many seconds.
HEALTH_WAIT_S = 1.5


def _json(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def _malformed(environ: dict[str, Any], verifier: SignatureVerifier | None) -> str | None:
    """Read the body (and put it back for Bolt); the part of a signed body Bolt could not read.

    A body whose signature does not check out is left to Bolt, which answers 401 as always.
    """
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(raw)
    found = envelope.problem(raw, environ.get("CONTENT_TYPE", ""))
    if found is None or verifier is None:
        return found
    headers = {
        "x-slack-signature": environ.get("HTTP_X_SLACK_SIGNATURE", ""),
        "x-slack-request-timestamp": environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""),
    }
    return found if verifier.is_valid_request(raw, headers) else None


def create_wsgi_app(app: App, db: Database) -> WsgiApp:
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    secret = getattr(app, "_signing_secret", None)  # Bolt keeps the one it was built with
    verifier = SignatureVerifier(secret) if isinstance(secret, str) and secret else None
    flow = app.oauth_flow
    install_paths = {flow.install_path, flow.redirect_uri_path} if flow is not None else set()

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path in install_paths:
            if method != "GET":
                return _json(start_response, "405 Method Not Allowed", {"error": "GET only"})
            return slack(environ, start_response)
        if path == EVENTS_PATH:
            if method != "POST":
                return _json(start_response, "405 Method Not Allowed", {"error": "POST only"})
            if (part := _malformed(environ, verifier)) is not None:
                log.warning("refused a malformed Slack request: %s", part)  # which part, never its content
                return _json(start_response, "400 Bad Request", {"error": f"malformed request ({part})"})
            return slack(environ, start_response)
        if path == "/healthz" and method in ("GET", "HEAD"):
            if db.ping_within(HEALTH_WAIT_S):
                return _json(start_response, "200 OK", {"status": "ok", "database": "ok"})
            return _json(start_response, "503 Service Unavailable", {"status": "error", "database": "down"})
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return application
