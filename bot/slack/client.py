"""The Slack Web API client: pointed at ``SLACK_API_URL``, with retries whose total time is bounded.

slack_sdk retries a call itself (429 honouring Retry-After, 500/503, connection errors). Every
number that decides how long one call can take lives in :data:`LIMITS`, and
:meth:`CallLimits.worst_case_seconds` adds them up; the delivery ledger's lease must be longer
than that (``bot.slack.delivery`` checks it at import and a test asserts it), so a sender still
waiting on Slack never loses its claim to a second sender.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RetryHandler, RetryIntervalCalculator
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.settings import Settings


@dataclass(frozen=True)
class CallLimits:
    """How long one Web API call may take, retries included."""

    #: urllib's timeout, per socket operation: connecting, then waiting for the answer.
    timeout: int = 8
    #: Retries after the first attempt. slack_sdk counts attempts per call across all handlers.
    retries: int = 3
    #: Exponential back-off between retries of 5xx and connection errors: factor x 2^n, with up
    #: to half again of jitter, never more than ``max_backoff``.
    backoff_factor: float = 0.5
    max_backoff: float = 4.0
    #: A 429 is retried after its Retry-After (plus up to 1 s of jitter) when that is at most this
    #: long; a longer one fails the call (the ledger sends it on a later run).
    max_retry_after: float = 10.0

    @property
    def longest_wait(self) -> float:
        """The longest pause between two attempts."""
        return max(self.max_backoff, self.max_retry_after + 1.0)

    def worst_case_seconds(self) -> float:
        """An upper bound for one call: every attempt times out connecting and answering, and
        every pause is the longest allowed.

        The timeout applies to each socket operation, so a server trickling a response byte by
        byte could outlast it; Slack's answers are small, and the ledger's claim tokens keep even
        that case from double-sending (a late sender cannot record over a newer claim).
        """
        attempts = self.retries + 1
        return attempts * 2 * self.timeout + self.retries * self.longest_wait


LIMITS = CallLimits()


class CappedBackoff(RetryIntervalCalculator):
    """``factor x 2^attempt`` plus up to half again at random, capped at ``cap`` seconds."""

    def __init__(self, factor: float, cap: float) -> None:
        self.factor = factor
        self.cap = cap

    def calculate_sleep_duration(self, current_attempt: int) -> float:
        interval = self.factor * (2**current_attempt)
        return min(self.cap, interval * (1 + random.random() / 2))


def retry_after_seconds(response: HttpResponse | None) -> float | None:
    """The Retry-After header in seconds (slack_sdk gives header values as lists), if readable."""
    if response is None:
        return None
    for name, values in response.headers.items():
        if name.lower() == "retry-after":
            value = values[0] if isinstance(values, list) else values
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return None
    return None


class CappedRateLimitHandler(RateLimitErrorRetryHandler):
    """Retries a 429 after its Retry-After, unless that is longer than ``max_wait`` seconds."""

    def __init__(self, max_retry_count: int, max_wait: float) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = retry_after_seconds(response)
        return wait is None or wait <= self.max_wait

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        wait = retry_after_seconds(response)
        time.sleep(min(self.max_wait, 1.0 if wait is None else wait) + random.random())
        state.increment_current_attempt()


def retry_handlers(backoff_factor: float | None = None, limits: CallLimits = LIMITS) -> list[RetryHandler]:
    """429 (honouring a capped Retry-After), 500/503 and connection errors, retried by slack_sdk."""
    backoff = CappedBackoff(
        limits.backoff_factor if backoff_factor is None else backoff_factor, limits.max_backoff
    )
    return [
        ConnectionErrorRetryHandler(max_retry_count=limits.retries, interval_calculator=backoff),
        CappedRateLimitHandler(max_retry_count=limits.retries, max_wait=limits.max_retry_after),
        ServerErrorRetryHandler(max_retry_count=limits.retries, interval_calculator=backoff),
    ]


def build_web_client(settings: Settings, backoff_factor: float | None = None) -> WebClient:
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=retry_handlers(backoff_factor),
        timeout=LIMITS.timeout,
    )


class OfflineClient(WebClient):
    """A WebClient that never reaches Slack (dry runs): every Web API call raises, nothing is sent."""

    def __init__(self) -> None:
        super().__init__(token=None, base_url="http://offline.invalid/api/")

    def api_call(self, api_method: str, **kwargs: Any) -> Any:  # type: ignore[override]
        raise SlackClientError(f"dry run: {api_method} was not called")


def slack_error_code(exc: SlackApiError) -> str:
    """Slack's error code (``channel_not_found``, ``ratelimited``…): safe to log, never message text."""
    return str(exc.response.get("error", "slack_error")) if exc.response is not None else "slack_error"
