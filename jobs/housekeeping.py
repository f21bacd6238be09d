"""``housekeeping``: daily tidying that keeps tables from growing without end.

Slack retries an event within minutes, so processed event IDs older than a week are forgotten;
a modal lives an hour at most, so the records of modal submissions (``storage.submissions``) go
after a week too. The delivery ledger keeps every message's key, channel, status, ``ts`` and
times, but drops the message text (its payload) 30 days after it was sent: it is not a second
copy of what people wrote.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.context import BotContext
from jobs.registry import Job, register_job
from storage.ledger import drop_sent_payloads
from storage.models import Collaborative
from storage.slack_events import forget_older_than
from storage.submissions import forget_submissions_before

KEEP_EVENT_IDS_DAYS = 7
KEEP_SENT_TEXT_DAYS = 30


def _cron(collab: Collaborative) -> dict[str, Any]:
    return {"hour": 3, "minute": 30}


def run(ctx: BotContext, collab: Collaborative, as_of: datetime) -> str:
    forgotten = forget_older_than(ctx.db, days=KEEP_EVENT_IDS_DAYS, now=as_of)
    submissions = forget_submissions_before(ctx.db, as_of - timedelta(days=KEEP_EVENT_IDS_DAYS))
    dropped = drop_sent_payloads(ctx.db, sent_before=as_of - timedelta(days=KEEP_SENT_TEXT_DAYS))
    return (
        f"forgot {forgotten} processed Slack event IDs and {submissions} modal submissions "
        f"older than {KEEP_EVENT_IDS_DAYS} days; "
        f"dropped the text of {dropped} messages sent more than {KEEP_SENT_TEXT_DAYS} days ago"
    )


JOB = register_job(
    Job(
        "housekeeping",
        "Daily tidying: forget old processed Slack event IDs, drop the text of messages sent 30 days ago",
        _cron,
        run,
    )
)
