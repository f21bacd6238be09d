"""The Slack Web API client: pointed at ``SLACK_API_URL`` with slack_sdk's retry handlers."""

from __future__ import annotations

import random

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import BackoffRetryIntervalCalculator, ConnectionErrorRetryHandler, RetryHandler
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.jitter import Jitter

from bot.settings import Settings


class ProportionalJitter(Jitter):
    """Adds up to half the back-off again at random, so retries spread out in proportion."""

    def recalculate(self, duration: float) -> float:
        return duration * (1 + random.random() / 2)


def retry_handlers(backoff_factor: float = 0.5) -> list[RetryHandler]:
    """429 (honouring Retry-After), 5xx and connection errors are retried by slack_sdk itself.

    The handlers share one attempt counter per call, so the counts are generous.
    """
    backoff = BackoffRetryIntervalCalculator(backoff_factor=backoff_factor, jitter=ProportionalJitter())
    return [
        ConnectionErrorRetryHandler(max_retry_count=6, interval_calculator=backoff),
        RateLimitErrorRetryHandler(max_retry_count=8),
        ServerErrorRetryHandler(max_retry_count=6, interval_calculator=backoff),
    ]


def build_web_client(settings: Settings, backoff_factor: float = 0.5) -> WebClient:
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=retry_handlers(backoff_factor),
        timeout=15,
    )


def slack_error_code(exc: SlackApiError) -> str:
    """Slack's error code (``channel_not_found``, ``ratelimited``…): safe to log, never message text."""
    return str(exc.response.get("error", "slack_error")) if exc.response is not None else "slack_error"
