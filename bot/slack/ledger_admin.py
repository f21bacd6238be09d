"""``collab-bot deliveries list`` and ``collab-bot deliveries retry``: the delivery ledger by hand.

``list`` shows the messages that are not sent (or those with ``--status``): key, status, attempts,
channel, the last error code and when it was last tried; never the message text (it may hold what
people typed). ``retry`` puts ``dead``, ``unknown`` or ``pending`` messages back to pending with a
fresh attempt count and sends them now through the ledger (``--all-dead`` for every dead one). An
``unknown`` message may already be in the channel: retry it only after looking.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime

from bot.settings import ConfigError, Settings
from bot.slack.app import build_context
from bot.slack.delivery import SIDE_EFFECT, Outcome, send_claimed
from storage import ledger
from storage.db import Database
from storage.enums import DeliveryStatus

NOT_SENT = (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.DEAD, DeliveryStatus.UNKNOWN)


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


def list_deliveries(settings: Settings, statuses: Sequence[str] | None) -> int:
    wanted = list(statuses) if statuses else [s.value for s in NOT_SENT]
    db = Database(settings.database_url)
    try:
        rows = ledger.rows_with_status(db, wanted)
    finally:
        db.dispose()
    if not rows:
        print(f"No deliveries are {' or '.join(wanted)}.")
        return 0
    print(f"{'STATUS':8} {'TRIES':>5}  {'LAST TRIED':20} {'CHANNEL':12} {'LAST ERROR':28} KEY")
    for row in rows:
        print(
            f"{row.status:8} {row.attempts:>5}  {_when(row.claimed_at):20} {row.channel:12} "
            f"{(row.last_error or '-')[:28]:28} {row.key}"
        )
    return 0


def _is_side_effect(db: Database, key: str) -> bool:
    rows = ledger.rows_by_key(db, [key])
    return bool(rows) and bool(json.loads(rows[0].payload).get(SIDE_EFFECT))


def retry_deliveries(settings: Settings, keys: Sequence[str], *, all_dead: bool = False) -> int:
    """Requeue and send each key; exit 1 if any could not be requeued or sent."""
    if not keys and not all_dead:
        raise ConfigError(
            "give the KEY of a delivery to retry (`collab-bot deliveries list`), or --all-dead."
        )
    settings.require("SLACK_BOT_TOKEN")
    ctx = build_context(settings)
    try:
        targets = list(keys) + (ledger.keys_with_status(ctx.db, DeliveryStatus.DEAD) if all_dead else [])
        if not targets:
            print("No dead deliveries to retry.")
            return 0
        problems = 0
        for key in dict.fromkeys(targets):
            if not ledger.requeue(ctx.db, key):
                status = ledger.status_of(ctx.db, key)
                reason = "no such delivery" if status is None else f"it is {status}, not dead/unknown/pending"
                print(f"{key}: not retried ({reason})", file=sys.stderr)
                problems += 1
                continue
            if _is_side_effect(ctx.db, key):
                print(f"{key}: back to pending; the job that owns this upload redoes it when it next runs")
                continue
            outcome = send_claimed(ctx, key)
            print(f"{key}: {outcome.value}")
            if outcome != Outcome.SENT:
                problems += 1
        return 1 if problems else 0
    finally:
        ctx.db.dispose()
