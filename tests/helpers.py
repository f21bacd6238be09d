"""Small polling helpers for end-to-end tests (Bolt runs listeners in a thread pool)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from tests.slack_standin import Call, SlackStandIn

T = TypeVar("T")


def wait_until(check: Callable[[], T], timeout: float = 5.0) -> T:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.time() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.time() > deadline:
            raise AssertionError("timed out waiting for the bot")
        time.sleep(0.02)


def wait_for_calls(
    slack: SlackStandIn,
    method: str,
    count: int = 1,
    timeout: float = 10.0,
    where: Callable[[Call], bool] | None = None,
) -> list[Call]:
    """Poll until ``count`` successful calls to ``method`` (matching ``where``) arrived; return them.

    At the timeout it returns what it has, so the caller's assertion says what is missing.
    """
    deadline = time.time() + timeout
    while True:
        calls = [c for c in slack.calls_to(method) if c.ok and (where is None or where(c))]
        if len(calls) >= count or time.time() > deadline:
            return calls
        time.sleep(0.02)


def wait_for_messages(
    slack: SlackStandIn, channel: str, count: int = 1, timeout: float = 5.0
) -> list[dict[str, Any]]:
    """Wait until ``channel`` has ``count`` messages; returns them all."""

    def enough() -> list[dict[str, Any]]:
        messages = slack.messages(channel)
        return messages if len(messages) >= count else []

    return wait_until(enough, timeout)


def eventually(predicate: Callable[[], bool], timeout: float = 5.0, interval: float = 0.02) -> bool:
    """Poll ``predicate`` until true or ``timeout``; returns its last answer (for ``assert not ...``)."""
    deadline = time.time() + timeout
    while True:
        if predicate():
            return True
        if time.time() > deadline:
            return False
        time.sleep(interval)
