"""One workspace per collaborative, with one bot token: signed requests through the real /slack/events.

A request signed for another workspace sees and writes nothing; only people of a call's
collaborative may RSVP or give feedback; someone on no team is pointed at their own workspace's
faculty; refusals are security events; the workspace is filled in from ``auth.test``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.calls.views import FEEDBACK_ACTION, NOT_IN_COLLABORATIVE, RSVP_GOING
from bot.collaborative.file import parse_collaborative_text
from bot.collaborative.loading import apply_spec
from bot.measures.views import OPEN_ACTION, ReportTarget
from handlers.gate import NOT_HERE
from storage.db import Database
from storage.models import (
    CalendarEvent,
    Collaborative,
    Delivery,
    MeasureReport,
    PdsaCycle,
    ProcessedEvent,
    Rsvp,
    TeamReport,
    WorkspaceStatus,
)
from tests.conftest import RunningBot, load_example
from tests.constants import ALICE, FACULTY, NOBODY, TEAM_ID
from tests.helpers import collaborative_named, eventually, run_job_at, team_id_by_key, wait_for_calls
from tests.signing import block_actions_payload, view_submission_payload
from tests.test_measures_e2e import default_month, open_modal, state_for, submit

OTHER = "T0OTHER001"  # a workspace the bot's token does not belong to
OTHER_FACULTY = "U0OTHERF01"
OTHER_FILE = f"""\
name: Diabetes Collaborative
key: dm
workspace: {OTHER}
timezone: America/New_York
start: 2026-01-01
end: 2027-06-30
faculty: [{OTHER_FACULTY}]
measures:
  - {{key: a1c, name: A1c control, type: proportion, direction: up, numerator: "A1c < 8", denominator: "All"}}
teams:
  - {{key: hilltop, name: Hilltop Clinic, channel: C0HILLT001, members: [{ALICE}], leads: [{ALICE}]}}
calls:
  - {{title: "Kick-off", kind: learning_session, start: "2026-02-03T12:00", duration_minutes: 60}}
"""


def load_other(db: Database) -> None:
    apply_spec(db, parse_collaborative_text(OTHER_FILE))


def rows(db: Database) -> dict[str, int]:
    """How many rows each table a request could write to has."""
    tables = (MeasureReport, TeamReport, PdsaCycle, Rsvp, ProcessedEvent, Delivery, WorkspaceStatus)
    with db.reader() as session:
        return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0 for t in tables}


def command_text(bot: RunningBot, command: str, text: str, user: str, team_id: str) -> dict[str, Any]:
    """The answer to a command: ``/collab`` answers through its response_url, the others in the ack."""
    if command == "/collab":
        return bot.answer(command, text, user, team_id=team_id)
    status, _, body = bot.requests.command(command, text, user, team_id=team_id)
    assert status == 200
    answer: dict[str, Any] = json.loads(body)
    return answer


def first_event_id(db: Database) -> int:
    with db.reader() as session:
        found = session.scalar(select(CalendarEvent.id).order_by(CalendarEvent.starts_at))
    assert found is not None
    return found


def test_the_workspace_is_taken_from_the_bots_token_on_the_first_request(loaded_bot: RunningBot) -> None:
    assert collaborative_named(loaded_bot.db).workspace is None
    assert "Here's what you can do" in command_text(loaded_bot, "/collab", "help", ALICE, TEAM_ID)["text"]
    assert collaborative_named(loaded_bot.db).workspace == TEAM_ID
    load_example(loaded_bot.db)  # reloading the file (which names no workspace) keeps it
    assert collaborative_named(loaded_bot.db).workspace == TEAM_ID


def test_a_request_signed_for_another_workspace_sees_and_writes_nothing(
    loaded_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = loaded_bot
    view = open_modal(bot, ALICE)  # a real modal, as ALICE has it open in her own workspace
    team_id, event_id = team_id_by_key(bot.db, "riverside"), first_event_id(bot.db)
    before, calls = rows(bot.db), len(bot.slack.calls)
    caplog.set_level(logging.WARNING, logger="bot.security")

    not_here = {"response_type": "ephemeral", "text": NOT_HERE}
    for command, text in (("/collab", "status"), ("/collab", "help"), ("/measures", ""), ("/pdsa", "")):
        assert command_text(bot, command, text, ALICE, OTHER) == not_here
    report_now = block_actions_payload(
        OPEN_ACTION, ALICE, value=ReportTarget(team_id=team_id, period="2026-03").dump(), team_id=OTHER
    )
    assert bot.requests.interact(report_now)[:3:2] == (200, "")
    rsvp = block_actions_payload(RSVP_GOING, ALICE, value=str(event_id), team_id=OTHER)
    assert bot.requests.interact(rsvp)[:3:2] == (200, "")
    reply = submit_from(bot, view, OTHER)
    assert reply is not None and reply["response_action"] == "update"
    assert NOT_HERE in json.dumps(reply["view"]["blocks"])
    home = {"type": "app_home_opened", "user": ALICE, "channel": "D0HOME0001", "tab": "home"}
    assert bot.requests.event(home, team_id=OTHER)[0] == 200

    assert rows(bot.db) == before
    assert eventually(lambda: False, timeout=0.5) is False  # give any stray listener time to act
    assert [c.method for c in bot.slack.calls[calls:] if c.method != "auth.test"] == []
    refusals = [r.getMessage() for r in caplog.records if r.name == "bot.security"]
    assert len(refusals) == 8 and all(f"workspace={OTHER} action=use" in r for r in refusals)
    assert all("Riverside" not in r and "2026-03" not in r for r in refusals)


def submit_from(bot: RunningBot, view: dict[str, Any], team_id: str) -> dict[str, Any] | None:
    """Submit ``view`` as ALICE, signed as coming from ``team_id``."""
    payload = view_submission_payload(
        view, state_for(view), ALICE, view_id=view["id"], view_hash=view["hash"], team_id=team_id
    )
    status, _, body = bot.requests.interact(payload)
    assert status == 200, body
    return json.loads(body) if body else None


def test_the_same_view_from_its_own_workspace_still_saves(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    view = open_modal(bot, ALICE)
    assert submit(bot, view, ALICE) is None
    with bot.db.reader() as session:
        assert session.scalar(select(func.count()).select_from(MeasureReport)) == 5  # one per measure
    assert default_month() == "2026-03"


def test_an_rsvp_or_feedback_from_outside_the_collaborative_is_refused_and_stored_nowhere(
    loaded_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = loaded_bot
    event_id = first_event_id(bot.db)
    caplog.set_level(logging.WARNING, logger="bot.security")
    status, _, _ = bot.requests.interact(block_actions_payload(RSVP_GOING, NOBODY, value=str(event_id)))
    assert status == 200
    [answer] = wait_for_calls(bot.slack, "chat.postEphemeral")
    assert answer.args["text"] == NOT_IN_COLLABORATIVE and answer.args["user"] == NOBODY
    with bot.db.reader() as session:
        assert session.scalar(select(func.count()).select_from(Rsvp)) == 0
    assert bot.slack.calls_to("chat.update") == []

    trigger = bot.slack.issue_trigger_id()
    feedback = block_actions_payload(FEEDBACK_ACTION, NOBODY, value=str(event_id), trigger_id=trigger)
    assert bot.requests.interact(feedback)[0] == 200
    [opened] = wait_for_calls(bot.slack, "views.open")
    assert "Only people on a team" in json.dumps(opened.args["view"])
    refusals = [r.getMessage() for r in caplog.records if r.name == "bot.security"]
    assert f"refused user={NOBODY} workspace={TEAM_ID} action=rsvp target=event:{event_id}" in refusals
    assert f"refused user={NOBODY} workspace={TEAM_ID} action=feedback target=event:{event_id}" in refusals


def test_a_member_of_another_workspaces_collaborative_cannot_rsvp_here(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    load_other(bot.db)
    with bot.db.reader() as session:
        htn_event = session.scalar(
            select(CalendarEvent.id).join(Collaborative).where(Collaborative.key == "htn").limit(1)
        )
    # ALICE leads Hilltop in the other workspace; there she is a stranger to htn's calls
    payload = block_actions_payload(RSVP_GOING, ALICE, value=str(htn_event), team_id=OTHER)
    assert bot.requests.interact(payload)[0] == 200
    [answer] = wait_for_calls(bot.slack, "chat.postEphemeral")
    assert answer.args["text"] == NOT_IN_COLLABORATIVE
    with bot.db.reader() as session:
        assert session.scalar(select(func.count()).select_from(Rsvp)) == 0


def test_the_same_user_id_sees_only_the_collaborative_of_the_workspace_asking(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    load_other(bot.db)
    here = json.dumps(command_text(bot, "/collab", "status", ALICE, TEAM_ID))
    there = json.dumps(command_text(bot, "/collab", "status", ALICE, OTHER))
    assert "Riverside Family Clinic" in here and "Hilltop Clinic" not in here
    assert "Hilltop Clinic" in there and "Riverside Family Clinic" not in there


def test_someone_on_no_team_is_shown_only_their_own_workspaces_faculty(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    load_other(bot.db)
    here = command_text(bot, "/collab", "help", NOBODY, TEAM_ID)["text"]
    there = command_text(bot, "/collab", "help", NOBODY, OTHER)["text"]
    assert f"<@{FACULTY}>" in here and OTHER_FACULTY not in here
    assert f"<@{OTHER_FACULTY}>" in there and FACULTY not in there


def test_a_file_without_workspace_loaded_beside_one_naming_it_is_adopted(bot: RunningBot) -> None:
    """Loaded after the start: one file names the token's workspace, the other leaves it out."""
    naming = OTHER_FILE.replace(OTHER, TEAM_ID).replace(ALICE, "U0HILLT001")
    apply_spec(bot.db, parse_collaborative_text(naming))
    load_example(bot.db)  # names no workspace: the token's, once a request from it comes in
    help_text = command_text(bot, "/collab", "help", ALICE, TEAM_ID)
    assert "Riverside Family Clinic" in json.dumps(help_text)
    with bot.db.reader() as session:
        assert session.scalars(select(Collaborative.workspace).order_by(Collaborative.id)).all() == [
            TEAM_ID,
            TEAM_ID,
        ]


def test_jobs_of_a_collaborative_in_a_workspace_the_token_does_not_serve_send_nothing(
    loaded_bot: RunningBot,
) -> None:
    bot = loaded_bot
    load_other(bot.db)
    summary = run_job_at(bot.ctx, "report-reminders", "2026-04-10T09:00", key="dm")
    assert summary.startswith("skipped")
    assert bot.slack.calls_to("chat.postMessage") == []
    assert "sent" in run_job_at(bot.ctx, "report-reminders", "2026-04-10T09:00")
    assert bot.slack.calls_to("chat.postMessage")


def test_on_enterprise_grid_a_collaborative_serves_every_workspace_of_its_organisation(
    loaded_bot: RunningBot,
) -> None:
    bot = loaded_bot
    grid = OTHER_FILE.replace(f"workspace: {OTHER}", "enterprise: E0HEALTH01")
    apply_spec(bot.db, parse_collaborative_text(grid))
    elsewhere = "T0CLINIC02"  # another workspace of the same organisation: user IDs are org-wide there
    body = json.dumps(bot.answer("/collab", "status", ALICE, team_id=elsewhere, enterprise_id="E0HEALTH01"))
    assert "Hilltop Clinic" in body and "Riverside" not in body
    assert bot.answer("/collab", "status", ALICE, team_id=elsewhere)["text"] == NOT_HERE
