"""``collab-bot jobs list`` and ``collab-bot jobs run NAME --as-of`` from the command line."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.months import fixed_clock
from bot.settings import load_settings
from jobs.runner import list_jobs
from storage.calendar import set_rsvp
from storage.db import Database
from storage.models import CalendarEvent
from tests.conftest import NOW, load_example
from tests.constants import ALICE, BOT_TOKEN, SIGNING_SECRET
from tests.slack_standin import SlackStandIn


@pytest.fixture
def cli_env(db_url: str, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch) -> Database:
    for name, value in {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.base_url,
        "DATABASE_URL": db_url,
    }.items():
        monkeypatch.setenv(name, value)
    db = Database(db_url)
    load_example(db)
    return db


def test_jobs_list_shows_next_runs_and_upcoming_calls(
    cli_env: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    with cli_env.transaction() as session:
        event = session.scalars(
            select(CalendarEvent).where(CalendarEvent.starts_at >= NOW).order_by(CalendarEvent.starts_at)
        ).first()
        assert event is not None  # the example's calendar runs until mid-2027
        set_rsvp(session, event.id, ALICE, "going")
    assert list_jobs(load_settings(), clock=fixed_clock(NOW)) == 0
    out = capsys.readouterr().out
    for name in ("report-reminders", "call-reminders", "feedback-requests", "peer-prompts"):
        assert name in out
    assert "htn: Hypertension Control Learning Collaborative (America/Los_Angeles)" in out
    assert "Upcoming calls:" in out
    assert f"{event.title}  (going 1, can't make it 0)" in out
    cli_env.dispose()


def test_jobs_run_with_as_of_in_local_time(
    cli_env: Database, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["jobs", "run", "report-reminders", "--as-of", "2026-04-10T09:00"]) == 0
    assert "htn: due-day for 2026-03 (due 2026-04-10): 8 sent" in capsys.readouterr().out
    assert main(["jobs", "run", "report-reminders", "--as-of", "2026-04-10T16:00"]) == 0
    assert "0 sent, 8 already sent" in capsys.readouterr().out
    assert len(slack.messages()) == 8
    cli_env.dispose()
