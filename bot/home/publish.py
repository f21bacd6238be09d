"""Publishing a person's Home tab (``views.publish``): when they open it, and after they report
measures, log a PDSA cycle or answer a call from it. A refresh that fails is logged and skipped:
the person's action already succeeded, and the tab is built again the next time it is opened."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.context import BotContext
from bot.home.service import home_page
from bot.home.views import home_view
from bot.slack.client import slack_error_code
from storage.people import Person

log = logging.getLogger(__name__)


def publish_home(ctx: BotContext, client: WebClient, person: Person, faculty: Sequence[str]) -> None:
    """Build the person's Home tab as of now and publish it."""
    view = home_view(home_page(ctx.db, person, list(faculty), ctx.now()))
    client.views_publish(user_id=person.user_id, view=view)


def refresh_home(ctx: BotContext, client: WebClient, person: Person, faculty: Sequence[str]) -> None:
    """:func:`publish_home` after something the person did; a Slack error is logged, not raised."""
    try:
        publish_home(ctx, client, person, faculty)
    except SlackApiError as exc:
        log.warning("Home tab not refreshed: %s", slack_error_code(exc))
    except (SlackClientError, OSError) as exc:
        log.warning("Home tab not refreshed: %s", type(exc).__name__)
