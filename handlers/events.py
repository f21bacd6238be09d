"""Events API plumbing: a retried event (same ``event_id``) is processed once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient

from bot.context import BotContext
from bot.home.views import home_view
from bot.measures.status import reporting_status
from handlers.gate import faculty_of, person_of
from storage.slack_events import first_delivery

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
        if event.get("tab", "home") != "home":
            return
        person = person_of(context)
        status = reporting_status(ctx.db, person, ctx.now()) if person.known else None
        client.views_publish(user_id=person.user_id, view=home_view(person, faculty_of(context), status))
