"""Events API plumbing: a retried event (same ``event_id``) is processed once; the Home tab; and the
app's lifecycle: ``app_uninstalled`` and ``tokens_revoked`` stop all sending to that workspace
(its data is kept; in OAuth mode its revoked tokens are deleted, as Bolt does)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.listener.builtins import TokenRevocationListeners
from slack_sdk import WebClient

from bot.context import BotContext
from bot.home.publish import refresh_home
from bot.workspaces import app_removed, tokens_revoked
from handlers.gate import faculty_of, person_of
from storage.slack_events import first_delivery
from storage.workspaces import Workspace

log = logging.getLogger(__name__)


def register(app: App, ctx: BotContext) -> None:
    @app.middleware
    def skip_retried_events(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not first_delivery(ctx.db, str(event_id)):
            log.info("event %s already processed; acknowledging the retry", event_id)
            return BoltResponse(status=200, body="")
        return next()

    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        person = person_of(context)
        if event.get("tab", "home") != "home" or not person.user_id:
            return  # another tab, or an event that names nobody: nothing to publish
        refresh_home(ctx, client, person, faculty_of(context))  # a Slack error is logged, not raised

    revocations = TokenRevocationListeners(ctx.installations) if ctx.installations is not None else None

    def workspace_of(context: BoltContext) -> tuple[Workspace, bool]:
        return Workspace(context.team_id, context.enterprise_id), bool(context.is_enterprise_install)

    @app.event("app_uninstalled")
    def uninstalled(context: BoltContext) -> None:
        workspace, org_wide = workspace_of(context)
        app_removed(ctx, workspace, org_wide)
        if revocations is not None:
            revocations.handle_app_uninstalled_events(context)

    @app.event("tokens_revoked")
    def revoked(event: dict[str, Any], context: BoltContext) -> None:
        workspace, org_wide = workspace_of(context)
        tokens_revoked(ctx, workspace, list((event.get("tokens") or {}).get("bot") or []), org_wide)
        if revocations is not None:
            revocations.handle_tokens_revoked_events(event, context)
