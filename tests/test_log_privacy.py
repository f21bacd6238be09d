"""Privacy in logs: a full scenario with every logger at DEBUG leaks no secret and no free text.

Signed requests to the real endpoint (a report with a narrative, a PDSA plan and its notes, an
RSVP), a database error whose PostgreSQL DETAIL quotes what was typed, and the jobs (call
reminders, the weekly digest) run with the root logger and slack_sdk, slack_bolt, sqlalchemy,
urllib and the bot's own loggers at DEBUG; everything captured is scanned for the bot token, the
signing secret, the OAuth client secret and every free-text value sent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

import storage.pdsa
from bot.calls.views import RSVP_GOING
from bot.ops.logs import protect, safe_error
from storage.db import Database
from storage.models import ChangeIdea
from tests.conftest import RunningBot, load_example, make_context, running_bot
from tests.constants import ALICE, BOT_TOKEN, SIGNING_SECRET
from tests.helpers import eventually, run_job_at, team_id_by_key, wait_for_calls, wait_for_messages
from tests.signing import block_actions_payload
from tests.slack_standin import SlackStandIn
from tests.test_call_reminders import synced
from tests.test_measures_e2e import open_modal, submit
from tests.test_oauth import CLIENT_SECRET as OAUTH_SECRET
from tests.test_oauth import HILLTOP, ONE, TOKENS, TWO, install, oauth_bot  # noqa: F401 - a fixture
from tests.test_pdsa_e2e import (
    ACTION_NEW,
    click_in_view,
    open_cycle_in_view,
    open_pdsa,
    plan_values,
    text,
    update_values,
)
from tests.test_pdsa_e2e import submit as submit_pdsa

LOGGERS = (
    "",
    "slack_sdk",
    "slack_bolt",
    "sqlalchemy",
    "sqlalchemy.engine",
    "urllib",
    "urllib3",
    "apscheduler",
    "alembic",
    "bot",
    "handlers",
    "jobs",
    "storage",
    "slack_bolt.App",
)

NARRATIVE = {
    "wins": "Our quiet kiosk helper stayed late on Tuesdays",
    "barriers": "The lead physician is out on leave until June",
    "help_needed": "Templates for the huddle board, please",
}
PLAN = {
    "change_idea_new": "Zebra-stripe flag on the chart of the week",
    "objective": "Will the flag prompt a second reading every time?",
    "prediction": "Eight of ten flagged charts get a second reading",
    "plan_who": "The evening nurse on Thursdays",
    "plan_what": "Laminated zebra card clipped to the chart",
    "plan_when": "Thursday afternoons in May",
    "plan_where": "Annex room 4B behind the pharmacy",
    "plan_data": "Clipboard tally by the evening nurse",
}
NOTES = {
    "do_observations": "Flag fell off the clipboard twice on Monday",
    "do_surprises": "The kiosk printer jammed on Thursday",
    "study_results": "Seven of ten got the second reading",
    "study_learning": "Velcro holds better than clips",
    "next_step": "Swap the clip for velcro next week",
}
RACE_TITLE = "Duplicate idea named after the Abernathy-Quist kiosk"


@pytest.fixture
def everything_at_debug(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    saved = {name: logging.getLogger(name).level for name in LOGGERS}
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    try:
        yield caplog
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def _captured(caplog: pytest.LogCaptureFixture) -> str:
    """Every record as a handler would write it: message, exception and stack."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


def _force_a_duplicate_idea(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the PDSA store insert a change idea the team already has (a lost race), so the
    database refuses it with an error whose DETAIL quotes the title."""

    def always_insert(session: Any, new: Any) -> ChangeIdea:
        idea = ChangeIdea(team_id=new.team_id, title=new.change_idea_title, created_by=new.created_by)
        session.add(idea)
        session.flush()
        return idea

    monkeypatch.setattr(storage.pdsa, "_find_or_add_idea", always_insert)


def _scenario(bot: RunningBot, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Drive the bot as people and the clock would; returns every free-text value sent."""
    synced(bot.ctx)  # the peer channel, as `collab-bot channels sync` sets it up
    view = open_modal(bot, ALICE)
    assert submit(bot, view, ALICE, narrative=NARRATIVE, score="3.0") is None
    wait_for_messages(bot.slack, ALICE)

    riverside = str(team_id_by_key(bot.db, "riverside"))
    view_id = open_pdsa(bot, ALICE)
    click_in_view(bot, view_id, ACTION_NEW, ALICE, value=riverside, block_id="new")
    reply = submit_pdsa(bot, view_id, plan_values(**{k: text(v) for k, v in PLAN.items()}), ALICE)
    assert reply["response_action"] == "update"
    view_id = open_pdsa(bot, ALICE)
    with bot.db.reader() as session:
        cycle_id = session.query(storage.pdsa.PdsaCycle.id).scalar()
    open_cycle_in_view(bot, view_id, cycle_id)
    reply = submit_pdsa(bot, view_id, update_values(None, **{k: text(v) for k, v in NOTES.items()}), ALICE)
    assert reply["response_action"] == "update"

    run_job_at(bot.ctx, "call-reminders", "2026-11-11T12:00")
    channel, message, event_id = next(
        (m["channel"], m, e["value"])
        for m in bot.slack.messages()
        for b in m["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e.get("action_id") == RSVP_GOING
    )
    payload = block_actions_payload(RSVP_GOING, ALICE, value=event_id, channel_id=channel, message=message)
    assert bot.requests.interact(payload)[0] == 200
    assert eventually(lambda: len(bot.slack.calls_to("chat.postEphemeral")) >= 1)

    run_job_at(bot.ctx, "weekly-digest", "2026-04-20T08:00")

    # A lost race: the database refuses a second change idea with the same title.
    _force_a_duplicate_idea(monkeypatch)
    for _ in range(2):  # the first creates the idea, the second collides with it
        view_id = open_pdsa(bot, ALICE)
        click_in_view(bot, view_id, ACTION_NEW, ALICE, value=riverside, block_id="new")
        bot.requests.interact(_submission(bot, view_id, plan_values(change_idea_new=text(RACE_TITLE))))
    return [*NARRATIVE.values(), *PLAN.values(), *NOTES.values(), RACE_TITLE]


def _submission(bot: RunningBot, view_id: str, values: dict[str, Any]) -> dict[str, Any]:
    from tests.signing import view_submission_payload

    view = bot.slack.views[view_id]
    return view_submission_payload(view, values, ALICE, view_id=view_id, view_hash=view["hash"])


@pytest.mark.db
def test_debug_logs_carry_no_secret_and_no_free_text(
    db_url: str,
    slack: SlackStandIn,
    everything_at_debug: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx = make_context(db_url, slack)
    load_example(ctx.db)
    with running_bot(ctx, slack) as bot:
        typed = _scenario(bot, monkeypatch)
        assert eventually(
            lambda: any(
                "IntegrityError" in r.getMessage()
                for r in everything_at_debug.records
                if r.levelno >= logging.WARNING
            )
        )
    logs = _captured(everything_at_debug)
    lowered = logs.lower()
    assert len(everything_at_debug.records) > 100  # DEBUG really was on
    assert "slack_sdk" in logs and "sqlalchemy.engine" in logs and "slack_bolt" in logs
    leaks = [s.lower() for s in [BOT_TOKEN, SIGNING_SECRET, *typed] if s.lower() in lowered]
    assert leaks == [], [line for line in lowered.splitlines() if any(s in line for s in leaks)][:5]
    assert "not saved: IntegrityError" in logs and "DETAIL" not in logs  # the error, by class only


def test_a_database_error_is_described_by_class_and_sqlstate(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    load_example(db)
    team_id = team_id_by_key(db, "riverside")
    with pytest.raises(IntegrityError) as caught, db.transaction() as session:
        for _ in range(2):
            session.add(ChangeIdea(team_id=team_id, title="Ms Pemberton's idea", created_by=ALICE))
            session.flush()
    described = safe_error(caught.value)
    protect()  # as every context does: records are made safe when created
    with caplog.at_level(logging.ERROR):
        logging.getLogger("bot.test").error("saving failed: %s", caught.value, exc_info=caught.value)
    logged = "\n".join(logging.Formatter().format(r) for r in caplog.records)
    assert "pemberton" not in logged.lower() and "DETAIL" not in logged and "Traceback" in logged
    assert f"saving failed: {described}" in logged
    assert described.startswith("IntegrityError") and "pemberton" not in described.lower()
    if db.engine.dialect.name == "postgresql":
        assert described == "IntegrityError (UniqueViolation, SQLSTATE 23505)"


@pytest.mark.db
def test_oauth_installs_at_debug_log_no_client_secret_or_token(
    db_url: str, request: pytest.FixtureRequest, everything_at_debug: pytest.LogCaptureFixture
) -> None:
    bot: RunningBot = request.getfixturevalue("oauth_bot")
    for team in (ONE, TWO):
        assert "Thank you!" in install(bot, team)
    status, _, _ = bot.requests.command("/measures", "", ALICE, team_id=TWO, channel_id=HILLTOP)
    assert status == 200
    wait_for_calls(bot.slack, "views.update")
    logs = _captured(everything_at_debug)
    assert "oauth.v2.access" in logs  # the exchange was logged, at DEBUG
    codes = [f"code-{team}" for team in (ONE, TWO)]  # one-time install codes are secrets too
    leaks = [s for s in [OAUTH_SECRET, *TOKENS.values(), *codes, SIGNING_SECRET] if s in logs]
    assert leaks == [], [line for line in logs.splitlines() if any(s in line for s in leaks)][:5]


def test_every_engine_hides_bound_parameters(db: Database) -> None:
    """Bound values (what people typed) never appear in SQLAlchemy's errors or logs."""
    assert db.engine.hide_parameters
    from storage.clock_lock import ClockLock

    lock = ClockLock(db.url)
    engine = getattr(lock, "_engine", None)
    assert engine is None or engine.hide_parameters
    if engine is not None:
        engine.dispose()
