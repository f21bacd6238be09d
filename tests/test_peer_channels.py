"""``collab-bot channels sync`` (and ``load``): private peer channels in sync with the file, against
the Slack stand-in, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bot.cli import main
from bot.peers.rules import batches, plan_members
from storage import ledger
from storage.db import Database
from storage.models import Collaborative
from tests.conftest import EXAMPLE, load_example, set_cli_environment
from tests.constants import ALL_FACULTY, ARJUN, BOT_USER_ID, PEERS
from tests.slack_standin import SlackStandIn

CHANGING = (
    "conversations.create",
    "conversations.invite",
    "conversations.kick",
    "conversations.join",
    "conversations.setTopic",
    "conversations.setPurpose",
)


@pytest.fixture
def cli_env(db_url: str, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    """``collab-bot`` pointed at this test's database and the Slack stand-in."""
    set_cli_environment(monkeypatch, db_url, slack)


@pytest.fixture
def cli_db(db_url: str, cli_env: None) -> Database:
    db = Database(db_url)
    load_example(db)
    return db


def example_people() -> set[str]:
    data = yaml.safe_load(EXAMPLE.read_text())
    people = set(data["faculty"])
    for team in data["teams"]:
        people |= set(team.get("members") or []) | set(team["leads"])
    return people


def variant(tmp_path: Path, **changes: Any) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text())
    data.update(changes)
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def sync(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    return run(capsys, "channels", "sync", *args)


def changing_calls(slack: SlackStandIn) -> list[str]:
    return [c.method for c in slack.calls if c.method in CHANGING]


def stored_peer_channel(db: Database) -> str | None:
    with db.reader() as session:
        return session.scalar(select(Collaborative.peer_channel_id).where(Collaborative.key == "htn"))


def test_sync_creates_a_private_channel_invites_everyone_and_a_second_sync_changes_nothing(
    cli_db: Database, slack: SlackStandIn, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    people = example_people()
    code, out, err = sync(capsys)
    assert code == 0, err
    assert out == f"htn: created #htn-peer-sharing, invited {len(people)}, set topic and purpose\n"
    [create] = slack.calls_to("conversations.create")
    assert create.args["name"] == "htn-peer-sharing" and create.args["is_private"] in ("1", "true", True)
    channel_id = stored_peer_channel(cli_db)
    assert channel_id is not None and channel_id.startswith("G")
    channel = slack.channels[channel_id]
    assert channel["is_private"] is True
    assert set(channel["members"]) == people | {BOT_USER_ID}
    assert ALL_FACULTY <= set(channel["members"]) and "U0ADMIN001" not in channel["members"]
    assert channel["topic"]["value"] == "Share wins, ask for help: all teach, all learn"
    assert channel["purpose"]["value"] == "Cross-team peer learning for the hypertension collaborative"
    assert len(slack.calls_to("conversations.invite")) == 1  # one batch of up to 1,000

    slack.calls.clear()
    code, out, _ = sync(capsys)
    assert (code, out) == (0, "htn: #htn-peer-sharing: in sync, nothing to change\n")
    assert changing_calls(slack) == []

    # Arjun leaves Riverside in the file: the next sync (run by `load`) removes him, and only him.
    data = yaml.safe_load(EXAMPLE.read_text())
    riverside = data["teams"][0]
    riverside["members"] = [m for m in riverside["members"] if m != ARJUN]
    slack.channels[channel_id]["members"].append("U0GUEST001")  # someone not in the file: left alone
    slack.calls.clear()
    code, out, err = run(capsys, "load", str(variant(tmp_path, teams=data["teams"])))
    assert code == 0, err
    assert out.splitlines()[-1] == "htn: #htn-peer-sharing, removed 1"
    assert [c.args["user"] for c in slack.calls_to("conversations.kick")] == [ARJUN]
    assert ARJUN not in slack.channels[channel_id]["members"]
    assert "U0GUEST001" in slack.channels[channel_id]["members"]
    slack.calls.clear()
    assert sync(capsys)[1] == "htn: #htn-peer-sharing: in sync, nothing to change\n"
    assert changing_calls(slack) == []
    cli_db.dispose()


def test_a_name_taken_by_another_channel_is_not_reused(
    cli_db: Database, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.add_channel(PEERS, "htn-peer-sharing", members=["U0SOMEONE1"])
    code, out, err = sync(capsys)
    assert code == 1 and out == ""
    assert err.startswith("collab-bot: htn: #htn-peer-sharing already exists and was not created by the bot")
    assert "give its `id` under `peer_channels` in the file instead of `name`" in err
    assert stored_peer_channel(cli_db) is None
    assert slack.channels[PEERS]["members"] == ["U0SOMEONE1"]  # nobody invited, not joined
    assert [c.method for c in slack.calls if c.method in CHANGING] == ["conversations.create"]
    cli_db.dispose()


@pytest.mark.usefixtures("cli_env")
def test_a_name_slack_refuses_names_the_rule(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = variant(tmp_path, peer_channels=[{"name": "--"}])
    code, out, err = run(capsys, "load", str(path))
    assert code == 1
    assert out.startswith("Loaded Hypertension")  # the file itself was loaded
    assert err == (
        "collab-bot: htn: the peer channel name #-- was refused: a channel name cannot be only hyphens "
        "and underscores. Change `name` under `peer_channels` in the file.\n"
    )


@pytest.mark.usefixtures("cli_env")
def test_a_channel_given_by_id_is_joined_when_public_and_must_include_the_bot_when_private(
    slack: SlackStandIn, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    slack.add_channel(PEERS, "htn-peers", members=["U0SOMEONE1"])
    code, out, err = run(capsys, "load", str(variant(tmp_path, peer_channels=[{"id": PEERS}])))
    assert code == 0, err
    assert out.splitlines()[-1] == f"htn: joined #htn-peers, invited {len(example_people())}"
    assert slack.calls_to("conversations.create") == []
    assert BOT_USER_ID in slack.channels[PEERS]["members"]

    private = "G0PRIVATE1"
    slack.add_channel(private, "htn-private", members=["U0SOMEONE1"], is_private=True)
    slack.calls.clear()
    code, out, err = run(capsys, "load", str(variant(tmp_path, peer_channels=[{"id": private}])))
    assert code == 1
    assert f"the bot cannot see the peer channel {private}: if it is private" in err
    assert "`/invite @collab-bot`" in err
    assert changing_calls(slack) == []
    slack.channels[private]["members"].append(BOT_USER_ID)  # someone invited the bot
    code, out, _ = sync(capsys)
    assert (code, out) == (0, f"htn: #htn-private, invited {len(example_people())}\n")


def test_load_without_slack_says_to_sync_later(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    for name in ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert main(["load", str(EXAMPLE)]) == 0
    assert "run `collab-bot channels sync`" in capsys.readouterr().out


def test_posts_held_for_a_channel_not_created_yet_go_out_after_the_sync(
    cli_db: Database, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.peers.channel import peer_channel_for_posts
    from bot.slack.delivery import Outgoing, deliver
    from tests.conftest import make_context
    from tests.helpers import collaborative_named

    ctx = make_context(str(cli_db.engine.url.render_as_string(hide_password=False)), slack)
    collab = collaborative_named(ctx.db)
    target = peer_channel_for_posts(ctx, collab.id)
    assert target == ledger.AWAITING_CHANNEL
    message = {"text": "A shared card", "blocks": []}
    assert deliver(ctx, Outgoing("test:held", "pdsa-cards", target, message, collab.id)) == "held"
    assert slack.messages() == []
    assert ledger.status_of(ctx.db, "test:held") == "pending"
    code, out, _ = sync(capsys)
    assert code == 0 and out.rstrip().endswith("sent 1 held post")
    channel_id = stored_peer_channel(cli_db)
    [posted] = slack.messages(channel_id)
    assert posted["text"] == "A shared card"
    assert ledger.status_of(ctx.db, "test:held") == "sent"
    ctx.db.dispose()
    cli_db.dispose()


def test_plans_invite_in_batches_and_remove_only_people_dropped_from_the_file() -> None:
    wanted = [f"U{i:09d}" for i in range(2500)]
    plan = plan_members(
        wanted, {"U0GONE0001", "U0STAYS001"}, {"U0GONE0001", BOT_USER_ID, "U0OTHER001"}, BOT_USER_ID
    )
    assert len(plan.invite) == 2500 and plan.remove == ("U0GONE0001",)
    assert [len(b) for b in batches(plan.invite)] == [1000, 1000, 500]
    assert plan_members(["U1"], ["U1"], ["U1"], None).remove == ()  # back in the file: kept


@pytest.mark.usefixtures("cli_env")
def test_a_big_collaborative_is_invited_in_batches_of_1000(
    slack: SlackStandIn, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["teams"][0]["members"] += [f"U{i:09d}" for i in range(1500)]
    code, out, err = run(capsys, "load", str(variant(tmp_path, teams=data["teams"])))
    assert code == 0, err
    people = len(example_people()) + 1500
    assert out.splitlines()[-1] == f"htn: created #htn-peer-sharing, invited {people}, set topic and purpose"
    invites = slack.calls_to("conversations.invite")
    assert [len(c.args["users"].split(",")) for c in invites] == [1000, people - 1000]
    assert all(c.ok for c in invites)


def test_one_peer_channel_per_collaborative(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'c.db'}")
    path = variant(tmp_path, peer_channels=[{"name": "htn-peers"}, {"name": "htn-more"}])
    assert main(["load", str(path)]) == 1
    assert (
        "peer_channels: a collaborative has one peer channel: keep one `name` or `id`"
        in capsys.readouterr().err
    )


def test_someone_slack_will_not_invite_is_named_and_the_rest_are_invited(
    cli_db: Database, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.uninvitable[ARJUN] = "user_is_restricted"
    code, out, err = sync(capsys)
    assert code == 0, err
    people = example_people()
    assert out == (
        f"htn: created #htn-peer-sharing, invited {len(people) - 1}, set topic and purpose; "
        f"could not invite 1 (user_is_restricted): {ARJUN}\n"
    )
    channel_id = stored_peer_channel(cli_db)
    assert channel_id is not None
    assert set(slack.channels[channel_id]["members"]) == (people - {ARJUN}) | {BOT_USER_ID}
    cli_db.dispose()


@pytest.mark.usefixtures("cli_env")
def test_a_topic_with_an_ampersand_is_set_once(
    slack: SlackStandIn, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    peers = [{"name": "htn-peer-sharing", "topic": "Wins & questions <all teams>", "purpose": "Q&A"}]
    assert main(["load", str(variant(tmp_path, peer_channels=peers))]) == 0
    assert capsys.readouterr().out.endswith("set topic and purpose\n")
    slack.calls.clear()
    assert sync(capsys)[1] == "htn: #htn-peer-sharing: in sync, nothing to change\n"
    assert changing_calls(slack) == []


def test_a_bot_removed_from_its_channel_or_an_archived_one_is_told_not_recreated(
    cli_db: Database, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sync(capsys)[0] == 0
    channel_id = stored_peer_channel(cli_db)
    assert channel_id is not None
    slack.channels[channel_id]["members"].remove(BOT_USER_ID)  # someone removed the bot
    code, _, err = sync(capsys)
    assert code == 1 and f"the bot cannot see the peer channel {channel_id}" in err and "/invite" in err
    slack.channels[channel_id]["members"].append(BOT_USER_ID)
    slack.channels[channel_id]["is_archived"] = True
    code, _, err = sync(capsys)
    assert code == 1 and "#htn-peer-sharing is archived: unarchive it" in err
    assert (
        len(slack.calls_to("conversations.create")) == 2
    )  # the first sync's, and one that found the name taken
    assert stored_peer_channel(cli_db) == channel_id
    cli_db.dispose()
