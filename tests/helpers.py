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


def wait_for_calls(slack: SlackStandIn, method: str, count: int, timeout: float = 5.0) -> list[Call]:
    """Wait until the stand-in has seen ``count`` calls to ``method``; returns them all."""

    def enough() -> list[Call]:
        calls = slack.calls_to(method)
        return calls if len(calls) >= count else []

    return wait_until(enough, timeout)


def wait_for_messages(
    slack: SlackStandIn, channel: str, count: int, timeout: float = 5.0
) -> list[dict[str, Any]]:

    def enough() -> list[dict[str, Any]]:
        messages = slack.messages(channel)
        return messages if len(messages) >= count else []

    return wait_until(enough, timeout)
