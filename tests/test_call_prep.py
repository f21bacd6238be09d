"""Interim-call prep: the ``call-prep`` job sends faculty the agenda draft once, two days before the
call, with the right teams; ``/collab prep`` shows it on demand to faculty only. On the demo
collaborative (SQLite and PostgreSQL), through the ledger, the stand-in and the signed endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.collaborative.demo import seed_demo
from bot.context import BotContext
from bot.prep.rules import prep_day, prep_due
from bot.prep.views import PREPARING
from jobs.registry import load_jobs
from storage import ledger
from storage.collaboratives import collaborative_by_key
from storage.enums import CallKind
from storage.models import CalendarEvent, Collaborative, Delivery
from storage.pdsa import CycleUpdate, NewCycle, create_cycle, update_cycle
from tests.conftest import RunningBot, make_context, running_bot
from tests.constants import ALICE, ALL_FACULTY, FACULTY
from tests.helpers import team_id_by_key, wait_for_calls
from tests.slack_standin import SlackStandIn, validate_blocks

TZ = ZoneInfo("America/Los_Angeles")
CALL_AT = datetime(2027, 2, 17, 12, 0, tzinfo=TZ)  # a Wednesday noon: its draft is due Monday the 15th
NOTE = "Resting 5 minutes first matters <!channel> & <https://evil.example|this>"


def test_the_draft_is_due_from_two_local_days_before_until_the_call() -> None:
    assert prep_day(CALL_AT, "America/Los_Angeles") == date(2027, 2, 15)
    assert not prep_due(CALL_AT, "America/Los_Angeles", datetime(2027, 2, 14, 23, 59, tzinfo=TZ))
    assert prep_due(CALL_AT, "America/Los_Angeles", datetime(2027, 2, 15, 0, 0, tzinfo=TZ))
    assert prep_due(CALL_AT, "America/Los_Angeles", CALL_AT - timedelta(minutes=1))
    assert not prep_due(CALL_AT, "America/Los_Angeles", CALL_AT)


@pytest.fixture
def demo(db_url: str, slack: SlackStandIn) -> Iterator[tuple[BotContext, Collaborative]]:
    """The demo collaborative with one extra interim call on Wednesday 17 February 2027 and a shared
    cycle whose Study note carries mrkdwn that must be shown as text."""
    seeded = seed_demo(db_url)
    seeded.db.dispose()
    ctx = make_context(db_url, slack, now=seeded.as_of)
    with ctx.db.transaction() as session:
        collab = collaborative_by_key(session, "htn")
        assert collab is not None
        session.add(
            CalendarEvent(
                collaborative_id=collab.id,
                key="prep-test-call",
                title="Interim call: what works for repeat BP",
                kind=CallKind.INTERIM_CALL,
                starts_at=CALL_AT,
                duration_minutes=60,
            )
        )
    cycle = create_cycle(
        ctx.db,
        NewCycle(
            team_id=team_id_by_key(ctx.db, "riverside"),
            created_by=ALICE,
            objective="Repeat BP after rest?",
            prediction="Half the repeats under 140/90",
            start_date=date(2027, 1, 25),
            change_idea_title="Rest 5 minutes before the repeat BP",
        ),
        now=seeded.as_of,
    )
    update_cycle(
        ctx.db,
        cycle.id,
        CycleUpdate(study_learning=NOTE, decision="adopt", end_date=date(2027, 2, 8)),
        date(2027, 2, 8),
        now=seeded.as_of,
    )
    team_ids = {key: team_id_by_key(ctx.db, key) for key in ("eastside", "lakeview", "sierra-vista")}
    sent_ask(ctx, slack, collab.id, team_ids["eastside"], datetime(2027, 2, 10, 9, 0, tzinfo=TZ))  # open
    answered = sent_ask(ctx, slack, collab.id, team_ids["lakeview"], datetime(2027, 2, 11, 9, 0, tzinfo=TZ))
    slack.posted[ASKS]["1800000000.000001"] = {
        "ts": "1800000000.000001",
        "thread_ts": answered,
        "user": ALICE,
    }
    sent_ask(
        ctx, slack, collab.id, team_ids["sierra-vista"], datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
    )  # too old
    yield ctx, collab
    ctx.db.dispose()


ASKS = "C0PEERASK1"


def sent_ask(ctx: BotContext, slack: SlackStandIn, collab_id: int, team_id: int, at: datetime) -> str:
    """An ask for help as the peer-post feature leaves it: sent through the ledger, in the channel."""
    ts = f"{at.timestamp():.6f}"
    key = f"peer-ask:{collab_id}:{team_id}:V{int(at.timestamp())}"
    ledger.record_intents(ctx.db, [ledger.Intent(key, "peer-posts", ASKS, "{}", collab_id)])
    claim = ledger.claim(ctx.db, key)
    assert claim is not None and ledger.mark_sent(ctx.db, claim, ts)
    slack.posted.setdefault(ASKS, {})[ts] = {"ts": ts, "user": ALICE, "text": "How do you …?"}
    return ts


def run_prep(ctx: BotContext, collab: Collaborative, local: datetime) -> str:
    return load_jobs()["call-prep"].run(ctx, collab, local.replace(tzinfo=TZ))


def test_faculty_get_the_draft_once_two_days_before_with_the_right_teams(
    demo: tuple[BotContext, Collaborative], slack: SlackStandIn
) -> None:
    ctx, collab = demo
    assert run_prep(ctx, collab, datetime(2027, 2, 14, 8, 0)) == "no interim-call prep due"
    assert not slack.calls_to("chat.postMessage")

    summary = run_prep(ctx, collab, datetime(2027, 2, 15, 8, 0))
    assert summary.startswith("3 agenda drafts due: 3 sent")
    posts = slack.calls_to("chat.postMessage")
    assert {p.args["channel"] for p in posts} == set(ALL_FACULTY)
    draft = posts[0].args
    assert validate_blocks(draft["blocks"], "message") == []
    text = json.dumps(draft["blocks"], ensure_ascii=False)
    assert "Agenda draft: Interim call: what works for repeat BP" in text
    candidates, rest = text.split("Study notes worth sharing")
    assert "Valle Verde Health Center" in candidates  # the digest's new improvement signal
    assert "Adopted:" in candidates
    notes, rest = rest.split("Open asks from the peer channel")
    asks, support = rest.split("Teams needing support")
    assert "Riverside Family Clinic" in notes and "Rest 5 minutes before the repeat BP" in notes
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|this&gt;" in notes and "<!channel>" not in text
    assert "Eastside Community Health Center* asked Feb 10, no reply yet" in asks
    assert "Lakeview" not in asks and "Sierra Vista" not in asks  # answered; more than 30 days old
    assert "Mission Hills Family Health" in support and "missed the December 2026 and January 2027" in support
    with ctx.db.reader() as session:
        keys = set(session.scalars(select(Delivery.key).where(Delivery.job == "call-prep")))
    assert len(keys) == 3 and all(k.startswith("call-prep:htn:event") for k in keys)

    assert run_prep(ctx, collab, datetime(2027, 2, 15, 8, 0)) == "no interim-call prep due"  # sent already
    run_prep(ctx, collab, datetime(2027, 2, 16, 8, 0))
    assert len(slack.calls_to("chat.postMessage")) == 3
    assert run_prep(ctx, collab, datetime(2027, 2, 17, 13, 0)) == "no interim-call prep due"


def test_collab_prep_shows_faculty_the_draft_and_refuses_others(
    demo: tuple[BotContext, Collaborative], slack: SlackStandIn
) -> None:
    ctx, _ = demo
    with running_bot(ctx, slack) as bot:
        assert reply(bot, ALICE)["text"] == "Only faculty can see the interim-call prep draft."
        assert not slack.calls_to("chat.postMessage")
        assert reply(bot, FACULTY)["text"] == PREPARING
        [dm] = wait_for_calls(slack, "chat.postMessage")
        assert dm.args["channel"] == FACULTY
        assert "Agenda draft: Interim call: what works for repeat BP" in json.dumps(dm.args["blocks"])


def reply(bot: RunningBot, user: str) -> dict[str, object]:
    return bot.answer("/collab", "prep", user)
