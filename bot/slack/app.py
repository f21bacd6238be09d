"""The Bolt app factory: one ``App`` per process, wired to our handlers and middleware."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient

from bot.context import BotContext
from bot.months import Clock, utc_now
from bot.settings import Settings
from bot.slack.client import build_web_client
from storage.db import Database

log = logging.getLogger(__name__)


def build_context(
    settings: Settings,
    db: Database | None = None,
    client: WebClient | None = None,
    clock: Clock = utc_now,
) -> BotContext:
    return BotContext(
        settings=settings,
        db=db or Database(settings.database_url),
        client=client or build_web_client(settings),
        clock=clock,
    )


def create_app(ctx: BotContext) -> App:
    """Build the Bolt app. Tokens are checked lazily, so construction makes no network call."""
    from handlers import register_all

    ctx.settings.require_slack()
    if not ctx.settings.socket_mode:
        ctx.settings.require("SLACK_SIGNING_SECRET")
    app = App(
        name="learning-collaborative-bot",
        client=ctx.client,
        signing_secret=ctx.settings.slack_signing_secret or "socket-mode-does-not-sign",
        token_verification_enabled=False,
        listener_executor=ThreadPoolExecutor(max_workers=16, thread_name_prefix="bolt"),
        logger=logging.getLogger("slack_bolt.App"),
    )
    register_all(app, ctx)
    return app
