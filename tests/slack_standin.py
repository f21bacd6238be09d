"""A loopback stand-in for the Slack Web API, for end-to-end tests.

`SlackStandIn` runs a real HTTP server on 127.0.0.1 (a free port, daemon thread) that answers
the Web API methods a bot uses in Slack's response shapes, records every call, enforces Block
Kit limits the way Slack does, and can inject failures (429 / 5xx) and per-channel rate limits.
Point a real ``slack_sdk.WebClient(base_url=standin.base_url, token="xoxb-test-token")`` at it.

Workspaces: every bot token belongs to one workspace (``xoxb-test-token`` to ``T0TEST0001``;
`add_workspace` adds more, optionally with an OAuth ``code`` that ``oauth.v2.access`` exchanges for
the token after checking the app's client id and secret, sent as HTTP Basic auth like slack_sdk
does). Each call records the token it came with and its workspace. Where Slack can tell, a token
only reaches its own workspace: a channel belongs to the workspace that created it, first posted
to it or registered it (``add_channel(..., team_id=...)``), and a view to the workspace that opened
it; another workspace's token gets ``channel_not_found`` / ``not_found``, as in Slack.

Slash-command answers: Slack gives every command a ``response_url`` (``hooks.slack.com/commands/…``)
the app may POST a message to after its acknowledgement. `response_url` mints one on the stand-in
(``/respond/<id>``); what is POSTed there (JSON, Block Kit checked as a message) is recorded in
``responses`` and read back with `responses_to` / `wait_for_response`.

Retry-After and slack_sdk (checked in slack_sdk 3.48, ``http_retry/builtin_handlers.py``):
``RateLimitErrorRetryHandler.prepare_for_next_attempt`` sleeps
``int(response.headers["Retry-After"][0]) + random.random()`` seconds. So

* the header must be an integer string: a fractional value such as ``"0.01"`` makes ``int()``
  raise ``ValueError``, which escapes from the API call (it is raised inside the client's
  ``except HTTPError`` branch, where no other handler catches it);
* even ``Retry-After: 0`` costs up to one second of random jitter per retry;
* ``max_retry_count`` defaults to 1, and the retry counter is shared by all handlers of a client,
  so ``fail_next(2)`` needs handlers built with ``max_retry_count >= 2``.

Therefore this stand-in always sends an integer ``Retry-After`` (ceil of the wait, at least 1 for
rate limiting), and additionally sends the exact wait in real seconds as ``X-Retry-After-Exact``
(e.g. ``"0.010"``). With ``enforce_rate_limits(time_scale=0.01)`` Slack's rates run 100x faster;
the stock handler then over-waits (1-2 s), so benchmarks should attach
`ExactRetryAfterHandler`, which sleeps exactly ``X-Retry-After-Exact`` seconds without jitter.
"""

from __future__ import annotations

import base64
import itertools
import json
import math
import random
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from tests.constants import API_APP_ID, BOT_ID, BOT_TOKEN, BOT_USER_ID, TEAM_ID

__all__ = [
    "Call",
    "ExactRetryAfterHandler",
    "Response",
    "SlackStandIn",
    "validate_blocks",
    "validate_view",
]

UPLOAD_METHOD = "(upload)"  # method name recorded for raw uploads to an upload_url
RESPOND_METHOD = "(respond)"  # the "method" to fail POSTs to a response_url with (`fail_next`)

# Not Web API methods: failed only when a rule names them.
_RAW_METHODS = frozenset({UPLOAD_METHOD, RESPOND_METHOD})
# Form fields that slack_sdk sends as JSON strings.
_JSON_FIELDS = frozenset({"blocks", "attachments", "view", "files", "metadata", "unfurls", "options"})
_MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update"})
_VIEW_METHODS = frozenset({"views.open", "views.update", "views.push", "views.publish"})


@dataclass
class Call:
    """One recorded Web API call. ``at`` is ``time.time()`` when the request arrived."""

    method: str
    args: dict[str, Any]
    status: int
    at: float
    response: dict[str, Any] | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)  # the token the call came with
    team_id: str | None = None  # the workspace of that token (None when the token is unknown)

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response and self.response.get("ok"))


@dataclass
class Response:
    """One message POSTed to a ``response_url`` the stand-in minted (``status`` is what it answered)."""

    url: str
    message: dict[str, Any]
    status: int
    at: float


# --------------------------------------------------------------------------------------------
# Block Kit validation
# --------------------------------------------------------------------------------------------

_BLOCK_LIMITS = {"message": 50, "modal": 100, "home": 100}
_KNOWN_BLOCKS = frozenset(
    {
        "section",
        "header",
        "divider",
        "image",
        "actions",
        "context",
        "input",
        "rich_text",
        "file",
        "video",
        "markdown",
    }
)
_OPTION_ELEMENTS = frozenset(
    {"static_select", "multi_static_select", "radio_buttons", "checkboxes", "overflow"}
)


class _Checker:
    def __init__(self, surface: str) -> None:
        self.surface = surface
        self.errors: list[str] = []
        self.block_ids: set[str] = set()

    def err(self, msg: str, ptr: str) -> None:
        self.errors.append(f"{msg} [json-pointer:{ptr}]")

    def text(
        self,
        obj: Any,
        ptr: str,
        max_len: int | None,
        *,
        plain_only: bool = False,
        required: bool = True,
    ) -> None:
        if obj is None:
            if required:
                self.err("must provide an object", ptr)
            return
        if not isinstance(obj, dict):
            self.err("must provide an object", ptr)
            return
        kind = obj.get("type")
        allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
        if kind not in allowed:
            self.err(f"must be one of {', '.join(allowed)}", f"{ptr}/type")
        value = obj.get("text")
        if not isinstance(value, str):
            self.err("must provide a string", f"{ptr}/text")
            return
        if len(value) == 0:
            self.err("must be more than 0 characters", f"{ptr}/text")
        if max_len is not None and len(value) > max_len:
            self.err(f"must be less than {max_len + 1} characters", f"{ptr}/text")

    def string(self, value: Any, ptr: str, max_len: int) -> None:
        if value is None:
            return
        if not isinstance(value, str):
            self.err("must provide a string", ptr)
        elif len(value) > max_len:
            self.err(f"must be less than {max_len + 1} characters", ptr)

    def options(self, opts: Any, ptr: str, max_items: int = 100) -> None:
        if not isinstance(opts, list):
            self.err("must provide an array", ptr)
            return
        if len(opts) > max_items:
            self.err(f"must be less than {max_items + 1} items", ptr)
        for i, opt in enumerate(opts):
            p = f"{ptr}/{i}"
            if not isinstance(opt, dict):
                self.err("must provide an object", p)
                continue
            self.text(opt.get("text"), f"{p}/text", 75)
            self.string(opt.get("value"), f"{p}/value", 150)
            if opt.get("description") is not None:
                self.text(opt.get("description"), f"{p}/description", 75)

    def element(self, el: Any, ptr: str) -> None:
        if not isinstance(el, dict):
            self.err("must provide an object", ptr)
            return
        kind = el.get("type")
        if not isinstance(kind, str):
            self.err("must provide a string", f"{ptr}/type")
            return
        self.string(el.get("action_id"), f"{ptr}/action_id", 255)
        if kind in ("image",):
            self.string(el.get("alt_text"), f"{ptr}/alt_text", 2000)
            return
        if kind in ("plain_text", "mrkdwn"):  # context elements
            self.text(el, ptr, 3000)
            return
        if kind == "button":
            self.text(el.get("text"), f"{ptr}/text", 75, plain_only=True)
            self.string(el.get("value"), f"{ptr}/value", 2000)
            self.string(el.get("url"), f"{ptr}/url", 3000)
        if el.get("placeholder") is not None:
            self.text(el.get("placeholder"), f"{ptr}/placeholder", 150, plain_only=True)
        if kind in _OPTION_ELEMENTS:
            limit = {"overflow": 5, "radio_buttons": 10, "checkboxes": 10}.get(kind, 100)
            if "option_groups" in el:
                groups = el["option_groups"]
                if not isinstance(groups, list) or len(groups) > 100:
                    self.err("must be less than 101 items", f"{ptr}/option_groups")
                else:
                    for gi, group in enumerate(groups):
                        gp = f"{ptr}/option_groups/{gi}"
                        if isinstance(group, dict):
                            self.text(group.get("label"), f"{gp}/label", 75, plain_only=True)
                            self.options(group.get("options"), f"{gp}/options")
            elif "options" in el or kind != "static_select" and kind != "multi_static_select":
                self.options(el.get("options"), f"{ptr}/options", limit)
            else:
                self.err("must provide options or option_groups", ptr)
            for key in ("initial_option",):
                if isinstance(el.get(key), dict):
                    self.options([el[key]], f"{ptr}/{key}")
        if kind == "plain_text_input":
            if el.get("max_length") is not None and not (0 < int(el["max_length"]) <= 3000):
                self.err("must be between 1 and 3000", f"{ptr}/max_length")

    def block(self, block: Any, ptr: str) -> None:
        if not isinstance(block, dict):
            self.err("must provide an object", ptr)
            return
        kind = block.get("type")
        if kind not in _KNOWN_BLOCKS:
            self.err(f"unknown block type {kind!r}", f"{ptr}/type")
            return
        bid = block.get("block_id")
        if bid is not None:
            if not isinstance(bid, str) or len(bid) > 255:
                self.err("must be less than 256 characters", f"{ptr}/block_id")
            elif bid in self.block_ids:
                self.err(f"duplicate block_id {bid!r}", f"{ptr}/block_id")
            else:
                self.block_ids.add(bid)
        if kind == "section":
            if block.get("text") is None and block.get("fields") is None:
                self.err("must provide text or fields", ptr)
            if block.get("text") is not None:
                self.text(block["text"], f"{ptr}/text", 3000)
            fields = block.get("fields")
            if fields is not None:
                if not isinstance(fields, list):
                    self.err("must provide an array", f"{ptr}/fields")
                else:
                    if len(fields) > 10:
                        self.err("must be less than 11 items", f"{ptr}/fields")
                    for i, f in enumerate(fields):
                        self.text(f, f"{ptr}/fields/{i}", 2000)
            if block.get("accessory") is not None:
                self.element(block["accessory"], f"{ptr}/accessory")
        elif kind == "header":
            self.text(block.get("text"), f"{ptr}/text", 150, plain_only=True)
        elif kind == "input":
            if self.surface == "message":
                self.err("input blocks are not allowed in messages", f"{ptr}/type")
            self.text(block.get("label"), f"{ptr}/label", 2000, plain_only=True)
            if block.get("hint") is not None:
                self.text(block["hint"], f"{ptr}/hint", 2000, plain_only=True)
            if block.get("element") is None:
                self.err("must provide an object", f"{ptr}/element")
            else:
                self.element(block["element"], f"{ptr}/element")
        elif kind in ("actions", "context"):
            elements = block.get("elements")
            limit = 25 if kind == "actions" else 10
            if not isinstance(elements, list) or not elements:
                self.err("must provide a non-empty array", f"{ptr}/elements")
            else:
                if len(elements) > limit:
                    self.err(f"must be less than {limit + 1} items", f"{ptr}/elements")
                for i, el in enumerate(elements):
                    self.element(el, f"{ptr}/elements/{i}")
        elif kind == "image":
            if not block.get("image_url") and not block.get("slack_file"):
                self.err("must provide image_url or slack_file", ptr)
            self.string(block.get("alt_text"), f"{ptr}/alt_text", 2000)
            if block.get("title") is not None:
                self.text(block["title"], f"{ptr}/title", 2000, plain_only=True)


def validate_blocks(blocks: Any, surface: str, *, pointer: str = "/blocks") -> list[str]:
    """Check ``blocks`` against Slack's Block Kit limits for ``surface`` ("message" | "modal" | "home").

    Returns Slack-style error strings, e.g. ``"must be less than 51 items [json-pointer:/blocks]"``;
    an empty list means the blocks are valid.
    """
    if surface not in _BLOCK_LIMITS:
        raise ValueError(f"unknown surface {surface!r}")
    checker = _Checker(surface)
    if blocks is None:
        return []
    if not isinstance(blocks, list):
        checker.err("must provide an array", pointer)
        return checker.errors
    limit = _BLOCK_LIMITS[surface]
    if len(blocks) > limit:
        checker.err(f"must be less than {limit + 1} items", pointer)
    for i, block in enumerate(blocks):
        checker.block(block, f"{pointer}/{i}")
    return checker.errors


def validate_view(view: Any, *, pointer: str = "/view") -> list[str]:
    """Check a modal or Home tab view (type, title/submit/close, metadata, size and its blocks)."""
    checker = _Checker("modal")
    if not isinstance(view, dict):
        checker.err("must provide an object", pointer)
        return checker.errors
    kind = view.get("type")
    if kind not in ("modal", "home"):
        checker.err("must be one of modal, home", f"{pointer}/type")
        return checker.errors
    if kind == "modal":
        checker.text(view.get("title"), f"{pointer}/title", 24, plain_only=True)
        for key in ("submit", "close"):
            if view.get(key) is not None:
                checker.text(view[key], f"{pointer}/{key}", 24, plain_only=True)
        blocks = view.get("blocks") or []
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and view.get("submit") is None:
            checker.err("must provide submit when the view has input blocks", f"{pointer}/submit")
    checker.string(view.get("private_metadata"), f"{pointer}/private_metadata", 3000)
    checker.string(view.get("callback_id"), f"{pointer}/callback_id", 255)
    checker.string(view.get("external_id"), f"{pointer}/external_id", 255)
    size = len(json.dumps(view, separators=(",", ":")).encode("utf-8"))
    if size > 250_000:
        checker.err(f"view is {size} bytes; must be at most 250000", pointer)
    if "blocks" not in view:
        checker.err("must provide an array", f"{pointer}/blocks")
    errors = checker.errors
    errors += validate_blocks(view.get("blocks"), kind, pointer=f"{pointer}/blocks")
    return errors


# --------------------------------------------------------------------------------------------
# Retry handler for scaled rate limits
# --------------------------------------------------------------------------------------------


class ExactRetryAfterHandler(RetryHandler):
    """Retries 429s, sleeping exactly ``X-Retry-After-Exact`` (else ``Retry-After``) seconds, no jitter."""

    def __init__(self, max_retry_count: int = 10) -> None:
        super().__init__(max_retry_count=max_retry_count)

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code == 429

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        headers = {k.lower(): v for k, v in (response.headers if response else {}).items()}
        raw = headers.get("x-retry-after-exact") or headers.get("retry-after") or ["1"]
        value = raw[0] if isinstance(raw, list) else raw
        time.sleep(max(0.0, float(value)))
        state.increment_current_attempt()


# --------------------------------------------------------------------------------------------
# The stand-in
# --------------------------------------------------------------------------------------------


@dataclass
class _FailRule:
    remaining: int
    status: int
    retry_after: float
    method: str | None


@dataclass
class _FractionRule:
    p: float
    statuses: tuple[int, ...]
    rng: random.Random
    retry_after: float
    method: str | None


@dataclass
class _Response:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def _fmt_seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


class _Handler(BaseHTTPRequestHandler):
    server_version = "SlackStandIn/1.0"
    standin: SlackStandIn  # set on the subclass created per server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature from base class
        pass

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        resp = self.standin._dispatch(self.command, self.path, dict(self.headers.items()), body)
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(resp.body)


class SlackStandIn:
    """Loopback Slack Web API. Use as ``with SlackStandIn() as slack: WebClient(base_url=slack.base_url)``.

    Recorded state (read it under no lock; it is only appended to/replaced atomically):
    ``calls`` (every call, failed ones too), ``uploads`` (file id -> bytes),
    ``completed_uploads`` (files.completeUploadExternal args), ``views`` (view id -> current view),
    ``home_views`` (user id -> published Home view), ``channels`` (id -> channel dict),
    ``posted`` (channel -> {ts: message} for live, undeleted messages).
    """

    def __init__(self, valid_tokens: Iterable[str] | None = None, *, trigger_ttl: float = 3.0) -> None:
        self.valid_tokens: set[str] = set(valid_tokens) if valid_tokens is not None else {BOT_TOKEN}
        self.trigger_ttl = trigger_ttl
        self._default_trigger_ttl = trigger_ttl
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.users: dict[str, dict[str, Any]] = {}
        #: token -> the workspace it belongs to (team_id, enterprise_id, bot_user_id, bot_id)
        self.workspaces: dict[str, dict[str, Any]] = {BOT_TOKEN: DEFAULT_WORKSPACE}
        self.oauth_apps: dict[str, str] = {}  # client_id -> client_secret
        self._install_codes: dict[str, str] = {}  # OAuth code -> bot token (each code works once)
        self._caller: dict[str, Any] = self.workspaces[BOT_TOKEN]
        self._reset_state()

    # ---- lifecycle ------------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        if self._server is not None:
            return self
        handler = type("_BoundHandler", (_Handler,), {"standin": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="slack-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("SlackStandIn is not started")
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/api/`` - pass to ``WebClient(base_url=...)``."""
        return f"{self.root_url}/api/"

    # ---- state --------------------------------------------------------------------------------

    def _reset_state(self) -> None:
        self.calls: list[Call] = []
        self.responses: list[Response] = []
        self.uploads: dict[str, bytes] = {}
        self.completed_uploads: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.posted: dict[str, dict[str, dict[str, Any]]] = {}
        self._pending_files: dict[str, dict[str, Any]] = {}
        self._ims: dict[str, str] = {}
        self._stacks: dict[str, list[str]] = {}  # root view id -> view ids, bottom first
        self._last_root: str | None = None
        self._triggers: dict[str, dict[str, Any]] = {}
        self._fail_rules: list[_FailRule] = []
        self._fraction: _FractionRule | None = None
        self._rate: dict[str, float] | None = None
        self._buckets: dict[str, tuple[float, float]] = {}
        self._channel_teams: dict[str, str] = {}  # channel id -> the workspace it belongs to
        self._ids = itertools.count(1)
        self._ts_micros = 1_700_000_000_000_000
        self._history_denied: dict[str | None, str] = {}  # channel (None: every channel) -> error
        #: user id -> the error ``conversations.invite`` gives for them (e.g. a deactivated account)
        self.uninvitable: dict[str, str] = {}

    def reset(self) -> None:
        """Forget calls, messages, views, channels, uploads, failures, rate limits; restore trigger_ttl.

        Users added with `add_user` and ``valid_tokens`` are kept.
        """
        with self._lock:
            self._reset_state()
            self.trigger_ttl = self._default_trigger_ttl

    def response_url(self) -> str:
        """A fresh ``response_url`` on the stand-in, as Slack sends with each slash command."""
        return f"{self.root_url}/respond/{next(self._ids)}/{random.getrandbits(64):016x}"

    def responses_to(self, url: str) -> list[dict[str, Any]]:
        """The messages accepted at ``url`` (a `response_url`), oldest first."""
        with self._lock:
            return [r.message for r in self.responses if r.url == url and r.status == 200]

    def wait_for_response(self, url: str, timeout: float = 10.0) -> dict[str, Any]:
        """The first message accepted at ``url``, waiting up to ``timeout`` seconds for it."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.responses_to(url)
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"nothing was sent to the response_url {url}")
            time.sleep(0.02)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Args of successful chat.postMessage calls (optionally to ``channel``), oldest first."""
        with self._lock:
            return [
                c.args
                for c in self.calls
                if c.method == "chat.postMessage"
                and c.ok
                and (channel is None or c.args.get("channel") == channel)
            ]

    def add_user(self, user_id: str, real_name: str | None = None, **fields: Any) -> dict[str, Any]:
        """Define a user that users.info returns (fields override the defaults, e.g. ``tz=...``)."""
        user = self._make_user(user_id)
        if real_name is not None:
            user["real_name"] = real_name
            user["profile"]["real_name"] = real_name
        user.update(fields)
        with self._lock:
            self.users[user_id] = user
        return user

    def add_channel(
        self,
        channel_id: str,
        name: str,
        members: Iterable[str] = (),
        *,
        team_id: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Define a channel (of workspace ``team_id``; by default of whichever workspace uses it first)."""
        ch = self._make_channel(channel_id, name)
        ch["members"] = list(members)
        ch.update(fields)
        with self._lock:
            self.channels[channel_id] = ch
            if team_id is not None:
                self._channel_teams[channel_id] = team_id
        return ch

    def add_workspace(
        self,
        team_id: str,
        token: str,
        *,
        enterprise_id: str | None = None,
        code: str | None = None,
        bot_user_id: str | None = None,
        installer: str = "U0INSTAL01",
    ) -> None:
        """A workspace whose bot token is ``token``; with ``code``, ``oauth.v2.access`` installs it."""
        with self._lock:
            bot_user = bot_user_id or f"U0BOT{team_id[-5:]}"
            self.workspaces[token] = _workspace(team_id, enterprise_id, bot_user, f"B0{team_id[-8:]}")
            self.workspaces[token]["installer"] = installer
            self.valid_tokens.add(token)
            if code is not None:
                self._install_codes[code] = token

    def register_oauth_app(self, client_id: str, client_secret: str) -> None:
        """The app whose credentials ``oauth.v2.access`` accepts (HTTP Basic auth)."""
        with self._lock:
            self.oauth_apps[client_id] = client_secret

    def team_of(self, token: str | None) -> str | None:
        """The workspace a token belongs to (None for an unknown one)."""
        found = self.workspaces.get(token or "")
        return str(found["team_id"]) if found else None

    def issue_trigger_id(self, view_id: str | None = None) -> str:
        """A trigger_id that views.open/push honour like Slack: single use, expires after ``trigger_ttl``.

        ``view_id`` ties it to that view's modal stack (as a trigger from an interaction in a modal),
        so views.push counts against that stack. Trigger ids not issued here are accepted freely.
        """
        with self._lock:
            tid = f"{next(self._ids)}.{int(time.time())}.{random.getrandbits(64):016x}"
            self._triggers[tid] = {"issued": time.monotonic(), "used": False, "view_id": view_id}
            return tid

    def modal_stack(self, view_id: str | None = None) -> list[dict[str, Any]]:
        """Views in the stack holding ``view_id`` (default: the latest opened stack), bottom first."""
        with self._lock:
            root = self._root_of(view_id) if view_id else self._last_root
            return [self.views[v] for v in self._stacks.get(root or "", [])]

    # ---- failure injection and rate limits ----------------------------------------------------

    def fail_next(
        self, n: int, status: int = 429, retry_after: float = 1, *, method: str | None = None
    ) -> None:
        """Answer the next ``n`` calls (to ``method`` if given) with ``status`` instead of handling them.

        429 carries ``Retry-After: retry_after`` and ``{"ok": false, "error": "ratelimited"}``;
        other statuses carry a short plain-text body. Uploads are only failed with ``method="(upload)"``,
        POSTs to a response_url with ``method="(respond)"``.
        """
        with self._lock:
            self._fail_rules.append(_FailRule(n, status, retry_after, method))

    def fail_fraction(
        self,
        p: float,
        statuses: Iterable[int] = (429, 503),
        seed: int = 0,
        retry_after: float = 0,
        *,
        method: str | None = None,
    ) -> None:
        """Answer a seeded-random fraction ``p`` of API calls with one of ``statuses``."""
        with self._lock:
            self._fraction = _FractionRule(p, tuple(statuses), random.Random(seed), retry_after, method)

    def clear_failures(self) -> None:
        with self._lock:
            self._fail_rules.clear()
            self._fraction = None

    def enforce_rate_limits(
        self, per_channel_per_sec: float = 1.0, burst: float = 3.0, *, time_scale: float = 1.0
    ) -> None:
        """Token bucket per channel for chat.postMessage, like Slack's ~1 msg/s/channel with short bursts.

        ``time_scale`` scales Slack time to real time: 0.01 means 100 msg/s per channel. Over the
        limit: 429 with integer ``Retry-After`` = ceil(real wait), at least 1 (slack_sdk ``int()``s it),
        plus ``X-Retry-After-Exact`` with the exact real wait (see the module docstring).
        """
        with self._lock:
            self._rate = {"rate": per_channel_per_sec / time_scale, "burst": max(1.0, burst)}
            self._buckets.clear()

    def deny_history(self, error: str = "missing_scope", channels: Iterable[str] | None = None) -> None:
        """Answer ``conversations.history``/``replies`` with ``error`` (``missing_scope``: the app has
        no history scope; ``not_in_channel``: the bot is not a member), for ``channels`` or every one.

        By default the stand-in grants every history scope and lets the bot read any channel.
        """
        with self._lock:
            for channel in channels if channels is not None else [None]:
                self._history_denied[channel] = error

    def disable_rate_limits(self) -> None:
        with self._lock:
            self._rate = None
            self._buckets.clear()

    # ---- request plumbing ---------------------------------------------------------------------

    def _dispatch(self, verb: str, path: str, headers: dict[str, str], body: bytes) -> _Response:
        parts = urlsplit(path)
        now = time.time()
        if parts.path.startswith("/upload/"):
            return self._handle_upload(parts.path.rsplit("/", 1)[-1], headers, body, now)
        if parts.path.startswith("/respond/") and verb == "POST":
            return self._handle_response(f"{self.root_url}{parts.path}", body, now)
        if not parts.path.startswith("/api/"):
            return _Response(404, b"not found", "text/plain")
        method = parts.path[len("/api/") :].strip("/")
        args = self._parse_args(parts.query, headers, body)
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else args.pop("token", None)
        args.pop("token", None)
        team = self.team_of(token)
        with self._lock:
            failure = self._injected_failure(method)
            if failure is not None:
                self.calls.append(Call(method, args, failure.status, now, None, token, team))
                return failure
            if method == "oauth.v2.access":
                payload: dict[str, Any] = self._oauth_v2_access(auth, args)
            elif not token:
                payload = {"ok": False, "error": "not_authed"}
            elif token not in self.valid_tokens:
                payload = {"ok": False, "error": "invalid_auth"}
            else:
                limited = self._rate_limited(method, args)
                if limited is not None:
                    self.calls.append(
                        Call(method, args, 429, now, {"ok": False, "error": "ratelimited"}, token, team)
                    )
                    return limited
                self._caller = self.workspaces.get(token) or DEFAULT_WORKSPACE
                payload = self._handle(method, args)
            self.calls.append(Call(method, args, 200, now, payload, token, team))
        return _Response(200, json.dumps(payload).encode("utf-8"))

    def _oauth_v2_access(self, auth: str, args: dict[str, Any]) -> dict[str, Any]:
        """Exchange an install ``code`` for a bot token; the app authenticates with HTTP Basic auth."""
        client_id, client_secret = args.get("client_id"), args.get("client_secret")
        if auth.lower().startswith("basic "):
            try:
                client_id, _, client_secret = base64.b64decode(auth[6:].strip()).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return {"ok": False, "error": "invalid_client_id"}
        if not client_id or client_id not in self.oauth_apps:
            return {"ok": False, "error": "invalid_client_id"}
        if client_secret != self.oauth_apps[client_id]:
            return {"ok": False, "error": "bad_client_secret"}
        token = self._install_codes.pop(str(args.get("code") or ""), None)
        if token is None:
            return {"ok": False, "error": "invalid_code"}
        ws = self.workspaces[token]
        enterprise = {"id": ws["enterprise_id"], "name": "Test Enterprise"} if ws["enterprise_id"] else None
        return {
            "ok": True,
            "access_token": token,
            "token_type": "bot",
            "scope": "commands,chat:write",
            "bot_user_id": ws["bot_user_id"],
            "app_id": API_APP_ID,
            "team": {"id": ws["team_id"], "name": f"Workspace {ws['team_id']}"},
            "enterprise": enterprise,
            "is_enterprise_install": False,
            "authed_user": {"id": ws.get("installer", "U0INSTAL01")},
        }

    @staticmethod
    def _parse_args(query: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "").lower()
        args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
        if body:
            if "application/json" in ctype:
                parsed = json.loads(body.decode("utf-8"))
                if isinstance(parsed, dict):
                    args.update(parsed)
            elif "multipart/form-data" in ctype:
                args.update({k: v for k, v in _parse_multipart(ctype, body).items() if isinstance(v, str)})
            else:
                args.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        for key in _JSON_FIELDS & args.keys():
            value = args[key]
            if isinstance(value, str) and value[:1] in ("[", "{"):
                try:
                    args[key] = json.loads(value)
                except ValueError:
                    pass
        return args

    def _injected_failure(self, method: str) -> _Response | None:
        for rule in self._fail_rules:
            if rule.remaining > 0 and (
                rule.method == method or (rule.method is None and method not in _RAW_METHODS)
            ):
                rule.remaining -= 1
                return self._failure_response(rule.status, rule.retry_after)
        self._fail_rules = [r for r in self._fail_rules if r.remaining > 0]
        fr = self._fraction
        if fr is not None and (fr.method == method or (fr.method is None and method not in _RAW_METHODS)):
            if fr.rng.random() < fr.p:
                return self._failure_response(fr.rng.choice(fr.statuses), fr.retry_after)
        return None

    @staticmethod
    def _failure_response(status: int, retry_after: float) -> _Response:
        if status == 429:
            return _Response(
                429,
                b'{"ok": false, "error": "ratelimited"}',
                headers={
                    "Retry-After": _fmt_seconds(retry_after),
                    "X-Retry-After-Exact": f"{retry_after:.3f}",
                },
            )
        return _Response(status, f"{status} stand-in failure".encode(), "text/plain")

    def _rate_limited(self, method: str, args: dict[str, Any]) -> _Response | None:
        if self._rate is None or method != "chat.postMessage":
            return None
        rate, burst = self._rate["rate"], self._rate["burst"]
        key = str(args.get("channel"))
        now = time.monotonic()
        tokens, last = self._buckets.get(key, (burst, now))
        tokens = min(burst, tokens + (now - last) * rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return None
        self._buckets[key] = (tokens, now)
        wait = (1.0 - tokens) / rate
        return _Response(
            429,
            b'{"ok": false, "error": "ratelimited"}',
            headers={"Retry-After": str(max(1, math.ceil(wait))), "X-Retry-After-Exact": f"{wait:.3f}"},
        )

    def _handle_response(self, url: str, body: bytes, now: float) -> _Response:
        """A message POSTed to a response_url: JSON with text and/or blocks (checked as a message).
        ``fail_next(n, status, method="(respond)")`` fails the next ones (nothing recorded)."""
        with self._lock:
            failure = self._injected_failure(RESPOND_METHOD)
        if failure is not None:
            return failure
        try:
            message = json.loads(body.decode("utf-8"))
        except ValueError:
            message = None
        if not isinstance(message, dict):
            status, answer = 400, b"invalid_payload"
            message = {}
        elif not message.get("text") and not message.get("blocks"):
            status, answer = 400, b"no_text"
        elif "blocks" in message and validate_blocks(message["blocks"], "message"):
            status, answer = 400, b"invalid_blocks"
        else:
            status, answer = 200, b"ok"
        with self._lock:
            self.responses.append(Response(url, message, status, now))
        return _Response(status, answer, "text/plain")

    def _handle_upload(self, file_id: str, headers: dict[str, str], body: bytes, now: float) -> _Response:
        ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        with self._lock:
            failure = self._injected_failure(UPLOAD_METHOD)
            if failure is not None:
                self.calls.append(Call(UPLOAD_METHOD, {"file_id": file_id}, failure.status, now, None))
                return failure
            if file_id not in self._pending_files:
                self.calls.append(Call(UPLOAD_METHOD, {"file_id": file_id}, 404, now, None))
                return _Response(404, b"unknown upload url", "text/plain")
            data = body
            if "multipart/form-data" in ctype.lower():
                files = [v for v in _parse_multipart(ctype, body).values() if isinstance(v, bytes)]
                data = files[0] if files else b""
            self.uploads[file_id] = data
            args = {"file_id": file_id, "length": len(data)}
            self.calls.append(Call(UPLOAD_METHOD, args, 200, now, {"ok": True}))
        return _Response(200, f"OK - {len(data)}".encode(), "text/plain")

    # ---- helpers --------------------------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}X"

    def _next_ts(self) -> str:
        self._ts_micros = max(self._ts_micros + 100, int(time.time() * 1_000_000) // 100 * 100)
        return f"{self._ts_micros // 1_000_000}.{self._ts_micros % 1_000_000:06d}"

    @staticmethod
    def _make_user(user_id: str) -> dict[str, Any]:
        name = f"user-{user_id.lower()}"
        real = f"Test User {user_id}"
        return {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "real_name": real,
            "deleted": False,
            "is_bot": False,
            "is_admin": False,
            "tz": "America/Los_Angeles",
            "tz_label": "Pacific Standard Time",
            "tz_offset": -28800,
            "profile": {
                "real_name": real,
                "display_name": name,
                "email": f"{user_id.lower()}@example.org",
                "image_72": "https://example.org/avatar.png",
            },
        }

    @staticmethod
    def _make_channel(channel_id: str, name: str) -> dict[str, Any]:
        return {
            "id": channel_id,
            "name": name,
            "is_channel": channel_id.startswith("C"),
            "is_group": False,
            "is_im": channel_id.startswith("D"),
            "is_private": channel_id.startswith("G"),
            "is_archived": False,
            "is_member": True,
            "created": int(time.time()),
            "creator": BOT_USER_ID,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "members": [],
        }

    def _channel(self, channel_id: str) -> dict[str, Any]:
        if channel_id not in self.channels:
            self.channels[channel_id] = self._make_channel(channel_id, channel_id.lower())
        return self.channels[channel_id]

    @staticmethod
    def _public_channel(ch: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in ch.items() if k != "members"}

    def _root_of(self, view_id: str | None) -> str | None:
        for root, ids in self._stacks.items():
            if view_id in ids:
                return root
        return None

    def _use_trigger(self, trigger_id: Any) -> str | None:
        """Error code if the trigger is not usable, else None (marks issued triggers used)."""
        if not trigger_id:
            return "invalid_arguments"
        info = self._triggers.get(str(trigger_id))
        if info is None:
            return None
        if info["used"]:
            return "exchanged_trigger_id"
        if time.monotonic() - info["issued"] > self.trigger_ttl:
            return "expired_trigger_id"
        info["used"] = True
        return None

    # ---- method handlers ----------------------------------------------------------------------

    def _owns_channel(self, channel: Any) -> bool:
        """Whether the calling token's workspace may address ``channel`` (unknown ones are adopted)."""
        cid = str(channel or "")
        if not cid or cid[0] not in "CGD":
            return True  # a user id (a direct message) or nothing: checked elsewhere
        owner = self._channel_teams.setdefault(cid, self._caller["team_id"])
        return bool(owner == self._caller["team_id"])

    def _handle(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        handler = _METHODS.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        channel = args.get("channel_id") if method == "files.completeUploadExternal" else args.get("channel")
        if (method in _MESSAGE_METHODS or method.startswith("conversations.")) or channel is not None:
            if not self._owns_channel(channel):
                return {"ok": False, "error": "channel_not_found"}
        if method in _MESSAGE_METHODS:
            text = args.get("text")
            if isinstance(text, str) and len(text) > 40_000:
                return {"ok": False, "error": "msg_too_long"}
            errors = validate_blocks(args.get("blocks"), "message")
            if errors:
                return {"ok": False, "error": "invalid_blocks", "errors": errors}
        if method in _VIEW_METHODS:
            view = args.get("view")
            if isinstance(view, str):
                return _invalid_args(["[ERROR] failed to parse view JSON [json-pointer:/view]"])
            errors = validate_view(view)
            if method == "views.publish" and isinstance(view, dict) and view.get("type") != "home":
                errors.append("must be home [json-pointer:/view/type]")
            if method != "views.publish" and isinstance(view, dict) and view.get("type") != "modal":
                errors.append("must be modal [json-pointer:/view/type]")
            if errors:
                return _invalid_args([f"[ERROR] {e}" for e in errors])
        return handler(self, args)

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        ws = self._caller
        answer = {
            "ok": True,
            "url": f"https://{str(ws['team_id']).lower()}.slack.com/",
            "team": f"Workspace {ws['team_id']}",
            "user": "collab-bot",
            "team_id": ws["team_id"],
            "user_id": ws["bot_user_id"],
            "bot_id": ws["bot_id"],
            "is_enterprise_install": False,
        }
        if ws["enterprise_id"]:
            answer["enterprise_id"] = ws["enterprise_id"]
        return answer

    def _message(self, args: dict[str, Any], ts: str) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "type": "message",
            "user": self._caller["bot_user_id"],
            "bot_id": self._caller["bot_id"],
            "app_id": API_APP_ID,
            "team": self._caller["team_id"],
            "text": args.get("text") or "",
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if args.get(key) is not None:
                msg[key] = args[key]
        return msg

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks") and not args.get("attachments"):
            return {"ok": False, "error": "no_text"}
        metadata_error = _metadata_error(args.get("metadata"))
        if metadata_error:
            return {"ok": False, "error": metadata_error}
        channel = str(channel)
        if channel.startswith("U") or channel.startswith("W"):  # posting to a user id opens the DM
            channel = self._open_im(channel)
        ts = self._next_ts()
        msg = self._message(args, ts)
        self.posted.setdefault(channel, {})[ts] = msg
        return {"ok": True, "channel": channel, "ts": ts, "message": msg}

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        if not args.get("text") and not args.get("blocks") and not args.get("attachments"):
            return {"ok": False, "error": "no_text"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel")), str(args.get("ts"))
        msgs = self.posted.get(channel, {})
        if ts not in msgs:
            return {"ok": False, "error": "message_not_found"}
        msg = self._message(args, ts)
        msg["edited"] = {"user": self._caller["bot_user_id"], "ts": self._next_ts()}
        msgs[ts] = msg
        return {"ok": True, "channel": channel, "ts": ts, "text": msg["text"], "message": msg}

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel")), str(args.get("ts"))
        if self.posted.get(channel, {}).pop(ts, None) is None:
            return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "channel": channel, "ts": ts}

    def _store_view(
        self, view: dict[str, Any], *, view_id: str | None, root: str | None, prev: str | None
    ) -> dict:
        vid = view_id or self._new_id("V")
        stored = {
            "id": vid,
            "team_id": self._caller["team_id"],
            "type": view.get("type"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{random.getrandbits(32):08x}",
            "title": view.get("title"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": prev,
            "root_view_id": root or vid,
            "app_id": API_APP_ID,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": self._caller["team_id"],
            "bot_id": self._caller["bot_id"],
        }
        self.views[vid] = stored
        return stored

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        error = self._use_trigger(args.get("trigger_id") or args.get("interactivity_pointer"))
        if error:
            return {"ok": False, "error": error}
        ext = args["view"].get("external_id")
        if ext and any(v.get("external_id") == ext for v in self.views.values()):
            return {"ok": False, "error": "duplicate_external_id"}
        stored = self._store_view(args["view"], view_id=None, root=None, prev=None)
        self._stacks[stored["id"]] = [stored["id"]]
        self._last_root = stored["id"]
        return {"ok": True, "view": stored}

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        trigger = str(args.get("trigger_id") or "")
        linked = self._triggers.get(trigger, {}).get("view_id")
        error = self._use_trigger(trigger)
        if error:
            return {"ok": False, "error": error}
        root = self._root_of(linked) if linked else self._last_root
        if root is None or root not in self._stacks:
            return {"ok": False, "error": "not_found"}
        stack = self._stacks[root]
        if len(stack) >= 3:
            return {"ok": False, "error": "push_limit_reached"}
        stored = self._store_view(args["view"], view_id=None, root=root, prev=stack[-1])
        stack.append(stored["id"])
        return {"ok": True, "view": stored}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        vid = args.get("view_id")
        if not vid and args.get("external_id"):
            vid = next(
                (k for k, v in self.views.items() if v.get("external_id") == args["external_id"]), None
            )
        if not vid and not args.get("external_id"):
            return {"ok": False, "error": "invalid_arguments"}
        if not vid or vid not in self.views or self.views[vid]["team_id"] != self._caller["team_id"]:
            return {"ok": False, "error": "not_found"}  # another workspace's view is not there for this token
        current = self.views[vid]
        if args.get("hash") and args["hash"] != current["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        new_view = dict(args["view"])
        if current.get("external_id") and not new_view.get("external_id"):
            new_view["external_id"] = current["external_id"]  # lenient: keep the view findable
        stored = self._store_view(
            new_view, view_id=vid, root=current["root_view_id"], prev=current["previous_view_id"]
        )
        return {"ok": True, "view": stored}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user = args.get("user_id")
        if not user:
            return {"ok": False, "error": "invalid_arguments"}
        current = self.home_views.get(str(user))
        if current and args.get("hash") and args["hash"] != current["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        stored = self._store_view(
            args["view"], view_id=current["id"] if current else None, root=None, prev=None
        )
        self.home_views[str(user)] = stored
        return {"ok": True, "view": stored}

    def _open_im(self, users: str) -> str:
        """The DM (or group DM) with ``users`` in the calling workspace (each workspace has its own)."""
        people = ",".join(sorted(u.strip() for u in users.split(",") if u.strip()))
        team = str(self._caller["team_id"])
        key = f"{team}:{people}"
        if key not in self._ims:
            prefix = "D" if "," not in people else "G"
            cid = self._new_id(prefix)
            self._ims[key] = cid
            self._channel_teams[cid] = team
            ch = self._channel(cid)
            ch.update({"is_im": prefix == "D", "is_mpim": prefix == "G", "user": people})
            ch["members"] = [*people.split(","), self._caller["bot_user_id"]]
        return self._ims[key]

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("channel"):
            return {"ok": True, "channel": {"id": args["channel"]}}
        users = args.get("users")
        if isinstance(users, list):
            users = ",".join(users)
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        cid = self._open_im(str(users))
        if str(args.get("return_im", "")).lower() in ("1", "true"):
            return {"ok": True, "channel": self._public_channel(self.channels[cid])}
        return {"ok": True, "channel": {"id": cid}}

    def _conversations_create(self, args: dict[str, Any]) -> dict[str, Any]:
        name = str(args.get("name") or "")
        if not name:
            return {"ok": False, "error": "invalid_name_required"}
        if len(name) > 80:
            return {"ok": False, "error": "invalid_name_maxlength"}
        if not re.fullmatch(r"[a-z0-9_\-\u00c0-\uffff]+", name):
            return {"ok": False, "error": "invalid_name_specials"}
        if re.fullmatch(r"[-_]+", name):
            return {"ok": False, "error": "invalid_name_punctuation"}
        if any(c["name"] == name for c in self.channels.values()):
            return {"ok": False, "error": "name_taken"}
        private = str(args.get("is_private", "")).lower() in ("1", "true")
        ch = self.add_channel(
            self._new_id("G" if private else "C"),
            name,
            members=[self._caller["bot_user_id"]],
            team_id=self._caller["team_id"],
        )
        ch["is_private"] = private
        return {"ok": True, "channel": self._public_channel(ch)}

    def _conversations_join(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        ch = self._channel(str(args["channel"]))
        if self._caller["bot_user_id"] not in ch["members"]:
            ch["members"].append(self._caller["bot_user_id"])
        return {"ok": True, "channel": self._public_channel(ch)}

    def _conversations_invite(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        users = args.get("users") or ""
        ids = users if isinstance(users, list) else [u.strip() for u in str(users).split(",") if u.strip()]
        if not ids:
            return {"ok": False, "error": "no_user"}
        if len(ids) > 1000:
            return {"ok": False, "error": "too_many_users"}
        ch = self._channel(str(args["channel"]))
        if self._hidden(ch):
            return {"ok": False, "error": "channel_not_found"}
        if self._caller["bot_user_id"] not in ch["members"] and ch.get("is_private"):
            return {"ok": False, "error": "not_in_channel"}
        force = str(args.get("force", "")).lower() in ("1", "true")
        refused = [u for u in ids if u in self.uninvitable]
        if refused:
            errors = [{"user": u, "ok": False, "error": self.uninvitable[u]} for u in refused]
            if force:  # the valid ones are invited all the same
                ch["members"].extend(u for u in ids if u not in ch["members"] and u not in refused)
            return {"ok": False, "error": errors[0]["error"], "errors": errors}
        already = [u for u in ids if u in ch["members"]]
        if already and not force:
            return {
                "ok": False,
                "error": "already_in_channel",
                "errors": [{"user": u, "ok": False, "error": "already_in_channel"} for u in already],
            }
        ch["members"].extend(u for u in ids if u not in ch["members"])
        return {"ok": True, "channel": self._public_channel(ch)}

    def _hidden(self, ch: dict[str, Any]) -> bool:
        """A private channel the bot is not in does not exist for it (Slack: ``channel_not_found``)."""
        return bool(ch.get("is_private")) and self._caller["bot_user_id"] not in ch["members"]

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        full = self._channel(str(args["channel"]))
        if self._hidden(full):
            return {"ok": False, "error": "channel_not_found"}
        ch = {**self._public_channel(full), "is_member": self._caller["bot_user_id"] in full["members"]}
        if str(args.get("include_num_members", "")).lower() in ("1", "true"):
            ch["num_members"] = len(self.channels[ch["id"]]["members"])
        return {"ok": True, "channel": ch}

    def _conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        """Channels (not DMs), one page, with ``is_member`` for the bot."""
        team = self._caller["team_id"]
        channels = [
            {**self._public_channel(ch), "is_member": self._caller["bot_user_id"] in ch["members"]}
            for ch in self.channels.values()
            if not ch.get("is_im")
            and not ch.get("is_mpim")
            and self._channel_teams.get(ch["id"], team) == team
        ]
        return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}

    def _conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        ch = self._channel(str(args["channel"]))
        if self._hidden(ch):
            return {"ok": False, "error": "channel_not_found"}
        members = list(ch["members"])
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

    def _conversations_set_topic(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        topic = str(args.get("topic") or "")
        if len(topic) > 250:
            return {"ok": False, "error": "too_long"}
        ch = self._channel(str(args["channel"]))
        # Slack keeps & < > as entities, and answers with them
        value = topic.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        ch["topic"] = {"value": value, "creator": self._caller["bot_user_id"], "last_set": int(time.time())}
        return {"ok": True, "channel": self._public_channel(ch)}

    def _conversations_set_purpose(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        purpose = str(args.get("purpose") or "")
        if len(purpose) > 250:
            return {"ok": False, "error": "too_long"}
        ch = self._channel(str(args["channel"]))
        value = purpose.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        ch["purpose"] = {
            "value": value,
            "creator": self._caller["bot_user_id"],
            "last_set": int(time.time()),
        }
        return {"ok": True, "channel": self._public_channel(ch)}

    def _conversations_kick(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        user = str(args.get("user") or "")
        ch = self._channel(str(args["channel"]))
        if self._hidden(ch):
            return {"ok": False, "error": "channel_not_found"}
        if user == self._caller["bot_user_id"]:
            return {"ok": False, "error": "cant_kick_self"}
        if user not in ch["members"]:
            return {"ok": False, "error": "not_in_channel"}
        ch["members"].remove(user)
        return {"ok": True}

    def _history_error(self, channel: str) -> dict[str, Any] | None:
        error = self._history_denied.get(channel) or self._history_denied.get(None)
        if error is None:
            return None
        if error == "missing_scope":
            needed = "im:history" if channel.startswith("D") else "channels:history,groups:history"
            return {"ok": False, "error": error, "needed": needed, "provided": "chat:write,chat:write.public"}
        return {"ok": False, "error": error}

    def _conversation_page(self, messages: list[dict[str, Any]], args: dict[str, Any]) -> dict[str, Any]:
        """``messages`` (in answer order) filtered by oldest/latest, one page of ``limit``, as Slack does.

        Metadata is included only with ``include_all_metadata``.
        """
        oldest = float(args.get("oldest") or 0)
        latest = float(args.get("latest") or "inf")
        inclusive = _truthy(args.get("inclusive"))
        with_metadata = _truthy(args.get("include_all_metadata"))

        def inside(ts: str) -> bool:
            t = float(ts)
            return (oldest <= t <= latest) if inclusive else (oldest < t < latest)

        chosen = [m for m in messages if inside(m["ts"])]
        limit = max(1, min(int(args.get("limit") or 100), 999))
        start = int(str(args.get("cursor") or "0").removeprefix("offset:") or 0)
        page = chosen[start : start + limit]
        more = start + limit < len(chosen)
        shown = [m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in page]
        return {
            "ok": True,
            "messages": shown,
            "has_more": more,
            "response_metadata": {"next_cursor": f"offset:{start + limit}" if more else ""},
        }

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        """Top-level messages of a channel (no thread replies), newest first."""
        channel = str(args.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        denied = self._history_error(channel)
        if denied:
            return denied
        messages = [
            m
            for ts, m in sorted(
                self.posted.get(channel, {}).items(), key=lambda item: float(item[0]), reverse=True
            )
            if m.get("thread_ts") in (None, ts)
        ]
        return self._conversation_page(messages, args)

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        """A thread: its parent, then the replies, oldest first."""
        channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        denied = self._history_error(channel)
        if denied:
            return denied
        posted = self.posted.get(channel, {})
        if ts not in posted:
            return {"ok": False, "error": "thread_not_found"}
        thread = sorted(
            (m for m in posted.values() if m["ts"] == ts or m.get("thread_ts") == ts),
            key=lambda m: float(m["ts"]),
        )
        return self._conversation_page(thread, args)

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = args.get("user")
        if not user:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": self.users.get(str(user)) or self._make_user(str(user))}

    def _files_get_upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("filename") or args.get("length") in (None, ""):
            return {"ok": False, "error": "invalid_arguments"}
        fid = self._new_id("F")
        self._pending_files[fid] = {"filename": args["filename"], "length": int(args["length"])}
        return {"ok": True, "upload_url": f"{self.root_url}/upload/{fid}", "file_id": fid}

    def _files_complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        out = []
        for f in files:
            fid = f.get("id") if isinstance(f, dict) else None
            if fid not in self.uploads:
                return {"ok": False, "error": "file_not_found"}
            pending = self._pending_files.get(fid, {})
            out.append(
                {
                    "id": fid,
                    "created": int(time.time()),
                    "name": pending.get("filename"),
                    "title": f.get("title") or pending.get("filename"),
                    "size": len(self.uploads[fid]),
                    "user": self._caller["bot_user_id"],
                    "url_private": f"{self.root_url}/files/{fid}",
                    "shares": {},
                }
            )
        record = {
            "files": out,
            "file_ids": [f["id"] for f in out],
            "channel_id": args.get("channel_id"),
            "channels": args.get("channels"),
            "initial_comment": args.get("initial_comment"),
            "thread_ts": args.get("thread_ts"),
        }
        self.completed_uploads.append(record)
        return {"ok": True, "files": out}


def _workspace(team_id: str, enterprise_id: str | None, bot_user_id: str, bot_id: str) -> dict[str, Any]:
    return {"team_id": team_id, "enterprise_id": enterprise_id, "bot_user_id": bot_user_id, "bot_id": bot_id}


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("1", "true")


def _metadata_error(metadata: Any) -> str | None:
    """Slack's answer to malformed message metadata (it needs an event_type and an object payload)."""
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        return "invalid_metadata_format"
    event_type = metadata.get("event_type")
    if not isinstance(event_type, str) or not re.fullmatch(r"[A-Za-z0-9_]{1,255}", event_type):
        return "invalid_metadata_schema"
    if not isinstance(metadata.get("event_payload"), dict):
        return "invalid_metadata_schema"
    return None


def _invalid_args(messages: list[str]) -> dict[str, Any]:
    return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": messages}}


def _parse_multipart(content_type: str, body: bytes) -> dict[str, str | bytes]:
    """Form fields of a multipart body: str for plain fields, bytes for file parts."""
    msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    out: dict[str, str | bytes] = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        out[name] = data if part.get_filename() is not None else data.decode("utf-8", "replace")
    return out


DEFAULT_WORKSPACE = _workspace(TEAM_ID, None, BOT_USER_ID, BOT_ID)

_METHODS: dict[str, Any] = {
    "auth.test": SlackStandIn._auth_test,
    "oauth.v2.access": lambda standin, args: {"ok": False, "error": "invalid_code"},  # see _dispatch
    "chat.postMessage": SlackStandIn._chat_post_message,
    "chat.postEphemeral": SlackStandIn._chat_post_ephemeral,
    "chat.update": SlackStandIn._chat_update,
    "chat.delete": SlackStandIn._chat_delete,
    "views.open": SlackStandIn._views_open,
    "views.push": SlackStandIn._views_push,
    "views.update": SlackStandIn._views_update,
    "views.publish": SlackStandIn._views_publish,
    "conversations.open": SlackStandIn._conversations_open,
    "conversations.create": SlackStandIn._conversations_create,
    "conversations.join": SlackStandIn._conversations_join,
    "conversations.invite": SlackStandIn._conversations_invite,
    "conversations.info": SlackStandIn._conversations_info,
    "conversations.list": SlackStandIn._conversations_list,
    "conversations.members": SlackStandIn._conversations_members,
    "conversations.history": SlackStandIn._conversations_history,
    "conversations.replies": SlackStandIn._conversations_replies,
    "conversations.setTopic": SlackStandIn._conversations_set_topic,
    "conversations.setPurpose": SlackStandIn._conversations_set_purpose,
    "conversations.kick": SlackStandIn._conversations_kick,
    "users.info": SlackStandIn._users_info,
    "files.getUploadURLExternal": SlackStandIn._files_get_upload_url,
    "files.completeUploadExternal": SlackStandIn._files_complete_upload,
}
