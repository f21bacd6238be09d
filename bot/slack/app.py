"""The Bolt app factory: one ``App`` per process, wired to our handlers and middleware.

Two modes (``bot.settings.Settings.require_slack``):

* **one workspace**: ``SLACK_BOT_TOKEN``; every request and job uses that token.
* **many workspaces (OAuth)**: ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET``; Bolt serves Slack's
  install flow (``GET /slack/install``, ``GET /slack/oauth_redirect``) with slack_sdk's SQLAlchemy
  installation and state stores in our database (``storage.installations``). Each request is
  authorised with its workspace's bot token, each job uses its collaborative's
  (``BotContext.client_for``). ``oauth.v2.access`` goes to ``SLACK_API_URL`` like every other call,
  because the flow uses the app's base client.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot, InstallationStore
from sqlalchemy.exc import SQLAlchemyError

from bot.context import BotContext
from bot.months import Clock, utc_now
from bot.ops.logs import protect, settings_secrets
from bot.settings import Settings
from bot.slack.client import build_web_client
from bot.slack.errors import InstallationUnavailable, on_error
from bot.slack.manifest import BOT_SCOPES, INSTALL_PATH, REDIRECT_PATH
from bot.slack.waits import waited
from storage.db import Database
from storage.installations import installation_store, state_store
from storage.workspaces import Workspace

log = logging.getLogger(__name__)


def build_context(
    settings: Settings,
    db: Database | None = None,
    client: WebClient | None = None,
    clock: Clock = utc_now,
) -> BotContext:
    protect(settings_secrets(settings))  # every log record of the process is made safe from here on
    db = db or Database(settings.database_url)
    installations = None
    if settings.oauth and settings.slack_client_id:
        installations = installation_store(db.engine, settings.slack_client_id)
    return BotContext(
        settings=settings,
        db=db,
        client=client or build_web_client(settings),
        clock=clock,
        installations=installations,
    )


_unread = threading.local()  # this request's installation could not be read (set on its thread)


class _WaitedStore(InstallationStore):
    """The installation store as Bolt's authorize reads it before anything else: each read waits
    at most ``LOOKUP_WAIT_S`` (``bot.slack.waits``), and a failed one is remembered for
    :class:`_Authorize` (Bolt's authorize swallows the store's errors and says "not installed")."""

    def __init__(self, store: InstallationStore) -> None:
        self._store = store

    @property
    def logger(self) -> logging.Logger:
        return self._store.logger

    def find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        try:
            return waited(
                self._store.find_bot,
                enterprise_id=enterprise_id,
                team_id=team_id,
                is_enterprise_install=is_enterprise_install,
            )
        except (SQLAlchemyError, TimeoutError):
            _unread.failed = True
            raise


class _Authorize(InstallationStoreAuthorize):
    """Bolt's authorize, raising :class:`InstallationUnavailable` when the installation could not be
    read (the database is down or silent), so the request gets the gate's answer (``on_error``)
    instead of Bolt's "please install this app"."""

    def __call__(self, **kwargs: Any) -> Any:
        _unread.failed = False
        found = super().__call__(**kwargs)
        if found is None and _unread.failed:
            raise InstallationUnavailable("the installation could not be read")
        return found


def _oauth(ctx: BotContext) -> dict[str, Any]:
    """Bolt's arguments for installs in many workspaces (nothing with a single bot token)."""
    settings, store = ctx.settings, ctx.installations
    if store is None:
        return {}
    from bot.workspaces import app_installed

    def installed(args: SuccessArgs) -> BoltResponse:
        found = args.installation
        org_wide = bool(found.is_enterprise_install)
        app_installed(ctx, Workspace(found.team_id, found.enterprise_id), org_wide)
        log.info("the app was installed in %s", found.enterprise_id if org_wide else found.team_id)
        return args.default.success(args)

    def failed(args: FailureArgs) -> BoltResponse:
        log.warning("an install failed: %s", args.reason)  # a reason code, never the code or state
        return args.default.failure(args)

    oauth_settings = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=BOT_SCOPES,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=settings.oauth_authorize_url,
        installation_store=store,
        installation_store_bot_only=True,
        state_store=state_store(ctx.db.engine),
        callback_options=CallbackOptions(success=installed, failure=failed),
    )
    authorize = _Authorize(
        installation_store=_WaitedStore(store),
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        logger=logging.getLogger("slack_bolt.Authorize"),
        bot_only=True,
        cache_enabled=True,  # auth.test once per token, not on every request (Slack's 3 s)
        client=ctx.client,
    )
    return {"oauth_settings": oauth_settings, "installation_store": store, "authorize": authorize}


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
        **_oauth(ctx),
    )
    app.error(on_error)  # never a 500: a plain answer, a safe log line
    register_all(app, ctx)
    return app
