"""Database faults: with the database down (connection refused) or silent (accepts, never answers)
every request is answered inside Slack's 3 seconds with "couldn't reach the database, nothing was
saved", ``/healthz`` answers 503 within 2 seconds, and when the database comes back the same
running app serves again (no restart).

The faults are made at the network edge: the bot's URL points at a closed port, at a silent
listener, or through :class:`tests.db_faults.FaultyProxy` in front of the real PostgreSQL server
(the server other tests share is never stopped; see ``test_database_restart.py`` for a real
restart of a private server).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from bot.measures.views import CALLBACK_ID as MEASURES_CALLBACK
from bot.pdsa.views import NEW_CALLBACK, TeamRef
from bot.slack.modals import UNAVAILABLE, UNAVAILABLE_SUBMIT
from storage.db import Database
from tests.conftest import NOW, RunningBot, load_example, make_context, running_bot
from tests.constants import ALICE
from tests.db_faults import FaultyProxy, closed_port
from tests.helpers import team_id_by_key, wait_for_calls, wait_until
from tests.signing import block_actions_payload, view_submission_payload
from tests.slack_standin import SlackStandIn
from tests.test_pdsa_e2e import plan_values

SLACK_LIMIT_S = 3.0


def healthz(bot: RunningBot) -> tuple[int, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(bot.url + "/healthz", timeout=10) as resp:
            status = resp.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, time.monotonic() - started


def timed(call: Any) -> tuple[Any, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def modal_text(view: dict[str, Any]) -> str:
    return json.dumps(view.get("blocks", []))


def shown_modal(bot: RunningBot, before_open: int, before_update: int) -> dict[str, Any]:
    """The modal the person ends up seeing after a command: the loading modal opened with the
    trigger, then the view that replaced it (the form, or a notice), or the notice opened at once."""

    def settled() -> dict[str, Any] | None:
        updates = bot.slack.calls_to("views.update")[before_update:]
        if updates:
            return dict(updates[-1].args["view"])
        opens = bot.slack.calls_to("views.open")[before_open:]
        if opens and UNAVAILABLE in modal_text(opens[-1].args["view"]):
            return dict(opens[-1].args["view"])
        return None

    return wait_until(settled, timeout=15)


def command_shows(bot: RunningBot, command: str, text: str = "") -> dict[str, Any]:
    """Send ``command`` (acked within Slack's limit, empty body), return the modal it ends on."""
    opened, updated = len(bot.slack.calls_to("views.open")), len(bot.slack.calls_to("views.update"))
    (status, _, body), took = timed(
        lambda: bot.requests.command(command, text, ALICE, trigger_id=bot.slack.issue_trigger_id())
    )
    assert status == 200 and body == "", (status, body)
    assert took < SLACK_LIMIT_S, f"{command} acked after {took:.1f}s"
    return shown_modal(bot, opened, updated)


@pytest.fixture(params=["refused", "silent"])
def down_bot(request: pytest.FixtureRequest, slack: SlackStandIn) -> Iterator[RunningBot]:
    """The bot whose PostgreSQL refuses connections, or accepts them and never answers."""
    if request.param == "refused":
        url = f"postgresql://postgres@127.0.0.1:{closed_port()}/collab"
        with running_bot(make_context(url, slack), slack) as bot:
            yield bot
        return
    with FaultyProxy("127.0.0.1", closed_port()) as proxy:
        proxy.mode = "silent"
        url = f"postgresql://postgres@127.0.0.1:{proxy.port}/collab"
        with running_bot(make_context(url, slack), slack) as bot:
            yield bot


def test_healthz_answers_503_within_two_seconds(down_bot: RunningBot) -> None:
    for _ in range(2):  # the second asks while the first ping may still be waiting
        status, took = healthz(down_bot)
        assert status == 503
        assert took < 2.0, f"/healthz took {took:.1f}s"


def test_measures_and_pdsa_say_the_database_is_unreachable(down_bot: RunningBot) -> None:
    for command in ("/measures", "/pdsa"):
        view = command_shows(down_bot, command)
        assert UNAVAILABLE in modal_text(view)


@pytest.mark.parametrize("word", ["share", "ask", "score"])
def test_collab_modal_commands_open_the_loading_modal_at_once_then_say_the_database_is_unreachable(
    down_bot: RunningBot, word: str
) -> None:
    opened = len(down_bot.slack.calls_to("views.open"))
    view = command_shows(down_bot, "/collab", word)  # acked at once, empty
    [loading] = down_bot.slack.calls_to("views.open")[opened:]  # with the trigger, nothing read
    assert "Loading" in modal_text(loading.args["view"]) and loading.ok
    assert UNAVAILABLE in modal_text(view)


def test_collab_acks_at_once_then_says_the_database_is_unreachable(down_bot: RunningBot) -> None:
    for word in ("status", "help", "digest"):
        url = down_bot.slack.response_url()
        started = time.monotonic()
        status, _, body = down_bot.requests.command("/collab", word, ALICE, response_url=url)
        took = time.monotonic() - started
        assert (status, body) == (200, "") and took < 1.0, f"/collab {word} acked after {took:.1f}s"
        answer = down_bot.slack.wait_for_response(url, timeout=20)
        assert answer == {"response_type": "ephemeral", "text": UNAVAILABLE}


@pytest.mark.parametrize("callback", [MEASURES_CALLBACK, NEW_CALLBACK])
def test_a_submitted_form_gets_the_notice_pushed_over_it(down_bot: RunningBot, callback: str) -> None:
    view = {"callback_id": callback, "private_metadata": TeamRef(team_id=1).model_dump_json(), "blocks": []}
    (status, _, body), took = timed(
        lambda: down_bot.requests.interact(view_submission_payload(view, {}, ALICE))
    )
    assert status == 200 and took < SLACK_LIMIT_S
    answer = json.loads(body)
    assert answer["response_action"] == "push"
    assert UNAVAILABLE_SUBMIT in modal_text(answer["view"])


def test_a_button_in_a_modal_gets_the_notice(down_bot: RunningBot) -> None:
    trigger = down_bot.slack.issue_trigger_id()
    opened = down_bot.slack.calls_to("views.open")
    payload = block_actions_payload("anything", ALICE, trigger_id=trigger)
    (status, _, _), took = timed(lambda: down_bot.requests.interact(payload))
    assert status == 200 and took < SLACK_LIMIT_S
    call = wait_for_calls(down_bot.slack, "views.open", len(opened) + 1)[-1]
    assert UNAVAILABLE in modal_text(call.args["view"])


def test_an_event_is_left_for_slack_to_retry(down_bot: RunningBot) -> None:
    status, _, _ = down_bot.requests.event({"type": "app_home_opened", "user": ALICE, "tab": "home"})
    assert status == 503


def test_a_channel_message_or_join_is_left_for_slack_to_retry(down_bot: RunningBot) -> None:
    """The peer-channel check runs before the gate: with the database down it answers like the gate
    (503 inside Slack's limit), never a 500."""
    message = {"type": "message", "channel": "C0PEERS001", "user": ALICE, "text": "hi", "ts": "1.000100"}
    joined = {"type": "member_joined_channel", "channel": "C0PEERS001", "user": ALICE}
    for event in (message, joined):
        (status, _, _), took = timed(lambda event=event: down_bot.requests.event(event))
        assert status == 503 and took < SLACK_LIMIT_S, (event["type"], status, took)


# -- the database going away and coming back, through a proxy in front of PostgreSQL ------------------


@pytest.fixture
def proxied_bot(postgres_url: str, slack: SlackStandIn) -> Iterator[tuple[RunningBot, FaultyProxy]]:
    from tests.conftest import _empty_tables

    _empty_tables(postgres_url)
    direct = Database(postgres_url)
    load_example(direct)
    direct.dispose()
    with FaultyProxy.for_url(postgres_url) as proxy:
        with running_bot(make_context(proxy.url_through(postgres_url), slack), slack) as bot:
            yield bot, proxy


def is_report_form(view: dict[str, Any]) -> bool:
    return view.get("callback_id") == MEASURES_CALLBACK and view.get("submit") is not None


@pytest.mark.parametrize("fault", ["down", "silent"])
def test_recovers_without_restart_when_the_database_returns(
    proxied_bot: tuple[RunningBot, FaultyProxy], fault: Any
) -> None:
    bot, proxy = proxied_bot
    assert healthz(bot)[0] == 200
    assert is_report_form(command_shows(bot, "/measures"))

    proxy.mode = fault
    status, took = healthz(bot)
    assert status == 503 and took < 2.0
    assert UNAVAILABLE in modal_text(command_shows(bot, "/measures"))

    proxy.mode = "up"
    wait_until(lambda: healthz(bot)[0] == 200, timeout=15)
    assert is_report_form(command_shows(bot, "/measures"))
    assert UNAVAILABLE not in modal_text(command_shows(bot, "/pdsa"))


# -- a failure after the gate's read (the database going away mid-request) ------------------------


def _unreachable(*_args: Any, **_kwargs: Any) -> Any:
    raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection unexpectedly"))


def test_a_failure_after_the_ack_fills_the_loading_modal_with_the_notice(
    loaded_bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("handlers.measures.open_form", _unreachable)
    monkeypatch.setattr("handlers.pdsa.start_screen", _unreachable)
    for command in ("/measures", "/pdsa"):
        view = command_shows(loaded_bot, command)
        assert UNAVAILABLE in modal_text(view)
        assert "Loading" not in view.get("title", {}).get("text", "")


def test_a_failure_while_saving_keeps_the_form(
    loaded_bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("handlers.pdsa.submit_plan", _unreachable)
    meta = TeamRef(team_id=1).model_dump_json()
    view = {"callback_id": NEW_CALLBACK, "private_metadata": meta, "blocks": []}
    payload = view_submission_payload(view, plan_values(), ALICE)
    status, _, body = loaded_bot.requests.interact(payload)
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "push" and UNAVAILABLE_SUBMIT in modal_text(answer["view"])


def test_the_same_form_sent_again_after_the_database_returns_is_saved(
    loaded_bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The notice stored nothing, so the same submission (same view id and hash) is not a
    duplicate: pressing Submit again once the database is back saves it."""
    from handlers import pdsa

    real = pdsa.submit_plan
    monkeypatch.setattr("handlers.pdsa.submit_plan", _unreachable)
    team_id = team_id_by_key(loaded_bot.db, "riverside")
    meta = TeamRef(team_id=team_id).model_dump_json()
    view = {"callback_id": NEW_CALLBACK, "private_metadata": meta, "blocks": []}
    payload = view_submission_payload(view, plan_values(), ALICE)
    status, _, body = loaded_bot.requests.interact(payload)
    assert status == 200 and json.loads(body)["response_action"] == "push"

    monkeypatch.setattr("handlers.pdsa.submit_plan", real)
    status, _, body = loaded_bot.requests.interact(payload)
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "update" and UNAVAILABLE_SUBMIT not in modal_text(answer["view"])


# -- the clock across an outage ------------------------------------------------------------------------


def test_the_clock_resumes_after_an_outage_and_catches_up(postgres_url: str, slack: SlackStandIn) -> None:
    """The clock loses its lock when the database goes away, runs nothing meanwhile, leads again
    when it returns, and runs a job that fell due during the outage once (coalesced)."""
    import threading
    from datetime import UTC, datetime, timedelta

    import jobs.clock
    from jobs.clock import Clock
    from tests.conftest import _empty_tables
    from tests.helpers import eventually
    from tests.test_clock import probe_job

    _empty_tables(postgres_url)
    direct = Database(postgres_url)
    load_example(direct)
    direct.dispose()
    runs: list[tuple[str, str]] = []
    probe = {"probe": probe_job(runs, threading.Lock())}
    with FaultyProxy.for_url(postgres_url) as proxy:
        ctx = make_context(proxy.url_through(postgres_url), slack)
        clock = Clock(ctx, poll_seconds=0.05, jobs=probe).start()
        try:
            assert eventually(lambda: clock.is_leader, timeout=15)
            assert clock.scheduler is not None
            clock.scheduler.modify_job("probe:htn", next_run_time=datetime.now(UTC) + timedelta(seconds=2))

            proxy.mode = "down"
            assert eventually(lambda: not clock.is_leader, timeout=10)
            time.sleep(3)  # the job falls due while the database is away
            assert runs == []

            proxy.mode = "up"
            assert eventually(lambda: clock.is_leader, timeout=20)
            assert eventually(lambda: len(runs) == 1, timeout=15)
            assert not eventually(lambda: len(runs) > 1, timeout=1.0)
        finally:
            clock.stop()
            ctx.db.dispose()
            jobs.clock._context = None
            jobs.clock._jobs = None


# -- OAuth: the installation read (Bolt's authorize, before the gate) with the database down --------------


@pytest.fixture(params=["refused", "silent"])
def oauth_down_bot(request: pytest.FixtureRequest, slack: SlackStandIn) -> Iterator[RunningBot]:
    """The bot in OAuth mode (a cold installation cache) whose PostgreSQL refuses or never answers."""
    with FaultyProxy("127.0.0.1", closed_port()) as proxy:
        proxy.mode = "silent" if request.param == "silent" else "down"
        url = f"postgresql://postgres@127.0.0.1:{proxy.port}/collab"
        oauth = {"SLACK_BOT_TOKEN": "", "SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "secret"}
        with running_bot(make_context(url, slack, NOW, **oauth), slack) as bot:
            assert bot.ctx.oauth
            yield bot


def test_with_oauth_a_request_whose_installation_cannot_be_read_gets_the_gates_answer(
    oauth_down_bot: RunningBot,
) -> None:
    bot = oauth_down_bot
    for command in ("/collab", "/measures"):
        (status, _, body), took = timed(lambda command=command: bot.requests.command(command, "", ALICE))
        assert status == 200 and took < SLACK_LIMIT_S, (command, status, took)
        assert json.loads(body) == {"response_type": "ephemeral", "text": UNAVAILABLE}
    view = {"callback_id": MEASURES_CALLBACK, "private_metadata": TeamRef(team_id=1).model_dump_json()}
    (status, _, body), took = timed(lambda: bot.requests.interact(view_submission_payload(view, {}, ALICE)))
    assert status == 200 and took < SLACK_LIMIT_S
    answer = json.loads(body)
    assert answer["response_action"] == "push" and UNAVAILABLE_SUBMIT in modal_text(answer["view"])
    (status, _, _), took = timed(lambda: bot.requests.event({"type": "app_home_opened", "user": ALICE}))
    assert status == 503 and took < SLACK_LIMIT_S
