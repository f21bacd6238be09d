"""/pdsa end to end: signed requests to the real endpoint, the Slack stand-in, SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.pdsa.views import (
    ACTION_DETAILS,
    ACTION_NEW,
    ACTION_NEXT,
    ACTION_OPEN,
    ACTION_TEAM,
    NEW_CALLBACK,
    UPDATE_CALLBACK,
    CycleRef,
    TeamRef,
    cycle_value,
)
from bot.peers.channel import sync_peer_channel
from storage.db import Database
from storage.models import ChangeIdea, Collaborative, Measure, PdsaCycle, PdsaMeasure
from tests.conftest import RunningBot
from tests.constants import ALICE, BRUNO, EAST, FACULTY, NOBODY, RIVER
from tests.helpers import collaborative_named, team_id_by_key, wait_for_calls, wait_for_messages, wait_until
from tests.signing import block_actions_payload, view_submission_payload

# -- state values, as Slack sends them ----------------------------------------------------------


def text(value: str) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def day(value: str | None) -> dict[str, Any]:
    return {"value": {"type": "datepicker", "selected_date": value}}


def option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value}, "value": value}


def plan_values(**overrides: dict[str, Any]) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {
        "change_idea_new": text("Repeat BP when the first reading is high"),
        "objective": text("Will MAs repeat the BP for every high first reading?"),
        "prediction": text("Half the repeats will be under 140/90 because of white-coat effect"),
        "plan_who": text("Two MAs on the morning shift"),
        "plan_what": text("Repeat BP after 5 minutes rest"),
        "plan_when": text("Tuesday clinic"),
        "plan_where": text("Pod B"),
        "plan_data": text("Tally sheet of first and repeat readings"),
        "measures": {"value": {"type": "multi_static_select", "selected_options": []}},
        "start_date": day("2026-03-02"),
        "planned_end_date": day("2026-03-09"),
        "shared": {"value": {"type": "checkboxes", "selected_options": [option("share")]}},
    }
    values.update(overrides)
    return values


def update_values(decision: str | None = None, **overrides: dict[str, Any]) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {
        "do_observations": text("Repeated on 20 patients"),
        "do_surprises": text("The rest took longer than planned"),
        "study_results": text("9 of 20 repeats were under 140/90; we predicted 10"),
        "study_learning": text("Resting 5 minutes matters"),
        "decision": {
            "value": {"type": "radio_buttons", "selected_option": option(decision) if decision else None}
        },
        "next_step": text("Try it on both shifts"),
        "end_date": day(None),
    }
    values.update(overrides)
    return values


# -- driving the bot ------------------------------------------------------------------------------


def open_pdsa(bot: RunningBot, user: str) -> str:
    """``/pdsa`` → the id of the modal it opened (after it has been filled in)."""
    before = len(bot.slack.calls_to("views.update"))
    before_open = len(bot.slack.calls_to("views.open"))
    trigger = bot.slack.issue_trigger_id()
    status, _, _ = bot.requests.command("/pdsa", "", user, trigger_id=trigger)
    assert status == 200
    opened = wait_for_calls(bot.slack, "views.open", before_open + 1)[-1]
    assert opened.ok, opened.response
    wait_for_calls(bot.slack, "views.update", before + 1)
    return str(opened.response["view"]["id"])  # type: ignore[index]


def click_in_view(bot: RunningBot, view_id: str, action_id: str, user: str, **fields: Any) -> None:
    before = len(bot.slack.calls_to("views.update"))
    view = bot.slack.views[view_id]
    bot.requests.interact(block_actions_payload(action_id, user, view=view, **fields))
    call = wait_for_calls(bot.slack, "views.update", before + 1)[-1]
    assert call.ok, call.response


def open_cycle_in_view(bot: RunningBot, view_id: str, cycle_id: int, user: str = ALICE) -> None:
    """Press a cycle's "Update" button in the start view, as its team member would."""
    click_in_view(
        bot,
        view_id,
        ACTION_OPEN,
        user,
        value=cycle_value(cycle_id),
        block_id=f"cycle-{cycle_id}",
    )


def click_in_message(bot: RunningBot, msg: dict[str, Any], channel: str, action_id: str, user: str) -> str:
    """Press a button on a posted message; returns the id of the modal it opened."""
    before_open = len(bot.slack.calls_to("views.open"))
    before_update = len(bot.slack.calls_to("views.update"))
    button = next(
        el
        for block in msg["blocks"]
        if block["type"] == "actions"
        for el in block["elements"]
        if el["action_id"] == action_id
    )
    payload = block_actions_payload(
        action_id,
        user,
        value=button["value"],
        block_id="pdsa",
        channel_id=channel,
        message={"type": "message", "ts": "1700000000.000100", "text": msg["text"], "blocks": msg["blocks"]},
        trigger_id=bot.slack.issue_trigger_id(),
    )
    bot.requests.interact(payload)
    opened = wait_for_calls(bot.slack, "views.open", before_open + 1)[-1]
    assert opened.ok
    wait_for_calls(bot.slack, "views.update", before_update + 1)
    return str(opened.response["view"]["id"])  # type: ignore[index]


def submit(bot: RunningBot, view_id: str, values: dict[str, Any], user: str) -> dict[str, Any]:
    view = bot.slack.views[view_id]
    payload = view_submission_payload(view, values, user, view_id=view_id, view_hash=view["hash"])
    status, _, body = bot.requests.interact(payload)
    assert status == 200
    return json.loads(body) if body else {}


def cycles(db: Database) -> list[PdsaCycle]:
    with db.reader() as session:
        return list(session.scalars(select(PdsaCycle).order_by(PdsaCycle.id)))


def all_text(view_or_message: dict[str, Any]) -> str:
    return json.dumps(view_or_message["blocks"])


def start_cycle(
    bot: RunningBot, user: str = ALICE, **overrides: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    view_id = open_pdsa(bot, user)
    click_in_view(
        bot, view_id, ACTION_NEW, user, value=str(team_id_by_key(bot.db, "riverside")), block_id="new"
    )
    return view_id, submit(bot, view_id, plan_values(**overrides), user)


def peer_channel_id(db: Database) -> str | None:
    with db.reader() as session:
        return session.scalar(select(Collaborative.peer_channel_id))


# -- tests ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("decision", ["adopt", "adapt", "abandon"])
def test_new_cycle_then_update_then_complete(loaded_bot: RunningBot, decision: str) -> None:
    bot = loaded_bot
    view_id = open_pdsa(bot, ALICE)
    start = bot.slack.views[view_id]
    assert "Plan a new cycle" in all_text(start) and "No open cycles" in all_text(start)

    click_in_view(
        bot, view_id, ACTION_NEW, ALICE, value=str(team_id_by_key(bot.db, "riverside")), block_id="new"
    )
    plan = bot.slack.views[view_id]
    assert plan["callback_id"] == NEW_CALLBACK
    with bot.db.reader() as session:
        bp = session.scalars(select(Measure).where(Measure.key == "bp_control")).one()
    reply = submit(
        bot,
        view_id,
        plan_values(
            measures={"value": {"type": "multi_static_select", "selected_options": [option(str(bp.id))]}}
        ),
        ALICE,
    )
    assert reply["response_action"] == "update"
    assert "Cycle 1" in json.dumps(reply["view"])
    [cycle] = cycles(bot.db)
    assert (cycle.cycle_number, cycle.status, cycle.plan_where, cycle.shared) == (1, "open", "Pod B", True)
    with bot.db.reader() as session:
        assert session.scalars(select(PdsaMeasure.measure_id)).all() == [bp.id]
    [started] = wait_for_messages(bot.slack, RIVER, 1)
    assert "started a PDSA cycle" in all_text(started) and "white-coat" in all_text(started)

    # Come back with /pdsa: the open cycle is listed; save notes only, then complete.
    view_id = open_pdsa(bot, ALICE)
    assert "Repeat BP when the first reading is high" in all_text(bot.slack.views[view_id])
    open_cycle_in_view(bot, view_id, cycle.id)
    assert bot.slack.views[view_id]["callback_id"] == UPDATE_CALLBACK
    reply = submit(bot, view_id, update_values(None), ALICE)
    assert reply["response_action"] == "update" and "stays open" in json.dumps(reply["view"])
    assert (
        cycles(bot.db)[0].status == "open" and cycles(bot.db)[0].do_observations == "Repeated on 20 patients"
    )

    view_id = open_pdsa(bot, ALICE)
    open_cycle_in_view(bot, view_id, cycle.id)
    assert "Repeated on 20 patients" in all_text(bot.slack.views[view_id])  # prefilled with the saved notes
    reply = submit(bot, view_id, update_values(decision, end_date=day("2026-03-09")), ALICE)
    assert reply["response_action"] == "update"
    assert ("Plan next cycle" in json.dumps(reply["view"])) == (decision == "adapt")
    [done] = cycles(bot.db)
    assert (done.status, done.act_decision, str(done.end_date)) == ("completed", decision, "2026-03-09")
    completed = wait_for_messages(bot.slack, RIVER, 2)[1]  # then any milestone cards
    assert "completed a PDSA cycle" in all_text(completed) and decision in all_text(completed)
    assert "9 of 20" in all_text(completed)
    assert ("Plan next cycle" in all_text(completed)) == (decision == "adapt")


def test_adapt_then_plan_next_cycle_is_prefilled_and_numbered(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    start_cycle(bot)
    [first] = cycles(bot.db)
    view_id = open_pdsa(bot, ALICE)
    open_cycle_in_view(bot, view_id, first.id)
    submit(bot, view_id, update_values("adapt"), ALICE)
    completed = wait_for_messages(bot.slack, RIVER, 2)[1]  # then any milestone cards

    next_id = click_in_message(bot, completed, RIVER, ACTION_NEXT, ALICE)
    view = bot.slack.views[next_id]
    assert view["callback_id"] == NEW_CALLBACK
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert "cycle 2" in all_text(view)
    assert blocks["change_idea_pick"]["element"]["initial_option"]["value"] == str(first.change_idea_id)
    assert blocks["objective"]["element"]["initial_value"] == "Try it on both shifts"  # the last next step
    assert blocks["plan_where"]["element"]["initial_value"] == "Pod B"
    assert "Cycle 1" in all_text(view) and "adapt" in all_text(view)  # the ramp so far

    state = plan_values(
        change_idea_pick={
            "value": {"type": "static_select", "selected_option": option(str(first.change_idea_id))}
        },
        change_idea_new={"value": {"type": "plain_text_input", "value": None}},
        objective=text(blocks["objective"]["element"]["initial_value"]),
    )
    reply = submit(bot, next_id, state, ALICE)
    assert reply["response_action"] == "update", reply
    second = cycles(bot.db)[-1]
    assert (second.cycle_number, second.change_idea_id, second.objective) == (
        2,
        first.change_idea_id,
        "Try it on both shifts",
    )
    # The adapt button also works from inside the modal: cycle 3 is offered next.
    view_id = open_pdsa(bot, ALICE)
    open_cycle_in_view(bot, view_id, second.id)
    submit(bot, view_id, update_values("adapt"), ALICE)
    click_in_view(bot, view_id, ACTION_NEXT, ALICE, value=cycle_value(second.id), block_id="next")
    assert "cycle 3" in all_text(bot.slack.views[view_id])


def test_shared_cards_go_to_peers_with_details_and_unshared_stay_in_the_team(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    view_id = open_pdsa(bot, ALICE)
    click_in_view(
        bot, view_id, ACTION_NEW, ALICE, value=str(team_id_by_key(bot.db, "riverside")), block_id="new"
    )
    form = wait_until(
        lambda: next((b for b in bot.slack.views[view_id]["blocks"] if b.get("block_id") == "shared"), None)
    )
    assert not form["element"].get("initial_options")  # sharing is the team's choice: unticked
    submit(bot, view_id, plan_values(), ALICE)  # the team ticks it
    wait_for_messages(bot.slack, RIVER, 1)
    # the peer channel is not set up yet: the shared card waits in the ledger, then goes after the sync
    assert peer_channel_id(bot.db) is None and len(bot.slack.messages()) == 1
    result = sync_peer_channel(bot.ctx, collaborative_named(bot.db).id)
    assert result is not None and result.ok and result.line.endswith("sent 1 held post")
    peer = wait_until(lambda: peer_channel_id(bot.db))
    assert bot.slack.channels[peer]["name"] == "htn-peer-sharing"
    [card] = wait_for_messages(bot.slack, peer, 1)
    assert "Riverside Family Clinic" in all_text(card) and "Details" in all_text(card)

    start_cycle(
        bot,
        change_idea_new=text("Home BP cuffs"),
        shared={"value": {"type": "checkboxes", "selected_options": []}},
    )
    wait_for_messages(bot.slack, RIVER, 2)
    assert len(bot.slack.messages(peer)) == 1  # the unshared cycle stayed in the team channel
    assert bot.slack.messages(EAST) == []
    assert len(bot.slack.calls_to("conversations.create")) == 1

    # A peer from another team opens the read-only details of the shared cycle.
    details_id = click_in_message(bot, card, peer, ACTION_DETAILS, BRUNO)
    details = bot.slack.views[details_id]
    assert details.get("submit") is None and "Pod B" in all_text(details)
    # ...but not the details of the unshared one.
    unshared = cycles(bot.db)[-1]
    refused_id = click_in_message(
        bot,
        {
            "text": "",
            "blocks": [
                {
                    "type": "actions",
                    "elements": [{"action_id": ACTION_DETAILS, "value": cycle_value(unshared.id)}],
                }
            ],
        },
        peer,
        ACTION_DETAILS,
        BRUNO,
    )
    assert "only visible to its team" in all_text(bot.slack.views[refused_id])


def test_bad_input_shows_field_errors_and_stores_nothing(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    _, reply = start_cycle(
        bot,
        objective=text("   "),
        prediction=text("x" * 3000),
        plan_who=text("Call Mrs Smith at 555-123-4567"),
        planned_end_date=day("2026-03-01"),
        change_idea_new={"value": {"type": "plain_text_input", "value": None}},
    )
    assert reply["response_action"] == "errors"
    errors = reply["errors"]
    assert set(errors) == {"change_idea_new", "objective", "prediction", "plan_who", "planned_end_date"}
    assert "keep it under 3,000 characters" in errors["prediction"]
    assert "phone number" in errors["plan_who"]
    assert "before the start date" in errors["planned_end_date"]
    assert cycles(bot.db) == []
    with bot.db.reader() as session:
        assert session.scalar(select(func.count()).select_from(ChangeIdea)) == 0

    _, reply = start_cycle(bot)
    [cycle] = cycles(bot.db)
    view_id = open_pdsa(bot, ALICE)
    open_cycle_in_view(bot, view_id, cycle.id)
    reply = submit(
        bot,
        view_id,
        update_values(
            "adopt", study_results=text(""), end_date=day("2026-02-01"), study_learning=text("MRN 12345678")
        ),
        ALICE,
    )
    assert reply["response_action"] == "errors"
    assert set(reply["errors"]) == {"study_results", "end_date", "study_learning"}
    after = cycles(bot.db)[0]
    assert (after.status, after.do_observations, after.act_decision) == ("open", None, None)


def test_outsiders_are_refused(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    view_id = open_pdsa(bot, NOBODY)
    assert "not on a team" in all_text(bot.slack.views[view_id])

    start_cycle(bot)
    [cycle] = cycles(bot.db)
    # Someone from another team presses "Update" on Riverside's card.
    started = wait_for_messages(bot.slack, RIVER, 1)[0]
    refused = click_in_message(bot, started, RIVER, ACTION_OPEN, BRUNO)
    assert "not on *Riverside Family Clinic*" in all_text(bot.slack.views[refused])
    # A forged submission for Riverside by an Eastside member stores nothing.
    forged = dict(
        bot.slack.views[view_id],
        callback_id=NEW_CALLBACK,
        private_metadata=TeamRef(team_id=team_id_by_key(bot.db, "riverside")).dump(),
    )
    payload = view_submission_payload(forged, plan_values(change_idea_new=text("Other")), BRUNO)
    status, _, body = bot.requests.interact(payload)
    assert status == 200 and "wasn't saved" in body
    forged_update = dict(
        bot.slack.views[view_id],
        callback_id=UPDATE_CALLBACK,
        private_metadata=CycleRef(cycle_id=cycle.id).dump(),
    )
    status, _, body = bot.requests.interact(
        view_submission_payload(forged_update, update_values("adopt"), BRUNO)
    )
    assert "not on" in body
    assert len(cycles(bot.db)) == 1 and cycles(bot.db)[0].status == "open"


def test_faculty_pick_a_team(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    view_id = open_pdsa(bot, FACULTY)
    view = bot.slack.views[view_id]
    picker = next(b for b in view["blocks"] if b.get("block_id") == "team")
    assert len(picker["elements"][0]["options"]) == 8
    east = str(team_id_by_key(bot.db, "eastside"))
    click_in_view(
        bot,
        view_id,
        ACTION_TEAM,
        FACULTY,
        block_id="team",
        action_type="static_select",
        selected_option=option(east),
    )
    assert "Eastside Community Health Center" in all_text(bot.slack.views[view_id])
    click_in_view(bot, view_id, ACTION_NEW, FACULTY, value=east, block_id="new")
    submit(bot, view_id, plan_values(), FACULTY)
    [cycle] = cycles(bot.db)
    assert cycle.team_id == int(east) and cycle.created_by == FACULTY
    wait_for_messages(bot.slack, EAST, 1)
