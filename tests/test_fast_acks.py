"""Fast acknowledgements: ``collab-bot serve`` acks ``/measures`` and opens the loading modal,
and builds the form afterwards in its background processes (``bot.slack.background``); the
person who asked gets the same form as before. Timing itself is ``python -m bench.ack``'s job.
"""

from __future__ import annotations

import json
import os
import signal
from typing import Any

import pytest

from bot.measures.views import CALLBACK_ID
from bot.slack.background import ProcessBackground, ThreadBackground
from storage.db import Database
from tests.conftest import free_port, load_example, make_context, set_cli_environment
from tests.constants import ALICE, RIVER, SIGNING_SECRET
from tests.helpers import start_serve, wait_for_calls, wait_for_messages, wait_healthy
from tests.signing import SlackRequests, view_submission_payload
from tests.slack_standin import SlackStandIn
from tests.test_measures_e2e import state_for


def _forms(slack: SlackStandIn) -> list[Any]:
    return [c for c in slack.calls_to("views.update") if c.args["view"].get("callback_id") == CALLBACK_ID]


def test_serve_acks_then_fills_the_form_from_a_background_process(db_url: str, slack: SlackStandIn) -> None:
    db = Database(db_url)
    load_example(db)
    db.dispose()
    port = free_port()
    proc = start_serve(db_url, slack, port, BACKGROUND_PROCESSES="1")
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proc)
        requests = SlackRequests(url, SIGNING_SECRET)
        for count in (1, 2, 3):  # the first two also teach the gate that the workspace is known
            status, _, body = requests.command("/measures", "", ALICE, trigger_id=slack.issue_trigger_id())
            assert status == 200 and body == ""
            wait_for_calls(slack, "views.update", count, timeout=60, where=lambda c: c in _forms(slack))
        assert len(_forms(slack)) == 3
        opened = {c.response["view"]["id"] for c in slack.calls_to("views.open") if c.ok and c.response}
        assert {c.args["view_id"] for c in _forms(slack)} == opened

        form = slack.views[_forms(slack)[-1].args["view_id"]]
        payload = view_submission_payload(
            form, state_for(form), ALICE, view_id=form["id"], view_hash=form["hash"]
        )
        status, _, body = requests.interact(payload)
        assert status == 200 and body == ""  # saved: the modal closes
        notes = wait_for_messages(slack, RIVER, timeout=60)  # posted by the background process
        assert "Riverside" in json.dumps(notes)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    assert b"Traceback" not in stderr, stderr.decode()[-2000:]


def _record(ctx: Any, path: str) -> None:
    with open(path, "a") as f:
        f.write(f"{os.getpid()}\n")


def test_tasks_run_on_threads_until_the_processes_are_ready(
    db_url: str, slack: SlackStandIn, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_cli_environment(monkeypatch, db_url, slack)
    ctx = make_context(db_url, slack)
    out = tmp_path / "pids.txt"
    background = ProcessBackground(1, ThreadBackground(ctx))
    background.start()
    background.submit(_record, str(out))  # the process is still starting: this one runs here
    assert background._ready is not None
    background._ready.result(timeout=120)
    background.submit(_record, str(out))
    background.shutdown()
    pids = out.read_text().split()
    assert pids[0] == str(os.getpid())
    assert pids[1] != str(os.getpid())
