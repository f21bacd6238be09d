"""Was a ledger message posted already? Looking for its key in the channel before sending again.

Every message the ledger posts carries its key in Slack message metadata
(``{"event_type": "collab_delivery", "event_payload": {"key": …}}``). When an earlier attempt may
have reached Slack unseen (its claim expired, or Slack's answer was lost), the next sender reads
the channel's history since that attempt (``conversations.history``, or ``conversations.replies``
for a reply in a thread, with ``include_all_metadata``) and looks for the key:

* found: it was sent; the ledger records that message's ``ts``;
* not found: it was not sent; post it;
* unreadable (a direct message, or no history scope / not in the channel): a person must look,
  so the row becomes ``unknown`` instead of being sent blind;
* not checked (Slack unreachable, rate limited): try again on a later run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack.client import slack_error_code

METADATA_EVENT = "collab_delivery"
#: Slack errors that mean "this bot cannot read that conversation", not "try again later".
UNREADABLE_ERRORS = frozenset(
    {"missing_scope", "not_in_channel", "channel_not_found", "access_denied", "not_allowed_token_type"}
)
#: Our clock and Slack's may differ a little: look a bit further back than the attempt.
CLOCK_SKEW = timedelta(minutes=5)
PAGE_SIZE = 200
#: More messages than this since the attempt and the answer is left to a person.
MAX_PAGES = 5


def delivery_metadata(key: str) -> dict[str, Any]:
    """The metadata a ledger message carries, so it can be found again."""
    return {"event_type": METADATA_EVENT, "event_payload": {"key": key}}


def metadata_key(message: dict[str, Any]) -> str | None:
    """The ledger key in a message's metadata, if it is one of ours."""
    metadata = message.get("metadata") or {}
    if not isinstance(metadata, dict) or metadata.get("event_type") != METADATA_EVENT:
        return None
    payload = metadata.get("event_payload") or {}
    key = payload.get("key") if isinstance(payload, dict) else None
    return str(key) if key is not None else None


def is_direct_message(channel: str) -> bool:
    """A user ID (posting to it opens the DM) or a DM channel: the bot keeps no history scope for them."""
    return channel[:1] in ("U", "W", "D")


class Finding(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    UNREADABLE = "unreadable"  # a person must look
    NOT_CHECKED = "not_checked"  # try again later


@dataclass(frozen=True)
class Verdict:
    finding: Finding
    ts: str | None = None  # the message found
    reason: str = ""  # a Slack error code or exception name: safe to log


def find_posted(
    client: WebClient,
    channel: str,
    key: str,
    since: datetime,
    *,
    thread_ts: str | None = None,
    keep_going: Callable[[], bool] = lambda: True,
) -> Verdict:
    """Look for the message with ``key`` posted to ``channel`` (in ``thread_ts``'s thread) since ``since``.

    ``keep_going`` is asked before each further page (the sender renews its claim there).
    """
    if is_direct_message(channel):
        return Verdict(Finding.UNREADABLE, reason="direct_message")
    oldest = f"{(since - CLOCK_SKEW).timestamp():.6f}"
    cursor: str | None = None
    for page in range(MAX_PAGES):
        if page and not keep_going():
            return Verdict(Finding.NOT_CHECKED, reason="claim_lost")
        try:
            response = _page(client, channel, oldest, thread_ts, cursor)
        except SlackApiError as exc:
            code = slack_error_code(exc)
            finding = Finding.UNREADABLE if code in UNREADABLE_ERRORS else Finding.NOT_CHECKED
            return Verdict(finding, reason=code)
        except (SlackClientError, OSError) as exc:
            return Verdict(Finding.NOT_CHECKED, reason=type(exc).__name__)
        for message in response.get("messages") or []:
            if metadata_key(message) == key and message.get("ts"):
                return Verdict(Finding.FOUND, ts=str(message["ts"]))
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not response.get("has_more") or not cursor:
            return Verdict(Finding.NOT_FOUND)
    return Verdict(Finding.UNREADABLE, reason="history_too_long")


def _page(client: WebClient, channel: str, oldest: str, thread_ts: str | None, cursor: str | None) -> Any:
    if thread_ts is not None:
        return client.conversations_replies(
            channel=channel,
            ts=thread_ts,
            oldest=oldest,
            include_all_metadata=True,
            limit=PAGE_SIZE,
            cursor=cursor,
        )
    return client.conversations_history(
        channel=channel, oldest=oldest, include_all_metadata=True, limit=PAGE_SIZE, cursor=cursor
    )
