"""Hostile input, property-tested: hypothesis sends payloads for every listener, signed, to the real
``/slack/events`` (slash commands, block actions, view submissions, events).

Payloads carry missing fields, wrong types, 10,000-character strings, control and zero-width
characters, NUL, 25-digit numbers, NaN and infinity, unknown action IDs, and replayed or tampered
view IDs and hashes. Whatever comes in, the bot never answers 500, logs no listener error (a
traceback is a person left without an answer), writes no half record (every stored figure is
finite and sits with its month's report; every cycle has its plan) and any field error it shows is
a plain sentence. Deterministic (``derandomize``) and bounded (``max_examples``) so CI stays quick.
"""

from __future__ import annotations

import json
import logging
import math
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.calls.views import FEEDBACK_ACTION, RSVP_GOING, RSVP_NOT_GOING
from bot.feedback import views as feedback_views
from bot.measures import views as measures_views
from bot.pdsa import views as pdsa_views
from bot.peers import views as peer_views
from bot.scores import views as score_views
from storage.migrate import upgrade
from storage.models import MeasureReport, PdsaCycle, TeamReport
from tests.conftest import RunningBot, _empty_tables, load_example, make_context, running_bot
from tests.constants import ADMIN, ALICE, ARJUN, FACULTY, NOBODY, RIVER, TEAM_ID
from tests.signing import block_actions_payload, slash_command_body, view_submission_payload
from tests.slack_standin import SlackStandIn
from tests.test_measures_e2e import open_modal
from tests.test_pdsa_e2e import ACTION_NEW, click_in_view, open_cycle_in_view, open_pdsa, start_cycle

FUZZ = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u202e"
CONTROL = "".join(chr(c) for c in range(32)) + "\x7f"
ODD_STRINGS = [
    "",
    " ",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e309",
    "-0",
    "0x10",
    "1_000",
    "١٢٣",
    "12,5",
    "9" * 25,
    "-" + "9" * 25,
    "1" + "0" * 24,
    "\x00",
    "4\x002",
    "<!channel> <https://evil.example/login|results>",
    "null",
    "{}",
    "[]",
    '{"team_id": 1}',
    '{"cycle_id": 1}',
    '{"team_id": 1, "period": "2026-03"}',
    "2026-03",
    "2026-13-45",
    "1",
    "-1",
    "3.0",
]
LONG_STRINGS = [c * 10_000 for c in ("x", "9", "\u200b", "<", "\x00")]

hostile_text = st.one_of(
    st.sampled_from(ODD_STRINGS),
    st.text(max_size=30),
    st.text(alphabet=st.sampled_from(list(CONTROL + ZERO_WIDTH + "<>&*_~`@!#|9")), max_size=30),
    st.sampled_from(LONG_STRINGS),
)
hostile_json: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**25), max_value=10**25)
    | st.floats(allow_nan=True, allow_infinity=True)
    | hostile_text,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


def mostly(usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly ``usual``, sometimes ``odd``, so enough well-formed payloads reach the listeners (not 0
    or 9: hypothesis favours the ends of a range)."""
    return st.integers(0, 9).flatmap(lambda i: odd if i in (3, 6) else usual)


ACTIONS = [
    measures_views.OPEN_ACTION,
    measures_views.TEAM_ACTION,
    measures_views.MONTH_ACTION,
    pdsa_views.ACTION_TEAM,
    pdsa_views.ACTION_NEW,
    pdsa_views.ACTION_OPEN,
    pdsa_views.ACTION_NEXT,
    pdsa_views.ACTION_DETAILS,
    RSVP_GOING,
    RSVP_NOT_GOING,
    FEEDBACK_ACTION,
    score_views.ACTION_OPEN,
    score_views.ACTION_TEAM,
    score_views.ACTION_MONTH,
    *peer_views.OPEN_ACTIONS.values(),
]
CALLBACKS = [
    measures_views.CALLBACK_ID,
    pdsa_views.NEW_CALLBACK,
    pdsa_views.UPDATE_CALLBACK,
    pdsa_views.START_CALLBACK,
    feedback_views.CALLBACK,
    score_views.CALLBACK,
    *peer_views.CALLBACKS.values(),
]
USERS = [ALICE, ARJUN, FACULTY, ADMIN, NOBODY, "U0STRANGER", ""]
ELEMENT_TYPES = [
    "plain_text_input",
    "static_select",
    "multi_static_select",
    "datepicker",
    "radio_buttons",
    "checkboxes",
    "number_input",
]


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.errors.append(f"{record.name}: {record.getMessage()}")


class Fuzzed:
    """One running bot for the module, the real views it opened, and the errors it logged."""

    def __init__(self, bot: RunningBot, views: dict[str, dict[str, Any]], log: Captured) -> None:
        self.bot, self.views, self.log = bot, views, log

    def check(self, status: int, body: str, *, record: bool = True) -> None:
        # pytest --hypothesis-show-statistics: how many got how far (and which envelope part stopped them)
        if record:
            event(f"HTTP {status} {body[:60] if status == 400 else ''}")
        assert status < 500, (status, body[:300])
        assert self.log.errors == [], self.log.errors[:3]
        if body.startswith("{"):
            answer = json.loads(body)
            if answer.get("response_action") == "errors":
                for field, message in answer["errors"].items():
                    assert isinstance(message, str) and 0 < len(message) <= 300, (field, message)
                    assert "Traceback" not in message and "Error" not in message, message
        self.invariants()

    def invariants(self) -> None:
        """Nothing half-written: figures are finite and belong to a stored month; cycles have plans."""
        with self.bot.db.reader() as session:
            for row in session.scalars(select(MeasureReport)):
                for figure in (row.numerator, row.denominator, row.value):
                    assert figure is None or math.isfinite(figure), (row.id, figure)
            orphans = session.scalar(
                select(func.count())
                .select_from(MeasureReport)
                .outerjoin(
                    TeamReport,
                    (TeamReport.team_id == MeasureReport.team_id)
                    & (TeamReport.period == MeasureReport.period),
                )
                .where(TeamReport.id.is_(None))
            )
            assert orphans == 0
            for cycle in session.scalars(select(PdsaCycle)):
                assert cycle.objective.strip() and cycle.prediction.strip(), cycle.id


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzzed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    """The bot on SQLite, then on PostgreSQL (which refuses NUL in text, for one)."""
    if request.param == "sqlite":
        url = f"sqlite:///{Path(tmp_path_factory.mktemp('fuzz')) / 'collab.db'}"
        upgrade(url)
    else:
        url = request.getfixturevalue("postgres_url")
        _empty_tables(url)
    with SlackStandIn() as slack:
        ctx = make_context(url, slack)
        load_example(ctx.db)
        with running_bot(ctx, slack) as bot:
            views: dict[str, dict[str, Any]] = {}
            views[measures_views.CALLBACK_ID] = open_modal(bot, ALICE)
            start_cycle(bot, ALICE)
            view_id = open_pdsa(bot, ALICE)
            click_in_view(bot, view_id, ACTION_NEW, ALICE, value="1", block_id="new")
            views[pdsa_views.NEW_CALLBACK] = dict(bot.slack.views[view_id])
            view_id = open_pdsa(bot, ALICE)
            with bot.db.reader() as session:
                cycle_id = session.scalars(select(PdsaCycle.id)).first()
            assert cycle_id is not None
            open_cycle_in_view(bot, view_id, cycle_id)
            views[pdsa_views.UPDATE_CALLBACK] = dict(bot.slack.views[view_id])
            log = Captured()
            logging.getLogger().addHandler(log)
            try:
                yield Fuzzed(bot, views, log)
            finally:
                logging.getLogger().removeHandler(log)


def _post_form(fuzzed: Fuzzed, fields: dict[str, str]) -> tuple[int, str]:
    status, _, body = fuzzed.bot.requests.post(urlencode(fields), "application/x-www-form-urlencoded")
    return status, body


@FUZZ
@given(
    command=st.sampled_from(["/measures", "/pdsa", "/collab"]),
    text=hostile_text,
    user=st.sampled_from(USERS),
    drop=st.sets(st.sampled_from(["user_id", "team_id", "trigger_id", "channel_id", "text", "command"])),
)
def test_slash_commands(fuzzed: Fuzzed, command: str, text: str, user: str, drop: set[str]) -> None:
    fuzzed.log.errors.clear()  # what the previous example logged is its own
    fields = dict(
        pair.split("=", 1)
        for pair in slash_command_body(
            command,
            "",
            user or "U0X",
            trigger_id=fuzzed.bot.slack.issue_trigger_id(),
            response_url=fuzzed.bot.slack.response_url(),  # /collab answers there, after its ack
        ).split("&")
    )
    from urllib.parse import unquote_plus

    form = {k: unquote_plus(v) for k, v in fields.items() if k not in drop}
    if "text" not in drop:
        form["text"] = text
    fuzzed.check(*_post_form(fuzzed, form))


@FUZZ
@given(
    action=mostly(st.sampled_from(ACTIONS), hostile_text),
    value=st.one_of(st.none(), hostile_text, hostile_json.map(json.dumps)),
    user=st.sampled_from(USERS),
    in_view=st.booleans(),
    metadata=st.one_of(hostile_text, hostile_json.map(json.dumps)),
    selected=st.one_of(st.none(), hostile_text),
    tamper=mostly(
        st.none(), st.tuples(st.sampled_from(["actions", "user", "team", "view", "container"]), hostile_json)
    ),
)
def test_block_actions(
    fuzzed: Fuzzed,
    action: str,
    value: str | None,
    user: str,
    in_view: bool,
    metadata: str,
    selected: str | None,
    tamper: tuple[str, Any] | None,
) -> None:
    fuzzed.log.errors.clear()  # what the previous example logged is its own
    view = None
    if in_view:
        real = fuzzed.views[measures_views.CALLBACK_ID]
        view = {**real, "id": f"V{secrets.token_hex(4).upper()}", "private_metadata": metadata}
    payload = block_actions_payload(
        action,
        user,
        value=value,
        view=view,
        action_type="static_select" if selected is not None else "button",
        selected_option={"text": {"type": "plain_text", "text": "x"}, "value": selected}
        if selected
        else None,
        channel_id=RIVER,
        trigger_id=fuzzed.bot.slack.issue_trigger_id(),
    )
    if tamper is not None:
        payload[tamper[0]] = tamper[1]
    status, _, body = fuzzed.bot.requests.interact(payload)
    fuzzed.check(status, body)


def _element_value(kind: str, text: str, raw: Any) -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": "x"}, "value": text}
    return {
        "plain_text_input": {"type": kind, "value": text},
        "number_input": {"type": kind, "value": text},
        "static_select": {"type": kind, "selected_option": option},
        "radio_buttons": {"type": kind, "selected_option": option},
        "multi_static_select": {"type": kind, "selected_options": [option]},
        "checkboxes": {"type": kind, "selected_options": [option]},
        "datepicker": {"type": kind, "selected_date": text},
        "raw": raw,
    }.get(kind, {"type": kind, "value": text})


@st.composite
def state_values(draw: st.DrawFn, view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``view.state.values``: each input of the real view kept as sent, emptied, or made hostile."""
    values: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        how = draw(mostly(st.just("same-type"), st.sampled_from(["other-type", "missing", "raw"])))
        if how == "missing":
            continue
        kind = element["type"] if how == "same-type" else draw(st.sampled_from(ELEMENT_TYPES))
        if how == "raw":
            kind = "raw"
        values[block["block_id"]] = {
            element["action_id"]: _element_value(kind, draw(hostile_text), draw(hostile_json))
        }
    for _ in range(draw(mostly(st.just(0), st.integers(1, 2)))):  # blocks the view never had
        values[draw(st.text(max_size=12))] = {draw(st.text(max_size=8)): draw(hostile_json)}
    return values


@FUZZ
@given(data=st.data())
def test_view_submissions(fuzzed: Fuzzed, data: st.DataObject) -> None:
    fuzzed.log.errors.clear()  # what the previous example logged is its own
    callback = data.draw(mostly(st.sampled_from(CALLBACKS), hostile_text), label="callback")
    real = fuzzed.views.get(callback, {"callback_id": callback, "blocks": []})
    view = {**real, "callback_id": callback}
    view["private_metadata"] = data.draw(
        st.one_of(st.just(real.get("private_metadata", "")), hostile_text, hostile_json.map(json.dumps)),
        label="private_metadata",
    )
    known_ids = [v["id"] for v in fuzzed.views.values()]
    fresh = st.builds(lambda: f"V{secrets.token_hex(5).upper()}")
    view_id = data.draw(st.one_of(fresh, st.sampled_from(known_ids), hostile_text), label="view_id")
    view_hash = data.draw(mostly(st.just(real.get("hash", "h")), hostile_text), label="view_hash")
    values = data.draw(state_values(view), label="values")
    user = data.draw(st.sampled_from(USERS), label="user")
    payload = view_submission_payload(view, values, user or "U0X", view_id=view_id, view_hash=view_hash)
    if data.draw(mostly(st.just(False), st.just(True)), label="tamper"):
        key = data.draw(st.sampled_from(["view", "user", "team", "type"]), label="key")
        payload[key] = data.draw(hostile_json, label="with")
    status, _, body = fuzzed.bot.requests.interact(payload)
    fuzzed.check(status, body)
    if data.draw(mostly(st.just(False), st.just(True)), label="replayed"):  # Slack retry, double click
        again, _, replayed = fuzzed.bot.requests.interact(payload)
        fuzzed.check(again, replayed)


@FUZZ
@given(
    kind=st.sampled_from(["app_home_opened", "message", "member_joined_channel", "reaction_added"]),
    fields=st.dictionaries(
        st.sampled_from(["user", "channel", "text", "tab", "subtype", "ts", "view"]),
        mostly(hostile_text, hostile_json),
        max_size=4,
    ),
    team=st.sampled_from([TEAM_ID, "T0NOWHERE1", ""]),
)
def test_events(fuzzed: Fuzzed, kind: str, fields: dict[str, Any], team: str) -> None:
    fuzzed.log.errors.clear()  # what the previous example logged is its own
    status, _, body = fuzzed.bot.requests.event({"type": kind, **fields}, team_id=team)
    fuzzed.check(status, body)


@pytest.mark.parametrize("typed", ["before\x00after", "x" * 10_000, "9" * 25, "\u200b\u202e<!channel>"])
def test_each_text_field_of_the_real_forms(fuzzed: Fuzzed, typed: str) -> None:
    """Every text input of the report and PDSA forms, one at a time, with the rest as prefilled."""
    fuzzed.log.errors.clear()
    for callback in (measures_views.CALLBACK_ID, pdsa_views.NEW_CALLBACK, pdsa_views.UPDATE_CALLBACK):
        view = fuzzed.views[callback]
        inputs = [b for b in view["blocks"] if b.get("type") == "input"]
        for target in inputs:
            if target["element"]["type"] != "plain_text_input":
                continue
            values = {
                b["block_id"]: {
                    b["element"]["action_id"]: {
                        "type": "plain_text_input",
                        "value": typed if b is target else (b["element"].get("initial_value") or "12"),
                    }
                }
                for b in inputs
                if b["element"]["type"] == "plain_text_input"
            }
            view_id = f"V{secrets.token_hex(5).upper()}"
            payload = view_submission_payload(view, values, ALICE, view_id=view_id, view_hash="h1")
            status, _, body = fuzzed.bot.requests.interact(payload)
            fuzzed.check(status, body, record=False)
