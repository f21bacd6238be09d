"""The report reminder ladder, time-controlled with ``as_of`` (no sleeping), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections import Counter

from bot.measures.views import OPEN_ACTION
from storage import ledger
from tests.conftest import load_example, make_context
from tests.constants import ALL_FACULTY, TEAM_CHANNELS, TEAM_LEADS
from tests.helpers import report_one_measure, run_job_at, team_id_by_key
from tests.slack_standin import SlackStandIn


def new_messages(slack: SlackStandIn, before: int) -> list[dict]:
    return slack.messages()[before:]


def test_each_step_of_the_ladder_reaches_the_right_people(db_url: str, slack: SlackStandIn) -> None:
    ctx = make_context(db_url, slack)
    load_example(ctx.db)
    report_one_measure(ctx.db, "riverside", "2026-03", "U0X")
    report_one_measure(ctx.db, "eastside", "2026-03", "U0X")
    missing = set(TEAM_CHANNELS) - {"riverside", "eastside"}

    # nothing between steps
    assert run_job_at(ctx, "report-reminders", "2026-04-05T09:00") == "no reminder step today"
    assert slack.messages() == []

    for day, phrase in (
        ("2026-04-03", "due in a week"),
        ("2026-04-09", "due tomorrow"),
        ("2026-04-10", "due today"),
    ):
        before = len(slack.messages())
        run_job_at(ctx, "report-reminders", f"{day}T09:00")
        sent = new_messages(slack, before)
        assert {m["channel"] for m in sent} == {TEAM_CHANNELS[t] for t in missing}
        for msg in sent:
            assert phrase in msg["text"] and "March 2026" in msg["text"]
            button = msg["blocks"][1]["elements"][0]
            assert button["action_id"] == OPEN_ACTION and button["text"]["text"] == "Report now"
            value = json.loads(button["value"])
            team_key = next(k for k, c in TEAM_CHANNELS.items() if c == msg["channel"])
            assert value == {"team_id": team_id_by_key(ctx.db, team_key), "period": "2026-03"}
        if day == "2026-04-09":
            # reports after the day-before reminder
            report_one_measure(ctx.db, "valle-verde", "2026-03", "U0X")
            missing.discard("valle-verde")

    before = len(slack.messages())
    run_job_at(ctx, "report-reminders", "2026-04-11T09:00")
    sent = new_messages(slack, before)
    assert {m["channel"] for m in sent} == ALL_FACULTY
    summary = sent[0]
    assert "3 of 8 teams reported their March 2026 measures" in summary["text"]
    body = json.dumps(summary["blocks"])
    assert "Valle Verde Health Center" in body.split("Still missing")[0]
    assert "<@U0IRENE001>" in body  # the Harbor Street lead is named

    for day in ("2026-04-12", "2026-04-13"):
        before = len(slack.messages())
        run_job_at(ctx, "report-reminders", f"{day}T09:00")
        sent = new_messages(slack, before)
        assert Counter(m["channel"] for m in sent) == Counter(u for t in missing for u in TEAM_LEADS[t])
        assert all(m["blocks"][1]["elements"][0]["action_id"] == OPEN_ACTION for m in sent)
        if day == "2026-04-12":
            report_one_measure(ctx.db, "lakeview", "2026-03", "U0X")
            missing.discard("lakeview")

    # nobody on a team that reported ever got anything
    reported_channels = {TEAM_CHANNELS[t] for t in ("riverside", "eastside")}
    reported_leads = TEAM_LEADS["riverside"] | TEAM_LEADS["eastside"]
    assert not [m for m in slack.messages() if m["channel"] in reported_channels | reported_leads]
    ctx.db.dispose()


def test_running_the_job_twice_sends_once(db_url: str, slack: SlackStandIn) -> None:
    ctx = make_context(db_url, slack)
    load_example(ctx.db)
    first = run_job_at(ctx, "report-reminders", "2026-04-10T09:00")
    second = run_job_at(ctx, "report-reminders", "2026-04-10T09:00")
    later = run_job_at(ctx, "report-reminders", "2026-04-10T15:00")
    assert "8 sent" in first and "0 sent, 8 already sent" in second and "0 sent" in later
    assert len(slack.messages()) == 8
    ctx.db.dispose()


def test_with_30_percent_429_and_503_every_reminder_arrives_exactly_once(
    db_url: str, slack: SlackStandIn
) -> None:
    ctx = make_context(db_url, slack)
    load_example(ctx.db)
    report_one_measure(ctx.db, "riverside", "2026-05", "U0X")
    slack.fail_fraction(0.3, statuses=(429, 503), retry_after=0, seed=7)
    days = ["2026-06-03", "2026-06-11", "2026-06-12", "2026-06-13"]
    for day in days:
        for _ in range(6):  # the hourly re-runs of that day
            run_job_at(ctx, "report-reminders", f"{day}T09:00")
            if not ledger.pending_keys(ctx.db, "report-reminders"):
                break
    assert not ledger.pending_keys(ctx.db, "report-reminders")
    expected = 7 + len(ALL_FACULTY) + 2 * sum(len(TEAM_LEADS[t]) for t in TEAM_CHANNELS if t != "riverside")
    delivered = Counter((m["channel"], m["text"]) for m in slack.messages())
    assert len(delivered) == expected
    assert set(delivered.values()) == {1}
    assert len(slack.messages()) == expected
    assert any(c.status in (429, 503) for c in slack.calls)  # failures really happened
    ctx.db.dispose()
