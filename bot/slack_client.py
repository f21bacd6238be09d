"""The Slack Web API client: pointed at ``SLACK_API_URL`` with slack_sdk's retry handlers."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RetryHandler
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler

from bot.settings import Settings


def retry_handlers() -> list[RetryHandler]:
    """429 (honouring Retry-After), 5xx and connection errors are retried by slack_sdk itself."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=3),
        RateLimitErrorRetryHandler(max_retry_count=6),
        ServerErrorRetryHandler(max_retry_count=4),
    ]


def build_web_client(settings: Settings) -> WebClient:
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=retry_handlers(),
        timeout=15,
    )
