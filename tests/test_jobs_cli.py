"""``collab-bot jobs list`` and ``collab-bot jobs run NAME --as-of`` from the command line."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from bot.cli import main
from bot.months import fixed_clock
from bot.settings import load_settings
from jobs.runner import list_jobs
from storage import ledger
from storage.calendar import set_rsvp
from storage.db import Database
from storage.models import CalendarEvent, Collaborative, ProcessedEvent
from tests.conftest import NOW, load_example, set_cli_environment
from tests.constants import ALICE, BOT_TOKEN, PEERS, RIVER
from tests.slack_standin import SlackStandIn


@pytest.fixture
def cli_env(db_url: str, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch) -> Database:
    set_cli_environment(monkeypatch, db_url, slack)
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


def test_a_malformed_as_of_is_a_date_error_before_any_token_check(
    cli_env: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    with pytest.raises(SystemExit) as exit_info:
        main(["jobs", "run", "report-reminders", "--as-of", "10/04/2026"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --as-of: '10/04/2026' is not an ISO date-time" in err and "2026-04-10T09:00" in err
    assert "SLACK_BOT_TOKEN" not in err
    cli_env.dispose()


def test_dry_run_prints_what_it_would_send_and_sends_and_records_nothing(
    cli_env: Database,
    slack: SlackStandIn,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN")  # a dry run needs no Slack token
    monkeypatch.setenv("SLACK_API_URL", slack.base_url)
    assert main(["jobs", "run", "report-reminders", "--as-of", "2026-04-10T09:00", "--dry-run"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "htn: due-day for 2026-03 (due 2026-04-10): dry run: 8 would be sent, 0 already sent"
    assert len(lines) == 9
    assert lines[1] == (
        f"  -> {RIVER}: Reminder: Riverside Family Clinic's measures for March 2026 are due "
        "today, Friday, April 10."
    )
    # the peer channel is only named in the file: not set up yet, so no call reminder is planned
    assert main(["jobs", "run", "call-reminders", "--as-of", "2026-04-08T12:00", "--dry-run"]) == 0
    assert "Interim call" not in capsys.readouterr().out
    with cli_env.transaction() as session:  # as if `collab-bot channels sync` had created it
        session.execute(update(Collaborative).values(peer_channel_id=PEERS))
    assert main(["jobs", "run", "call-reminders", "--as-of", "2026-04-08T12:00", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"  -> {PEERS}: Interim call is tomorrow: Monthly interim call" in out
    # and the weekly digest, with its thread and chart uploads
    assert main(["jobs", "run", "weekly-digest", "--as-of", "2026-04-13T08:00", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "(thread of weekly-digest:htn:2026-W16): (file upload weekly-digest:htn:2026-W16:chart:" in out
    assert slack.calls == []  # nothing reached Slack
    assert ledger.statuses(cli_env) == {}  # nothing was recorded
    assert peer_channel_of_htn(cli_env) == PEERS  # nothing was created

    # after a real run the dry run leaves out what was sent
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    assert main(["jobs", "run", "report-reminders", "--as-of", "2026-04-10T09:00"]) == 0
    capsys.readouterr()
    assert main(["jobs", "run", "report-reminders", "--as-of", "2026-04-10T09:00", "--dry-run"]) == 0
    assert (
        capsys.readouterr().out
        == "htn: due-day for 2026-03 (due 2026-04-10): dry run: 0 would be sent, 8 already sent\n"
    )
    cli_env.dispose()


def test_a_dry_run_does_not_run_a_job_that_changes_the_database(
    cli_env: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import timedelta

    from storage.slack_events import first_delivery

    assert first_delivery(cli_env, "Ev0OLD")
    with cli_env.transaction() as session:
        session.execute(update(ProcessedEvent).values(received_at=NOW - timedelta(days=30)))
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    assert main(["jobs", "run", "housekeeping", "--dry-run"]) == 0
    assert (
        "htn: this job changes the database itself, so a dry run does not run it" in capsys.readouterr().out
    )
    with cli_env.reader() as session:
        assert session.get(ProcessedEvent, "Ev0OLD") is not None
    cli_env.dispose()


def test_jobs_run_exits_1_and_says_how_many_deliveries_failed(
    cli_env: Database, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.fail_next(1000, status=400, method="chat.postMessage")  # Slack refuses every post
    assert main(["jobs", "run", "report-reminders", "--as-of", "2026-04-10T09:00"]) == 1
    captured = capsys.readouterr()
    assert "0 sent, 0 already sent, 8 failed (will retry)" in captured.out
    assert captured.err == (
        "collab-bot: 8 deliveries of report-reminders did not go out (8 failed and will be retried, "
        "0 given up, 0 to check): see `collab-bot deliveries list`.\n"
    )
    slack.clear_failures()
    assert main(["jobs", "run", "report-reminders", "--as-of", "2026-04-10T10:00"]) == 0
    assert "8 sent" in capsys.readouterr().out
    cli_env.dispose()


def peer_channel_of_htn(db: Database) -> str | None:
    with db.reader() as session:
        return session.scalars(select(Collaborative.peer_channel_id).where(Collaborative.key == "htn")).one()
