"""``collab-bot purge --before DATE``: feedback free text of earlier calls is removed (scores stay),
only after a yes (or ``--yes``); SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime

import pytest
from sqlalchemy import select

from bot.feedback.purge import run_purge
from bot.settings import load_settings
from storage.db import Database
from storage.feedback import save_answer
from storage.models import CalendarEvent, FeedbackResponse
from tests.conftest import NOW, ROOT, load_example

TEXTS: dict[str, str | None] = {
    "most_useful": "Peer stories",
    "to_improve": "Shorter",
    "will_apply": "Huddles",
    "next_topics": "Data",
}


def _answers(db: Database) -> list[tuple[str, int, str | None, datetime | None]]:
    with db.reader() as session:
        rows = session.execute(
            select(CalendarEvent.key, FeedbackResponse)
            .join(CalendarEvent)
            .order_by(CalendarEvent.starts_at, FeedbackResponse.id)
        ).all()
        return [(key, r.usefulness, r.most_useful, r.purged_at) for key, r in rows]


@pytest.fixture
def answered(db: Database) -> Database:
    """Two answers to the first learning session (January 2026), one to a November call."""
    load_example(db)
    with db.transaction() as session:
        events = list(session.scalars(select(CalendarEvent).order_by(CalendarEvent.starts_at)))
        november = next(e for e in events if e.starts_at.month == 11)
        for responder, event, usefulness in (("a", events[0], 4), ("b", events[0], 2), ("c", november, 5)):
            save_answer(
                session,
                event_id=event.id,
                responder=responder,
                usefulness=usefulness,
                texts=TEXTS,
                slack_user_id=None,
                team_id=None,
                now=event.starts_at,
            )
    return db


def test_purge_removes_only_earlier_text_and_keeps_the_scores(
    answered: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings({"DATABASE_URL": answered.url})
    assert run_purge(settings, date(2026, 6, 1), None, yes=True, clock=lambda: NOW) == 0
    assert "Removed the free text of 2 feedback answers." in capsys.readouterr().out
    rows = _answers(answered)
    assert [(u, text) for _, u, text, _ in rows] == [(4, None), (2, None), (5, "Peer stories")]
    assert rows[0][3] == NOW and rows[2][3] is None
    with answered.reader() as session:
        first = session.scalars(select(FeedbackResponse).order_by(FeedbackResponse.id)).first()
        assert first is not None and (first.to_improve, first.will_apply, first.next_topics) == (
            None,
            None,
            None,
        )
    # again: nothing left to remove
    assert run_purge(settings, date(2026, 6, 1), None, yes=True) == 0
    assert "nothing to remove" in capsys.readouterr().out


def test_purge_asks_first_and_a_no_changes_nothing(
    answered: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings({"DATABASE_URL": answered.url})
    asked: list[str] = []

    def say_no(question: str) -> str:
        asked.append(question)
        return "no"

    no = run_purge(settings, date(2026, 6, 1), "htn", yes=False, ask=say_no, interactive=True)
    assert no == 1 and "Nothing was removed." in capsys.readouterr().out
    assert "the free text of 2 feedback answers to calls before 2026-06-01" in asked[0]
    assert [text for _, _, text, _ in _answers(answered)] == ["Peer stories"] * 3
    assert run_purge(settings, date(2026, 6, 1), "htn", yes=False, ask=lambda q: "yes", interactive=True) == 0
    assert [text for _, _, text, _ in _answers(answered)] == [None, None, "Peer stories"]
    assert run_purge(settings, date(2026, 6, 1), "nope", yes=True) == 1
    assert "there is no collaborative 'nope'" in capsys.readouterr().err


def test_the_command_without_a_terminal_needs_yes(answered: Database) -> None:
    def purge(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", "purge", "--before", "2026-06-01", *extra],
            cwd=ROOT,
            env={"DATABASE_URL": answered.url, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )

    refused = purge()
    assert refused.returncode == 1 and "add --yes" in refused.stderr
    assert [text for _, _, text, _ in _answers(answered)] == ["Peer stories"] * 3
    done = purge("--yes")
    assert done.returncode == 0 and "Removed the free text of 2 feedback answers." in done.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "bot.cli", "purge", "--before", "01/06/2026"],
        cwd=ROOT,
        env={"DATABASE_URL": answered.url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "is not a date" in bad.stderr
