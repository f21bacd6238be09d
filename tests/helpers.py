"""Small helpers for end-to-end tests: waiting for the bot's work after a request returns."""

from __future__ import annotations

import time
from collections.abc import Callable

from tests.slack_standin import Call, SlackStandIn


def wait_for_calls(
    slack: SlackStandIn,
    method: str,
    count: int = 1,
    timeout: float = 10.0,
    where: Callable[[Call], bool] | None = None,
) -> list[Call]:
    """Poll until ``count`` successful calls to ``method`` (matching ``where``) arrived; return them."""
    deadline = time.time() + timeout
    while True:
        calls = [c for c in slack.calls_to(method) if c.ok and (where is None or where(c))]
        if len(calls) >= count or time.time() > deadline:
            return calls
        time.sleep(0.05)
