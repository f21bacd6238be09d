"""Peer-channel engagement, counted and never read: signed message events to the real endpoint,
SQLite and PostgreSQL; the welcome DM; the digest line and the ``engagement`` export table."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from bot.months import iso_week, local_date
from bot.peers.channel import sync_peer_channel
from bot.peers.engagement import engagement_line
from storage.export import export_frames
from storage.models import Base
from storage.peer_activity import team_weeks
from tests.conftest import RunningBot
from tests.constants import ALICE, ARJUN, BRUNO, FACULTY, RIVER
from tests.helpers import collaborative_named, eventually, wait_until

SECRET = "Mrs Zorblatt said it hurt"


def message(channel: str, user: str, ts: str, thread_ts: str | None = None) -> dict[str, object]:
    event: dict[str, object] = {
        "type": "message",
        "channel": channel,
        "channel_type": "group",
        "user": user,
        "text": SECRET,
        "ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def everything_stored(bot: RunningBot) -> str:
    """Every row of every table, as one string (to look for text that must not be there)."""
    dump = []
    with bot.db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            dump += [repr(row) for row in conn.execute(text(f'SELECT * FROM "{table.name}"'))]
    return "\n".join(dump)


def test_peer_messages_are_counted_per_team_once_and_never_stored(
    loaded_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot = loaded_bot
    collab = collaborative_named(bot.db)
    result = sync_peer_channel(bot.ctx, collab.id)
    assert result is not None and result.channel_id
    peer = result.channel_id
    now = time.time()
    post, reply = f"{now:.6f}", f"{now + 1:.6f}"
    week = iso_week(local_date(datetime.fromtimestamp(now, tz=UTC), collab.timezone))

    assert bot.requests.event(message(peer, ALICE, post), "EvPOST0001")[0] == 200
    # Slack retries the same event: counted once
    assert bot.requests.event(message(peer, ALICE, post), "EvPOST0001", retry_num=1)[0] == 200
    bot.requests.event(message(peer, BRUNO, reply, thread_ts=post), "EvREPLY001")
    bot.requests.event(message(peer, ARJUN, f"{now + 2:.6f}", thread_ts=post), "EvREPLY002")
    # not counted: a team channel, faculty (no team), an edit, a bot
    bot.requests.event(message(RIVER, ALICE, f"{now + 3:.6f}"), "EvTEAM0001")
    bot.requests.event(message(peer, FACULTY, f"{now + 4:.6f}"), "EvFACU0001")
    bot.requests.event({**message(peer, ALICE, f"{now + 5:.6f}"), "subtype": "message_changed"}, "EvEDIT0001")
    bot.requests.event({**message(peer, ALICE, f"{now + 6:.6f}"), "bot_id": "B0OTHER01"}, "EvBOT00001")

    def counts() -> dict[str, tuple[int, int, int]]:
        with bot.db.reader() as session:
            return {r.team_key: (r.posts, r.replies, r.people) for r in team_weeks(session, collab.id, week)}

    expected = {"riverside": (1, 1, 2), "eastside": (0, 1, 1)}
    assert wait_until(lambda: counts() == expected)
    time.sleep(0.5)  # anything still in flight would change the counts now
    assert counts() == expected
    stored = everything_stored(bot)
    assert "EvPOST0001" in stored and "EvTEAM0001" not in stored  # a team channel's: dropped on arrival
    assert "Zorblatt" not in stored  # no message text anywhere in the database
    assert not [r for r in caplog.records if "Zorblatt" in r.getMessage()]

    frame = export_frames(bot.db)["engagement"]
    assert list(frame.columns) == ["collaborative", "team", "week", "posts", "replies", "people"]
    assert frame.astype(str).values.tolist() == [
        ["htn", "eastside", week, "0", "1", "1"],
        ["htn", "riverside", week, "1", "1", "2"],
    ]
    line = engagement_line(
        bot.db, collab.id, datetime.fromtimestamp(now + 7 * 86400, tz=UTC), collab.timezone
    )
    assert line.startswith(f"1 post and 2 replies from 2 of 8 teams last week ({week}); quietest: ")


def test_someone_joining_the_peer_channel_is_welcomed_once(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    result = sync_peer_channel(bot.ctx, collaborative_named(bot.db).id)
    assert result is not None and result.channel_id
    joined = {
        "type": "member_joined_channel",
        "user": ALICE,
        "channel": result.channel_id,
        "channel_type": "G",
    }
    bot.requests.event(joined, "EvJOIN0001")
    [welcome] = wait_until(lambda: [m for m in bot.slack.messages() if m["channel"] == ALICE])
    assert "Welcome to the peer channel" in welcome["text"]
    assert "Riverside Family Clinic" in welcome["blocks"][0]["text"]["text"]
    bot.requests.event(joined, "EvJOIN0002")  # left and joined again: still one welcome
    bot.requests.event({**joined, "channel": RIVER}, "EvJOIN0003")  # a team channel: nothing
    assert not eventually(lambda: len([m for m in bot.slack.messages() if m["channel"] == ALICE]) > 1, 1.0)
