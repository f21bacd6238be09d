"""What every handler and job needs: settings, the database, the Slack Web API clients and the clock.

Slack is spoken to with the token of the workspace being addressed: :meth:`BotContext.client_for`
gives the client for a collaborative (its workspace's installation in OAuth mode, else the one bot
token), or None when the app was removed from that workspace, so nothing is sent there.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.oauth.installation_store import InstallationStore

from bot.months import Clock, utc_now
from bot.settings import Settings
from storage.db import Database
from storage.workspaces import Workspace, sending_stopped, workspace_of

if TYPE_CHECKING:
    from bot.slack.background import Background

log = logging.getLogger(__name__)


@dataclass
class BotContext:
    settings: Settings
    db: Database
    #: The app's base client (``SLACK_API_URL``, retry handlers). With one bot token it carries that
    #: token; in OAuth mode it has none (it serves ``oauth.v2.access``), and per-workspace clients copy it.
    client: WebClient
    #: Tells the time; tests set a fixed one (``bot.months.fixed_clock``).
    clock: Clock = field(default=utc_now)
    #: OAuth mode: every workspace's installation (bot token); None with a single bot token.
    installations: InstallationStore | None = None
    _clients: dict[str, WebClient] = field(default_factory=dict, init=False, repr=False)
    _home: Workspace | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _background: Background | None = field(default=None, init=False, repr=False)

    def later(self, task: Any, *args: Any) -> None:
        """Run ``task(ctx, *args)`` after the acknowledgement, off the request's thread
        (``bot.slack.background``: threads here, unless :meth:`use_background` set processes)."""
        with self._lock:
            if self._background is None:
                from bot.slack.background import ThreadBackground

                self._background = ThreadBackground(self)
            background = self._background
        background.submit(task, *args)

    def use_background(self, background: Background) -> None:
        with self._lock:
            self._background = background

    def client_with(self, token: str) -> WebClient:
        """A client for a request's own bot token (as Bolt authorised it), like the base client."""
        return self._client_with(token)

    def now(self) -> datetime:
        """The current moment, timezone-aware (UTC)."""
        return self.clock()

    @property
    def oauth(self) -> bool:
        return self.installations is not None

    def home_workspace(self) -> Workspace | None:
        """With one bot token: the workspace it belongs to (``auth.test``, asked once per process).

        None in OAuth mode, or when Slack could not be asked (it is asked again next time).
        """
        if self.oauth:
            return None
        with self._lock:
            if self._home is None:
                try:
                    answer = self.client.auth_test()
                except (SlackApiError, SlackClientError, OSError) as exc:
                    log.warning("auth.test failed: %s", type(exc).__name__)
                    return None
                team, enterprise = answer.get("team_id"), answer.get("enterprise_id")
                self._home = Workspace(str(team) if team else None, str(enterprise) if enterprise else None)
            return self._home

    def client_for_workspace(self, workspace: Workspace) -> WebClient | None:
        """The client that speaks for ``workspace``; None when the bot has no token there (never
        installed, uninstalled or its token revoked): then nothing may be sent there."""
        with self.db.reader() as session:
            if sending_stopped(session, workspace):
                return None
        if self.installations is None:
            return self.client if self._is_home(workspace) else None
        bot = self.installations.find_bot(enterprise_id=workspace.enterprise_id, team_id=workspace.team_id)
        if bot is None and workspace.enterprise_id:  # an org-wide install serves every workspace in it
            bot = self.installations.find_bot(
                enterprise_id=workspace.enterprise_id, team_id=None, is_enterprise_install=True
            )
        if bot is None or not bot.bot_token:
            return None
        return self._client_with(bot.bot_token)

    def client_for(self, collaborative_id: int | None) -> WebClient | None:
        """The client for a collaborative's workspace (see :meth:`client_for_workspace`)."""
        if collaborative_id is None:
            return None if self.oauth else self.client
        with self.db.reader() as session:
            workspace = workspace_of(session, collaborative_id)
        return self.client_for_workspace(workspace) if workspace is not None else None

    def _is_home(self, workspace: Workspace) -> bool:
        """With one bot token: may it speak for ``workspace``? (Unassigned, or the token's own.)"""
        if workspace.team_id is None and workspace.enterprise_id is None:
            return True
        home = self.home_workspace()
        if home is None:
            return True  # Slack could not be asked; Slack itself refuses a foreign channel
        if workspace.enterprise_id and workspace.enterprise_id == home.enterprise_id:
            return True
        return workspace.team_id is not None and workspace.team_id == home.team_id

    def _client_with(self, token: str) -> WebClient:
        """A client with ``token`` and the base client's URL, retry handlers and timeout (kept per token)."""
        with self._lock:
            client = self._clients.get(token)
            if client is None:
                client = WebClient(
                    token=token,
                    base_url=self.client.base_url,
                    retry_handlers=self.client.retry_handlers,
                    timeout=self.client.timeout,
                    logger=self.client.logger,
                )
                self._clients[token] = client
            return client
