"""``peer-prompts``: one post per week in the peer channel, rotating prompts by phase, a spotlight on
an improving team when the channel is quiet; from the command line against the stand-in."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.months import iso_week
from bot.peers import rules
from bot.peers.prompt_library import LIBRARY, PHASES, prompt_ids
from storage.db import Database
from storage.pdsa import CycleUpdate, NewCycle, create_cycle, update_cycle
from storage.peer_activity import count_message
from tests.conftest import EXAMPLE, NOW, load_example, set_cli_environment
from tests.constants import ALICE
from tests.helpers import collaborative_named, team_id_by_key
from tests.slack_standin import SlackStandIn


@pytest.fixture
def loaded(db_url: str, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch) -> Database:
    """The example loaded, and ``collab-bot`` pointed at this test's database and the stand-in."""
    set_cli_environment(monkeypatch, db_url, slack)
    db = Database(db_url)
    load_example(db)
    return db


@pytest.fixture
def synced(loaded: Database, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]) -> Database:
    assert main(["channels", "sync"]) == 0
    capsys.readouterr()
    slack.calls.clear()
    return loaded


def run(capsys: pytest.CaptureFixture[str], as_of: str) -> str:
    assert main(["jobs", "run", "peer-prompts", "--as-of", as_of]) == 0
    return capsys.readouterr().out


def peer_posts(slack: SlackStandIn) -> list[dict[str, object]]:
    return [m for m in slack.messages() if str(m["channel"]).startswith("G")]


def test_one_prompt_a_week_and_a_rerun_posts_nothing(
    synced: Database, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    collab = collaborative_named(synced)
    # someone posted in the channel this week: not quiet, so a prompt (action period: after January's session)
    count_message(
        synced, collab.id, team_id_by_key(synced, "riverside"), iso_week(date(2026, 4, 15)), "h1", reply=False
    )
    out = run(capsys, "2026-04-15T10:00")
    assert out == "htn: prompt action-01: 1 sent, 0 already sent, 0 failed (will retry)\n"
    [post] = peer_posts(slack)
    assert LIBRARY["action"][0] in json.dumps(post["blocks"])
    assert "0 sent, 1 already sent" in run(capsys, "2026-04-15T16:00")  # a re-run posts nothing
    assert len(peer_posts(slack)) == 1
    count_message(
        synced, collab.id, team_id_by_key(synced, "riverside"), iso_week(date(2026, 4, 22)), "h1", reply=True
    )
    assert run(capsys, "2026-04-22T10:00").startswith("htn: prompt action-02: 1 sent")
    synced.dispose()


def test_a_quiet_channel_gets_a_spotlight_on_a_team_that_adopted_a_change(
    synced: Database, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    cycle = create_cycle(
        synced,
        NewCycle(
            team_id=team_id_by_key(synced, "riverside"),
            created_by=ALICE,
            objective="Does a repeat BP after rest cut false highs?",
            prediction="Half the repeats under 140/90",
            start_date=date(2026, 3, 2),
            change_idea_title="Repeat BP after <5> minutes rest",
        ),
        now=NOW,
    )
    update_cycle(
        synced, cycle.id, CycleUpdate(decision="adopt", end_date=date(2026, 4, 1)), date(2026, 4, 1), now=NOW
    )
    out = run(capsys, "2026-04-15T10:00")
    assert out.startswith("htn: spotlight on Riverside Family Clinic: 1 sent")
    [post] = peer_posts(slack)
    text = post["blocks"][0]["text"]["text"]  # type: ignore[index]
    assert "Spotlight: Riverside Family Clinic" in text and f"<@{ALICE}>" in text
    assert "Repeat BP after &lt;5&gt; minutes rest" in text
    synced.dispose()


def test_no_peer_channel_no_prompt(
    loaded: Database, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    db = loaded
    assert "no peer channel yet" in run(capsys, "2026-04-15T10:00")
    assert slack.messages() == []
    db.dispose()


def test_the_library_and_the_rotation() -> None:
    assert sum(len(LIBRARY[p]) for p in PHASES) >= 30 and all(len(LIBRARY[p]) >= 8 for p in PHASES)
    ids = prompt_ids("action")
    used: list[str] = []
    for _ in range(len(ids)):
        pick = rules.next_prompt(ids, used)
        assert pick is not None and pick not in used
        used.append(pick)
    assert rules.next_prompt(ids, used) == ids[0]  # exhausted: start again with the oldest
    start, end = date(2026, 1, 20), date(2027, 6, 30)
    assert rules.phase_of(date(2026, 1, 5), start, end) == "before"
    assert rules.phase_of(date(2026, 4, 15), start, end) == "action"
    assert rules.phase_of(date(2027, 4, 15), start, end) == "closing"


def test_the_files_own_prompts_come_first(
    synced: Database, slack: SlackStandIn, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["prompts"] = ["What did your <b>MA</b> change this week?"]
    path = tmp_path / "own.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["load", str(path)]) == 0
    capsys.readouterr()
    collab = collaborative_named(synced)
    for week in ("2026-04-15", "2026-04-22"):
        count_message(
            synced,
            collab.id,
            team_id_by_key(synced, "lakeview"),
            iso_week(date.fromisoformat(week)),
            "h",
            reply=False,
        )
    assert run(capsys, "2026-04-15T10:00").startswith("htn: prompt own-01: 1 sent")
    assert run(capsys, "2026-04-22T10:00").startswith("htn: prompt action-01: 1 sent")
    first = peer_posts(slack)[0]
    assert "What did your &lt;b&gt;MA&lt;/b&gt; change this week?" in json.dumps(first["blocks"])
    synced.dispose()


def test_a_prompt_slack_refused_is_sent_by_delivery_retries(
    synced: Database, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.fail_next(1000, status=400, method="chat.postMessage")
    assert main(["jobs", "run", "peer-prompts", "--as-of", "2026-04-15T10:00"]) == 1
    capsys.readouterr()
    slack.clear_failures()
    assert main(["jobs", "run", "delivery-retries", "--as-of", "2026-04-15T10:10"]) == 0
    assert "1 sent" in capsys.readouterr().out
    [post] = peer_posts(slack)
    assert LIBRARY["action"][0] in json.dumps(post["blocks"])
    synced.dispose()
