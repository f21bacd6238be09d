"""Forged or garbled button values and modal metadata, sent signed to the real ``/slack/events``.

Whatever comes back from Slack is input: a value that is not what the bot wrote gets a 200, a clean
"out of date" refusal, nothing stored and no error logged (never a traceback or a 500).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.calls.views import RSVP_GOING, RSVP_NOT_GOING
from bot.calls.views import STALE_BUTTON as RSVP_STALE
from bot.measures import views as measures
from bot.pdsa import views as pdsa
from storage.db import Database
from storage.models import MeasureReport, PdsaCycle, Rsvp, TeamReport
from tests.conftest import RunningBot
from tests.constants import ALICE
from tests.helpers import team_id_by_key, wait_for_calls
from tests.signing import block_actions_payload, view_submission_payload
from tests.test_pdsa_e2e import cycles, open_pdsa, plan_values, start_cycle, update_values

BIG = "100000000000000000000"  # parses as an integer, but no database id is that large

BAD_IDS = ["", "abc", "0", "-3", "3.0", '"3"', "true", BIG, "{}", "[]", "null"]
BAD_CYCLE_VALUES = [
    "",
    "abc",
    "3",
    "{}",
    "[]",
    "null",
    '{"cycle_id": "3"}',
    '{"cycle_id": 0}',
    '{"cycle_id": 3.5}',
    '{"cycle_id": null}',
    f'{{"cycle_id": {BIG}}}',
    '{"team_id": 1}',
]
BAD_TEAM_METADATA = ["", "abc", "{}", '{"team_id": "1"}', '{"team_id": 0}', f'{{"team_id": {BIG}}}', "[1]"]
BAD_REPORT_METADATA = [
    "",
    "abc",
    "{}",
    '{"team_id":1}',  # no month
    '{"team_id":"1","period":"2026-03"}',
    '{"team_id":1,"period":"March"}',
    '{"team_id":1,"period":"2026-13"}',
    f'{{"team_id":{BIG},"period":"2026-03"}}',
    '{"team_id":1,"period":"2026-03","confirmed":{"bp_control:numerator":"lots"}}',
    '{"team_id":1,"period":"2026-03","confirmed":[]}',
]
BAD_REPORT_TARGETS = [
    *(m for m in BAD_REPORT_METADATA if "confirmed" not in m and m != '{"team_id":1}'),
    '{"team_id":1,"period":7}',
    '{"period":"2026-03"}',
    "1",
]


@pytest.fixture(autouse=True)
def no_errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Bolt logs a listener's exception at ERROR; none may happen here."""
    caplog.set_level(logging.WARNING)
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]


def count(db: Database, model: type) -> int:
    with db.reader() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def notice(view: dict[str, Any]) -> str:
    """The text of a one-section notice modal (and check it is nothing more than that)."""
    assert view.get("submit") is None and len(view["blocks"]) == 1, view
    return str(view["blocks"][0]["text"]["text"])


def updated_view(bot: RunningBot, before: int) -> dict[str, Any]:
    call = wait_for_calls(bot.slack, "views.update", before + 1)[before]
    assert call.ok, call.response
    return dict(call.args["view"])


def click(bot: RunningBot, action_id: str, user: str, **fields: Any) -> dict[str, Any]:
    """Send one block action; returns the view the bot put in the modal next."""
    before = len(bot.slack.calls_to("views.update"))
    status, _, _ = bot.requests.interact(block_actions_payload(action_id, user, **fields))
    assert status == 200
    return updated_view(bot, before)


def forged_submission(bot: RunningBot, callback_id: str, metadata: str, values: Any, user: str) -> Any:
    view = {"type": "modal", "callback_id": callback_id, "private_metadata": metadata, "blocks": []}
    status, _, body = bot.requests.interact(view_submission_payload(view, values, user))
    assert status == 200, body
    return json.loads(body)


# -- monthly measures ----------------------------------------------------------------------------------


def test_report_now_with_a_bad_value_says_it_is_out_of_date(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    for value in BAD_REPORT_TARGETS:
        view = click(bot, measures.OPEN_ACTION, ALICE, value=value, trigger_id=bot.slack.issue_trigger_id())
        assert notice(view) == measures.STALE, value
    assert count(bot.db, MeasureReport) == 0


def test_measures_pickers_in_a_modal_with_forged_metadata_say_it_is_out_of_date(
    loaded_bot: RunningBot,
) -> None:
    bot = loaded_bot
    click(bot, measures.OPEN_ACTION, ALICE, value="", trigger_id=bot.slack.issue_trigger_id())
    [view_id] = bot.slack.views
    option = {"text": {"type": "plain_text", "text": "x"}, "value": "2026-03"}
    for metadata in BAD_REPORT_METADATA:
        for action_id in (measures.TEAM_ACTION, measures.MONTH_ACTION):
            forged = dict(bot.slack.views[view_id], private_metadata=metadata)
            view = click(
                bot, action_id, ALICE, view=forged, action_type="static_select", selected_option=option
            )
            assert notice(view) == measures.STALE, (action_id, metadata)


def test_measures_submission_with_forged_metadata_is_refused_and_stores_nothing(
    loaded_bot: RunningBot,
) -> None:
    bot = loaded_bot
    for metadata in BAD_REPORT_METADATA:
        reply = forged_submission(bot, measures.CALLBACK_ID, metadata, {}, ALICE)
        assert reply["response_action"] == "update"
        assert notice(reply["view"]) == measures.STALE, metadata
    assert count(bot.db, MeasureReport) == 0 and count(bot.db, TeamReport) == 0


# -- PDSA cycles ------------------------------------------------------------------------------------------


def test_pdsa_buttons_with_bad_values_say_they_are_out_of_date(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    view_id = open_pdsa(bot, ALICE)

    def in_modal(action_id: str, **fields: Any) -> str:
        return notice(click(bot, action_id, ALICE, view=bot.slack.views[view_id], **fields))

    for value in BAD_CYCLE_VALUES:
        for action_id in (pdsa.ACTION_OPEN, pdsa.ACTION_NEXT, pdsa.ACTION_DETAILS):
            assert in_modal(action_id, value=value) == pdsa.STALE_BUTTON, (action_id, value)
    for value in BAD_IDS:
        assert in_modal(pdsa.ACTION_NEW, value=value) == pdsa.STALE_BUTTON, value
        option = {"text": {"type": "plain_text", "text": "x"}, "value": value}
        picked = in_modal(pdsa.ACTION_TEAM, action_type="static_select", selected_option=option)
        assert picked == pdsa.STALE_BUTTON, value
    # From a message (a card in the channel) the bot opens a modal first, then says the same.
    view = click(bot, pdsa.ACTION_OPEN, ALICE, value="{not json", trigger_id=bot.slack.issue_trigger_id())
    assert notice(view) == pdsa.STALE_BUTTON
    assert cycles(bot.db) == []


def test_pdsa_submissions_with_forged_metadata_are_refused_and_store_nothing(
    loaded_bot: RunningBot,
) -> None:
    bot = loaded_bot
    start_cycle(bot)
    [cycle] = cycles(bot.db)
    river = team_id_by_key(bot.db, "riverside")
    for metadata in [*BAD_TEAM_METADATA, json.dumps({"cycle_id": cycle.id})]:
        reply = forged_submission(bot, pdsa.NEW_CALLBACK, metadata, plan_values(), ALICE)
        assert reply["response_action"] == "update"
        assert notice(reply["view"]) == pdsa.STALE_FORM, metadata
    for metadata in [*BAD_CYCLE_VALUES, json.dumps({"team_id": river})]:
        reply = forged_submission(bot, pdsa.UPDATE_CALLBACK, metadata, update_values("adopt"), ALICE)
        assert reply["response_action"] == "update"
        assert notice(reply["view"]) == pdsa.STALE_FORM, metadata
    assert [(c.id, c.status, c.do_observations) for c in cycles(bot.db)] == [(cycle.id, "open", None)]
    assert count(bot.db, PdsaCycle) == 1


# -- call RSVPs --------------------------------------------------------------------------------------------


def test_rsvp_with_a_bad_value_says_so_privately_and_stores_nothing(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    for i, value in enumerate(BAD_IDS):
        action_id = RSVP_GOING if i % 2 else RSVP_NOT_GOING
        status, _, _ = bot.requests.interact(block_actions_payload(action_id, ALICE, value=value))
        assert status == 200
        [answer] = wait_for_calls(bot.slack, "chat.postEphemeral", i + 1)[i:]
        assert answer.args["text"] == RSVP_STALE, value
    assert count(bot.db, Rsvp) == 0
    assert bot.slack.calls_to("chat.update") == []
