"""What every handler and job needs: settings, the database and the Slack Web API client."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient

from bot.settings import Settings
from storage.db import Database


@dataclass
class BotContext:
    settings: Settings
    db: Database
    client: WebClient
