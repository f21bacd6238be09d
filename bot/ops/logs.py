"""Privacy in logs: no log record carries a secret, a database error's DETAIL, or typed free text.

Whatever the log level and whichever handler writes the record, every record is made safe when it
is created (a ``logging`` record factory, installed once per process by :func:`protect`):

- database errors are described by class and SQLSTATE only (:func:`safe_error`), in the message
  and in the traceback: PostgreSQL's DETAIL and CONTEXT lines quote the values of a row, which can
  be what a person typed;
- slack_sdk's DEBUG lines keep the URL and the status but not the request parameters or the
  response body (message texts, modal contents, tokens from ``oauth.v2.access``); Bolt's
  "Responding with" keeps the status; SQLAlchemy's DEBUG "Row" lines keep no values;
- Slack tokens (``xox…-``, ``xapp-``) and the configured secrets are replaced by ``[redacted]``.

The engine's ``hide_parameters=True`` (``storage.db``) keeps bound values out of SQLAlchemy's own
messages; the bot's own log calls name IDs, keys and error classes, never free text.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import traceback
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from bot.settings import Settings

REDACTED = "[redacted]"
_TOKEN = re.compile(r"\b(?:xox[a-z]|xapp)-[A-Za-z0-9-]+")
#: Lines PostgreSQL adds after an error's first line; they quote row values and parameters.
_DB_DETAIL = re.compile(r"^\s*(?:DETAIL|CONTEXT|HINT|WHERE|LINE \d+):.*$\n?", re.MULTILINE)
_SDK_REQUEST = re.compile(r"^(Sending a request - url: [^,\s]+).*", re.DOTALL)
_SDK_RESPONSE = re.compile(r"^(Received the following response - status: \d+).*", re.DOTALL)
_BOLT_RESPONSE = re.compile(r"^(Responding with status: \d+).*", re.DOTALL)
_BOLT_REQUEST = re.compile(r"\(request: .*\)", re.DOTALL)

_secrets: set[str] = set()
_lock = threading.Lock()
_installed = False


def _is_database_error(exc: BaseException) -> bool:
    module = type(exc).__module__
    return isinstance(exc, SQLAlchemyError | sqlite3.Error) or module.startswith("psycopg")


def _sqlstate(exc: BaseException) -> str | None:
    code = getattr(exc, "sqlstate", None) or getattr(exc, "sqlite_errorname", None)
    return str(code) if code else None


def safe_error(exc: BaseException) -> str:
    """An exception in words that carry nothing a person typed.

    Database errors: the class (and the driver's class) with the SQLSTATE, e.g.
    ``IntegrityError (UniqueViolation, SQLSTATE 23505)``. Validation errors: how many and where.
    Anything else: its message with tokens, secrets and DETAIL lines taken out.
    """
    name = type(exc).__name__
    if _is_database_error(exc):
        orig = exc.orig if isinstance(exc, DBAPIError) else exc
        code = _sqlstate(orig) if orig is not None else None
        parts = [type(orig).__name__] if orig is not None and orig is not exc else []
        if code:
            parts.append(f"SQLSTATE {code}")
        return f"{name} ({', '.join(parts)})" if parts else name
    if isinstance(exc, ValidationError):
        where = sorted({".".join(str(part) for part in error["loc"]) or "-" for error in exc.errors()})
        return f"{name} ({exc.error_count()} errors at {', '.join(where)})"
    message = scrub(str(exc))
    return f"{name}: {message}" if message else name


def scrub(text: str) -> str:
    """``text`` without DETAIL/CONTEXT lines, Slack tokens or the configured secrets."""
    text = _TOKEN.sub(REDACTED, _DB_DETAIL.sub("", text))
    for secret in _secrets:
        text = text.replace(secret, REDACTED)
    return text


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes, oldest first (as Python prints them)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return chain[::-1]


def safe_traceback(exc: BaseException) -> str:
    """The traceback (file, line and code of each frame) with every message made safe."""
    blocks = []
    for error in _chain(exc):
        frames = "".join(traceback.format_tb(error.__traceback__))
        kind = type(error)
        module = "" if kind.__module__ == "builtins" else f"{kind.__module__}."
        qualified = f"{module}{kind.__qualname__}"
        blocks.append(f"Traceback (most recent call last):\n{frames}{qualified}: {safe_error(error)}")
    return "\n\nThe above exception was the direct cause of the following exception:\n\n".join(blocks)


def _safe_message(record: logging.LogRecord) -> str:
    name = record.name
    if name.startswith("sqlalchemy.engine") and record.msg == "Row %r":
        return "Row (values withheld)"
    message = record.getMessage()
    if name.startswith("slack_sdk"):
        message = _SDK_REQUEST.sub(r"\1 (parameters withheld)", message)
        message = _SDK_RESPONSE.sub(r"\1 (body withheld)", message)
    elif name.startswith("slack_bolt"):
        message = _BOLT_REQUEST.sub("(request withheld)", _BOLT_RESPONSE.sub(r"\1 (body withheld)", message))
    if record.exc_info and record.exc_info[1] is not None:
        for error in reversed(_chain(record.exc_info[1])):  # the outermost quotes its causes
            said = str(error)
            if said and said in message:
                message = message.replace(said, safe_error(error))
    return scrub(message)


def make_safe(record: logging.LogRecord) -> logging.LogRecord:
    """Rewrite ``record`` in place (message, arguments, exception text); returns it."""
    try:
        message = _safe_message(record)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = safe_traceback(record.exc_info[1])
        record.msg, record.args = message, None
    except Exception:  # noqa: BLE001 - logging must never fail; keep only what is surely safe
        record.msg, record.args, record.exc_info, record.exc_text = "(log message withheld)", None, None, None
    return record


def settings_secrets(settings: Settings) -> list[str | None]:
    """The secrets a configuration holds: Slack's tokens and secrets, the database password."""
    try:
        password = make_url(settings.database_url).password
    except Exception:  # noqa: BLE001 - an unreadable URL has no password to find
        password = None
    return [
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.slack_client_secret,
        str(password) if password else None,
    ]


def protect(secrets: Iterable[str | None] = ()) -> None:
    """Make every log record of this process safe from now on, and redact these ``secrets``.

    Idempotent: the factory is installed once; each call only adds secrets.
    """
    global _installed
    with _lock:
        _secrets.update(s for s in secrets if s and len(s) >= 6)
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return make_safe(previous(*args, **kwargs))

        logging.setLogRecordFactory(factory)
        _installed = True
