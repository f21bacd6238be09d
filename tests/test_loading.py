"""Loading the collaborative file into storage, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import pytest
import yaml

from storage.db import Database
from storage.export import export_frames
from tests.conftest import EXAMPLE, ROOT, load_example
from tests.constants import ALICE, PEERS


def snapshot(db: Database) -> dict[str, list[dict[Hashable, Any]]]:
    return {name: frame.astype(str).to_dict("records") for name, frame in export_frames(db).items()}


def run_cli(*args: str, db_url: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {"DATABASE_URL": db_url, "PATH": "/usr/bin:/bin", **extra}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_loading_the_example_twice_changes_nothing(db: Database, db_url: str) -> None:
    first = run_cli("load", str(EXAMPLE), db_url=db_url)
    assert first.returncode == 0, first.stderr
    assert "created" in first.stdout
    before = snapshot(db)
    second = run_cli("load", str(EXAMPLE), db_url=db_url)
    assert second.returncode == 0, second.stderr
    assert "nothing changed" in second.stdout
    assert snapshot(db) == before
    frames = export_frames(db)
    assert len(frames["teams"]) == 8
    assert set(frames["memberships"]["role"]) == {"member", "lead", "faculty", "admin"}


def test_broken_file_reports_every_problem_and_changes_nothing(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    load_example(db)
    before = snapshot(db)
    data = yaml.safe_load(EXAMPLE.read_text())
    data["timezone"] = "Mars/Olympus_Mons"
    data["teams"][2]["members"][0] = "bob"
    data["measures"][0]["type"] = "percentage"
    data["name"] = "Renamed collaborative"
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(data))
    result = run_cli("load", str(broken), db_url=db_url)
    assert result.returncode == 1
    assert "nothing was changed" in result.stderr
    assert "teams[2].members[0]: 'bob' is not a Slack user ID" in result.stderr
    assert "timezone" in result.stderr
    assert "measures[0].type" in result.stderr
    assert snapshot(db) == before


def test_team_removed_from_file_is_deactivated_and_keeps_reports(db: Database, tmp_path: Path) -> None:
    from bot.collaborative.file import parse_collaborative_text
    from bot.collaborative.loading import apply_spec
    from storage.models import Measure, MeasureReport, Team

    load_example(db)
    with db.transaction() as session:
        team = session.query(Team).filter_by(key="riverside").one()
        measure = session.query(Measure).filter_by(key="bp_control").one()
        session.add(
            MeasureReport(
                team_id=team.id,
                measure_id=measure.id,
                period="2026-02",
                numerator=58,
                denominator=100,
                value=0.58,
                submitted_by=ALICE,
            )
        )
    data = yaml.safe_load(EXAMPLE.read_text())
    data["teams"] = [t for t in data["teams"] if t["key"] != "riverside"]
    summary = apply_spec(db, parse_collaborative_text(yaml.safe_dump(data)))
    assert summary.deactivated.get("teams") == 1
    frames = export_frames(db)
    teams = frames["teams"].set_index("team")
    assert not bool(teams.loc["riverside", "active"])
    assert len(frames["measures"]) == 1
    assert frames["measures"]["value"].notna().iloc[0]


@pytest.mark.parametrize(
    "env,needle",
    [
        ({"PORT": "eighty"}, "PORT is not valid"),
        ({"DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL is not valid"),
        ({"SLACK_BOT_TOKEN": "abc"}, "SLACK_BOT_TOKEN is not valid"),
    ],
)
def test_bad_setting_is_one_clear_line_and_exit_2(env: dict[str, str], needle: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "manifest"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert needle in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_run_without_tokens_explains_and_points_at_the_demo(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr
    assert "collab-bot demo" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2


def test_manifest_lists_commands_events_and_home_tab() -> None:
    from bot.slack.manifest import build_manifest

    manifest = build_manifest(url="https://bot.example.org")
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {"/measures", "/pdsa", "/collab"}
    assert commands["/collab"]["url"] == "https://bot.example.org/slack/events"
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]
    socket = build_manifest(socket_mode=True)
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "url" not in socket["features"]["slash_commands"][0]
    assert "redirect_urls" not in manifest["oauth_config"]
    oauth = build_manifest(url="https://bot.example.org", oauth=True)
    assert oauth["oauth_config"]["redirect_urls"] == ["https://bot.example.org/slack/oauth_redirect"]


def test_manifest_asks_only_for_scopes_the_code_uses_and_nothing_for_direct_messages() -> None:
    from bot.slack.manifest import BOT_EVENTS, BOT_SCOPES, SCOPE_REASONS, build_manifest

    assert set(BOT_SCOPES) == {
        "commands",
        "chat:write",
        "chat:write.public",
        "files:write",
        "groups:write",
        "groups:read",
        "groups:history",
        "channels:read",
        "channels:join",
        "channels:manage",
        "channels:history",
        "mpim:write",  # opens the buddy teams' group message (conversations.open with several users)
    }
    assert not [s for s in BOT_SCOPES if s.startswith(("im:", "mpim:read", "mpim:history", "users:"))]
    assert not [e for e in BOT_EVENTS if e in ("message.im", "message.mpim")]
    readme = (ROOT / "README.md").read_text()
    for scope in BOT_SCOPES:  # README's table gives each scope's reason
        assert f"| `{scope}` |" in readme, scope
    assert set(SCOPE_REASONS) == set(BOT_SCOPES)
    shortcuts = build_manifest()["features"]["shortcuts"]
    assert [(s["callback_id"], s["type"]) for s in shortcuts] == [
        ("peer_share_shortcut", "global"),
        ("peer_ask_shortcut", "global"),
    ]


def test_manifest_cli_adds_the_redirect_url_when_oauth_is_configured(tmp_path: Path) -> None:
    oauth = {"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "s"}
    unused = f"sqlite:///{tmp_path / 'unused.db'}"
    result = run_cli("manifest", "--url", "https://bot.example.org", db_url=unused, **oauth)
    assert result.returncode == 0, result.stderr
    manifest = yaml.safe_load(result.stdout)
    assert manifest["oauth_config"]["redirect_urls"] == ["https://bot.example.org/slack/oauth_redirect"]


def test_reload_keeps_the_peer_channel_the_bot_found(db: Database) -> None:
    from storage.models import Collaborative

    load_example(db)
    with db.transaction() as session:
        session.query(Collaborative).one().peer_channel_id = PEERS
    load_example(db)
    with db.reader() as session:
        assert session.query(Collaborative).one().peer_channel_id == PEERS
