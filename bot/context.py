"""What every handler and job needs: settings, the database, the Slack Web API client and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk import WebClient

from bot.months import Clock, utc_now
from bot.settings import Settings
from storage.db import Database


@dataclass
class BotContext:
    settings: Settings
    db: Database
    client: WebClient
    #: Tells the time; tests set a fixed one (``bot.months.fixed_clock``).
    clock: Clock = field(default=utc_now)

    def now(self) -> datetime:
        """The current moment, timezone-aware (UTC)."""
        return self.clock()
