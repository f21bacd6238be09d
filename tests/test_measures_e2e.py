"""``/measures`` end to end: signed requests to the running bot, the real WebClient against the stand-in.

Runs on SQLite and PostgreSQL with the example collaborative loaded. "Now" is the test kit's fixed
clock (``tests.conftest.NOW``, mid-April 2026), so the default month is March 2026.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot import months
from bot.measures import rules
from bot.measures.views import MONTH_ACTION, OPEN_ACTION, TEAM_ACTION, ReportTarget
from bot.months import fixed_clock
from storage.collaboratives import active_measures, active_teams, collaborative_by_key
from storage.db import Database
from storage.models import Collaborative
from storage.reports import ReportedValue, revisions, stored_team_report, stored_values
from tests.conftest import NOW, RunningBot
from tests.constants import ALICE, ARJUN, BRUNO, FACULTY, NOBODY, RIVER
from tests.helpers import wait_for_calls, wait_for_messages
from tests.signing import block_actions_payload, view_submission_payload
from tests.slack_standin import validate_view

EXAMPLE_COLLAB = Collaborative(
    timezone="America/Los_Angeles", start=date(2026, 1, 1), end=date(2027, 6, 30), due_day=10
)
VALID = {
    "bp_control:numerator": "126",
    "bp_control:denominator": "200",
    "depression_screening:numerator": "150",
    "depression_screening:denominator": "220",
    "smbp_use:numerator": "30",
    "smbp_use:denominator": "120",
    "hypotension_rate:numerator": "5",
    "hypotension_rate:denominator": "2000",
    "missed_appointments:count": "41",
}


def default_month() -> str:
    """The month ``/measures`` opens on at the pinned ``NOW``: March 2026."""
    month = rules.default_month(EXAMPLE_COLLAB, NOW)
    assert month == "2026-03"
    return month


# --- driving the bot ------------------------------------------------------------------------------


def _latest_update(bot: RunningBot, before: int) -> dict[str, Any]:
    call = wait_for_calls(bot.slack, "views.update", before + 1)[-1]
    assert call.ok, call.response
    return bot.slack.views[call.args["view_id"]]


def open_modal(bot: RunningBot, user: str, text: str = "") -> dict[str, Any]:
    """Run /measures and return the modal the stand-in shows after the bot filled it in."""
    before = len(bot.slack.calls_to("views.update"))
    status, _, body = bot.requests.command("/measures", text, user, trigger_id=bot.slack.issue_trigger_id())
    assert status == 200 and body == ""
    opened = wait_for_calls(bot.slack, "views.open")[-1]
    assert opened.ok, opened.response
    return _latest_update(bot, before)


def choose(bot: RunningBot, view: dict[str, Any], user: str, action_id: str, value: str) -> dict[str, Any]:
    """Pick ``value`` in the modal's team or month select; return the refreshed modal."""
    before = len(bot.slack.calls_to("views.update"))
    block = next(b for b in view["blocks"] if b.get("element", {}).get("action_id") == action_id)
    payload = block_actions_payload(
        action_id,
        user,
        block_id=block["block_id"],
        action_type="static_select",
        selected_option={"text": {"type": "plain_text", "text": value}, "value": value},
        view=view,
    )
    status, _, _ = bot.requests.interact(payload)
    assert status == 200
    return _latest_update(bot, before)


def state_for(
    view: dict[str, Any],
    values: Mapping[str, str | None] | None = None,
    narrative: dict[str, str] | None = None,
    score: str | None = None,
) -> dict[str, dict[str, dict[str, Any]]]:
    """``view.state.values`` as Slack sends it: given values, else what the modal was prefilled with."""
    given: Mapping[str, str | None] = VALID if values is None else values
    narrative = narrative or {}
    state: dict[str, dict[str, dict[str, Any]]] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        bid, el = block["block_id"], block["element"]
        name = bid.split("|")[0]
        action = el["action_id"]
        if el["type"] == "static_select":
            option = el.get("initial_option")
            if name == "self_assessment" and score is not None:
                option = {"text": {"type": "plain_text", "text": score}, "value": score}
            state[bid] = {action: {"type": "static_select", "selected_option": option}}
        else:
            typed = given.get(name, el.get("initial_value")) if ":" in name else None
            if name in narrative:
                typed = narrative[name]
            elif ":" not in name:
                typed = el.get("initial_value")
            state[bid] = {action: {"type": el["type"], "value": typed}}
    return state


def submit(bot: RunningBot, view: dict[str, Any], user: str, **state: Any) -> dict[str, Any] | None:
    """Submit the modal; returns the bot's response_action body, or None when it closed the modal."""
    payload = view_submission_payload(
        view, state_for(view, **state), user, view_id=view["id"], view_hash=view["hash"]
    )
    status, _, body = bot.requests.interact(payload)
    assert status == 200, body
    return json.loads(body) if body else None


def riverside(db: Database, period: str) -> tuple[int, dict[str, ReportedValue]]:
    with db.reader() as session:
        collab = collaborative_by_key(session, "htn")
        assert collab is not None
        team = next(t for t in active_teams(session, collab.id) if t.key == "riverside")
        keys = {m.id: m.key for m in active_measures(session, collab.id)}
        stored = stored_values(session, team.id, period)
    return team.id, {keys[mid]: value for mid, value in stored.items()}


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"].split("|")[0]: b for b in view["blocks"] if b["type"] == "input"}


def press_report_now(bot: RunningBot, user: str, team_id: int, period: str) -> dict[str, Any]:
    """Press a reminder's "Report now" button; returns the modal it filled in."""
    payload = block_actions_payload(
        OPEN_ACTION,
        user,
        value=ReportTarget(team_id=team_id, period=period).dump(),
        trigger_id=bot.slack.issue_trigger_id(),
    )
    assert bot.requests.interact(payload)[0] == 200
    return _latest_update(bot, 0)


# --- tests ----------------------------------------------------------------------------------------


def test_open_submit_store_and_confirm(loaded_bot: RunningBot) -> None:
    bot, month = loaded_bot, default_month()
    view = open_modal(bot, ALICE)
    assert bot.slack.calls_to("views.open")[0].args["view"]["blocks"]  # the loading modal came first
    fields = inputs(view)
    assert fields["month"]["element"]["initial_option"]["value"] == month
    month_options = [o["value"] for o in fields["month"]["element"]["options"]]
    assert month_options[0] == month and month_options[-1] == "2026-01"
    assert fields["bp_control:numerator"]["label"]["text"] == "Controlling high blood pressure — numerator"
    assert "below 140/90" in fields["bp_control:numerator"]["hint"]["text"]
    assert "team" not in fields  # Alice has one team: no picker
    assert len(fields["self_assessment"]["element"]["options"]) == 9

    assert submit(bot, view, ALICE, narrative={"wins": "Front desk re-checks high BPs"}, score="3.0") is None
    team_id, stored = riverside(bot.db, month)
    assert stored["bp_control"] == ReportedValue(stored["bp_control"].measure_id, 126.0, 200.0, 0.63)
    assert stored["missed_appointments"].value == 41.0
    with bot.db.reader() as session:
        report = stored_team_report(session, team_id, month)
    assert report is not None and report.narrative.wins == "Front desk re-checks high BPs"
    assert report.narrative.self_assessment == 3.0

    note = wait_for_messages(bot.slack, RIVER)[0]
    assert f"<@{ALICE}> reported *{months.month_label(month)}*" in note["text"]
    body = json.dumps(note["blocks"])
    assert "63% (126/200)" in body and "goal 70%" in body and "first report" in body
    assert "2.5 per 1,000" in body
    private = wait_for_messages(bot.slack, ALICE)[0]
    assert "are saved" in private["text"]
    chart = wait_for_calls(bot.slack, "files.completeUploadExternal")[0]
    assert chart.args["channel_id"] == RIVER
    assert "Controlling high blood pressure" in chart.args["initial_comment"]


@pytest.mark.parametrize(
    "values,field,needle",
    [
        ({"bp_control:numerator": None}, "bp_control:numerator", "Please enter the numerator"),
        ({"smbp_use:denominator": "lots"}, "smbp_use:denominator", "isn't a number"),
        ({"missed_appointments:count": "-2"}, "missed_appointments:count", "can't be negative"),
        ({"missed_appointments:count": "40.5"}, "missed_appointments:count", "whole number"),
        ({"bp_control:numerator": "210"}, "bp_control:numerator", "more than the denominator"),
        (
            {"hypotension_rate:numerator": "3", "hypotension_rate:denominator": "0"},
            "hypotension_rate:denominator",
            "denominator is 0",
        ),
    ],
)
def test_bad_values_show_under_the_field_and_store_nothing(
    loaded_bot: RunningBot, values: dict[str, str | None], field: str, needle: str
) -> None:
    bot, month = loaded_bot, default_month()
    view = open_modal(bot, ALICE)
    reply = submit(bot, view, ALICE, values={**VALID, **values})
    assert reply is not None and reply["response_action"] == "errors"
    assert list(reply["errors"]) == [inputs(view)[field]["block_id"]]
    assert needle in reply["errors"][inputs(view)[field]["block_id"]]
    assert riverside(bot.db, month)[1] == {}
    assert bot.slack.messages() == []


def _retarget(view: dict[str, Any], period: str) -> dict[str, Any]:
    """The same modal claiming another month (as a stale or tampered submission would)."""
    meta = json.loads(view["private_metadata"])
    old = f"|{meta['team_id']}|{meta['period']}"
    new = f"|{meta['team_id']}|{period}"
    blocks = json.loads(json.dumps(view["blocks"]).replace(old, new))
    for block in blocks:
        if block.get("block_id", "").startswith("month|"):
            block["element"]["initial_option"] = {
                "text": {"type": "plain_text", "text": period},
                "value": period,
            }
    return {**view, "blocks": blocks, "private_metadata": json.dumps({**meta, "period": period})}


@pytest.mark.parametrize(
    "period,needle", [("2025-11", "before this collaborative started"), ("2099-01", "after")]
)
def test_month_outside_the_collaborative_is_refused_under_the_month(
    loaded_bot: RunningBot, period: str, needle: str
) -> None:
    bot = loaded_bot
    view = _retarget(open_modal(bot, ALICE), period)
    reply = submit(bot, view, ALICE)
    assert reply is not None and reply["response_action"] == "errors"
    assert needle in reply["errors"][inputs(view)["month"]["block_id"]]
    assert riverside(bot.db, period)[1] == {}


def test_current_month_is_refused(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    current = months.period_of(rules.local_today(EXAMPLE_COLLAB, NOW))
    assert current == "2026-04"
    view = _retarget(open_modal(bot, ALICE), current)
    reply = submit(bot, view, ALICE)
    assert reply is not None and "isn't over yet" in reply["errors"][inputs(view)["month"]["block_id"]]


def test_patient_information_in_the_narrative_is_refused(loaded_bot: RunningBot) -> None:
    bot, month = loaded_bot, default_month()
    view = open_modal(bot, ALICE)
    reply = submit(bot, view, ALICE, narrative={"barriers": "Mrs G, DOB 03/14/1952, keeps missing visits"})
    assert reply is not None and reply["response_action"] == "errors"
    error = reply["errors"][inputs(view)["barriers"]["block_id"]]
    assert "patient information" in error and "date of birth" in error
    assert riverside(bot.db, month)[1] == {}


def test_correction_keeps_a_revision_and_prefills(loaded_bot: RunningBot) -> None:
    bot, month = loaded_bot, default_month()
    assert submit(bot, open_modal(bot, ALICE), ALICE) is None
    wait_for_messages(bot.slack, RIVER)
    again = open_modal(bot, ARJUN)
    assert inputs(again)["bp_control:numerator"]["element"]["initial_value"] == "126"
    assert "Already reported by" in json.dumps(again["blocks"])
    assert submit(bot, again, ARJUN, values={**VALID, "bp_control:numerator": "130"}) is None
    team_id, stored = riverside(bot.db, month)
    assert stored["bp_control"].numerator == 130
    with bot.db.reader() as session:
        revs = revisions(session, team_id, month)
    assert [(r.changed_by, r.old.numerator, r.new.numerator) for r in revs] == [(ARJUN, 126.0, 130.0)]
    note = wait_for_messages(bot.slack, RIVER, 2)[1]
    assert "corrected" in note["text"] and "(corrected)" in json.dumps(note["blocks"])


def test_someone_on_no_team_is_told_who_to_ask(loaded_bot: RunningBot) -> None:
    view = open_modal(loaded_bot, NOBODY)
    text = json.dumps(view["blocks"])
    assert "not on a team" in text and FACULTY in text
    assert view.get("submit") is None


def test_other_team_member_is_refused_from_a_report_now_button(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    team_id, _ = riverside(bot.db, "2026-03")
    view = press_report_now(bot, BRUNO, team_id, "2026-03")
    assert "You're not on *Riverside Family Clinic*" in json.dumps(view["blocks"])
    assert view.get("submit") is None


def test_other_team_submission_is_refused_and_stores_nothing(loaded_bot: RunningBot) -> None:
    bot, month = loaded_bot, default_month()
    view = open_modal(bot, ALICE)
    reply = submit(bot, view, BRUNO)
    assert reply is not None and reply["response_action"] == "update"
    assert "You're not on" in json.dumps(reply["view"]["blocks"])
    assert riverside(bot.db, month)[1] == {}


def test_report_now_button_opens_the_modal_for_that_team_and_month(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    team_id, _ = riverside(bot.db, "2026-03")
    view = press_report_now(bot, ALICE, team_id, "2026-03")
    assert inputs(view)["month"]["element"]["initial_option"]["value"] == "2026-03"
    assert json.loads(view["private_metadata"]) == {"team_id": team_id, "period": "2026-03", "confirmed": {}}


def test_late_report_says_it_was_late(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    view = open_modal(bot, ALICE, "2026-02")
    assert "February 2026 was due March 10, 2026, so this report will be marked late." in json.dumps(
        view["blocks"]
    )
    assert submit(bot, view, ALICE) is None
    note = wait_for_messages(bot.slack, RIVER)[0]
    assert "(late)" in note["text"] and "was due March 10" in json.dumps(note["blocks"])
    team_id, _ = riverside(bot.db, "2026-02")
    with bot.db.reader() as session:
        report = stored_team_report(session, team_id, "2026-02")
    assert report is not None and report.late


def test_values_far_from_last_month_ask_submit_anyway(loaded_bot: RunningBot) -> None:
    bot, month = loaded_bot, default_month()
    before = months.previous(month)
    assert submit(bot, open_modal(bot, ALICE, before), ALICE) is None
    view = open_modal(bot, ALICE)
    wild = {**VALID, "bp_control:numerator": "1260", "bp_control:denominator": "2000"}
    reply = submit(bot, view, ALICE, values=wild)
    assert reply is not None and reply["response_action"] == "update"
    confirm = reply["view"]
    assert validate_view(confirm) == []
    assert confirm["submit"]["text"] == "Submit anyway"
    assert "Please check these numbers" in json.dumps(confirm["blocks"])
    assert inputs(confirm)["bp_control:denominator"]["element"]["initial_value"] == "2000"
    assert riverside(bot.db, month)[1] == {}
    # Slack replaces the modal with the update, keeping its id under a new hash; submitting it confirms.
    confirmed = {**confirm, "id": view["id"], "hash": f"{view['hash']}-updated"}
    assert submit(bot, confirmed, ALICE, values=wild) is None
    assert riverside(bot.db, month)[1]["bp_control"].denominator == 2000


def test_concurrent_double_submit_gives_a_value_and_a_revision(loaded_bot: RunningBot) -> None:
    bot, month = loaded_bot, default_month()
    views = {ALICE: open_modal(bot, ALICE), ARJUN: open_modal(bot, ARJUN)}
    numerators = {ALICE: "120", ARJUN: "125"}
    barrier = threading.Barrier(2)
    replies: dict[str, Any] = {}

    def send(user: str) -> None:
        values = {**VALID, "bp_control:numerator": numerators[user]}
        payload = view_submission_payload(
            views[user], state_for(views[user], values), user, view_id=views[user]["id"]
        )
        barrier.wait()
        replies[user] = bot.requests.interact(payload)

    threads = [threading.Thread(target=send, args=(user,)) for user in views]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert [replies[u][0] for u in views] == [200, 200]
    assert [replies[u][2] for u in views] == ["", ""]  # both modals closed: both saved
    team_id, stored = riverside(bot.db, month)
    with bot.db.reader() as session:
        revs = revisions(session, team_id, month)
    assert len(revs) == 1
    assert {revs[0].old.numerator, revs[0].new.numerator} == {120.0, 125.0}
    assert stored["bp_control"].numerator == revs[0].new.numerator


def test_faculty_pick_a_team_and_a_month(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    assert submit(bot, open_modal(bot, ALICE, "2026-03"), ALICE) is None
    view = open_modal(bot, FACULTY)
    team_options = inputs(view)["team"]["element"]["options"]
    assert len(team_options) == 8
    eastside = next(o["value"] for o in team_options if o["text"]["text"].startswith("Eastside"))
    east = choose(bot, view, FACULTY, TEAM_ACTION, eastside)
    assert json.loads(east["private_metadata"])["team_id"] == int(eastside)
    riverside_id = riverside(bot.db, "2026-03")[0]
    back = choose(bot, east, FACULTY, TEAM_ACTION, str(riverside_id))
    march = choose(bot, back, FACULTY, MONTH_ACTION, "2026-03")
    assert inputs(march)["bp_control:numerator"]["element"]["initial_value"] == "126"
    assert inputs(march)["month"]["element"]["initial_option"]["value"] == "2026-03"


def test_the_default_month_follows_the_bots_clock(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    assert inputs(open_modal(bot, ALICE))["month"]["element"]["initial_option"]["value"] == "2026-03"
    # 1 August 00:30 UTC is still 31 July in Los Angeles: June is the last complete month there.
    bot.ctx.clock = fixed_clock(datetime(2026, 8, 1, 0, 30, tzinfo=UTC))
    month = inputs(open_modal(bot, ALICE))["month"]["element"]
    assert month["initial_option"]["value"] == "2026-06"
    assert [o["value"] for o in month["options"]][:2] == ["2026-06", "2026-05"]


def test_bad_month_argument_gets_a_private_reply(loaded_bot: RunningBot) -> None:
    status, _, body = loaded_bot.requests.command("/measures", "2026-13", ALICE)
    assert status == 200
    assert "isn't a month I understand" in json.loads(body)["text"]
    assert loaded_bot.slack.calls_to("views.open") == []


def test_month_argument_outside_the_collaborative_shows_the_default_month(loaded_bot: RunningBot) -> None:
    month = default_month()
    view = open_modal(loaded_bot, ALICE, "2025-06")
    assert "before this collaborative started" in json.dumps(view["blocks"])
    assert inputs(view)["month"]["element"]["initial_option"]["value"] == month


def test_every_modal_the_bot_built_passed_block_kit_checks(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    open_modal(bot, FACULTY)
    open_modal(bot, NOBODY)
    for method in ("views.open", "views.update"):
        for call in bot.slack.calls_to(method):
            assert call.ok, call.response
            assert validate_view(call.args["view"]) == []


def test_confirmation_slack_refused_is_resent_by_delivery_retries(loaded_bot: RunningBot) -> None:
    from jobs.delivery_retries import run as retry_deliveries
    from storage.collaboratives import collaborative_by_key

    bot = loaded_bot
    view = open_modal(bot, ALICE)
    bot.slack.fail_next(40, status=503, method="chat.postMessage")
    assert submit(bot, view, ALICE) is None
    wait_for_calls(bot.slack, "files.completeUploadExternal")  # the chart comes after both notes
    bot.slack.clear_failures()
    assert bot.slack.messages(RIVER) == []
    with bot.db.reader() as session:
        collab = collaborative_by_key(session, "htn")
    assert collab is not None
    summary = retry_deliveries(bot.ctx, collab, bot.ctx.now())
    assert summary.startswith("2 sent")
    assert len(bot.slack.messages(RIVER)) == 1 and len(bot.slack.messages(ALICE)) == 1
    assert retry_deliveries(bot.ctx, collab, bot.ctx.now()).startswith("0 sent")
