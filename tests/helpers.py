"""Small helpers for end-to-end tests: wait for the stand-in to see calls Bolt makes in its threads."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.slack_standin import Call, SlackStandIn


def wait_for_calls(slack: SlackStandIn, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
    """Poll until the stand-in has recorded at least ``count`` calls to ``method``."""
    deadline = time.time() + timeout
    while True:
        calls = slack.calls_to(method)
        if len(calls) >= count or time.time() > deadline:
            break
        time.sleep(0.02)
    assert len(calls) >= count, f"expected {count} {method} call(s), saw {len(calls)}"
    return calls


def wait_for_messages(
    slack: SlackStandIn, channel: str, count: int = 1, timeout: float = 5.0
) -> list[dict[str, Any]]:
    """Poll until ``count`` messages were posted to ``channel`` (a channel or user id)."""
    return wait_until(lambda: slack.messages(channel), lambda found: len(found) >= count, timeout)


def wait_until(read: Callable[[], Any], done: Callable[[Any], bool], timeout: float = 5.0) -> Any:
    deadline = time.time() + timeout
    value = read()
    while not done(value) and time.time() < deadline:
        time.sleep(0.02)
        value = read()
    assert done(value), f"condition not met within {timeout}s: {value!r}"
    return value
