"""Share a win / ask for help end to end: ``/collab share`` and ``/collab ask`` and the shortcuts,
signed requests to the real endpoint, the Slack stand-in, SQLite and PostgreSQL; the 48-hour
unanswered-ask note to faculty."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.peers.channel import sync_peer_channel
from bot.peers.views import CALLBACKS, SHORTCUTS
from handlers.gate import NOT_HERE
from jobs.registry import load_jobs, run_job
from storage import ledger
from tests.conftest import RunningBot
from tests.constants import ALICE, ALL_FACULTY, BRUNO, NOBODY, TEAM_ID
from tests.helpers import collaborative_named, wait_for_calls, wait_until
from tests.signing import view_submission_payload


def synced_peer_channel(bot: RunningBot) -> str:
    result = sync_peer_channel(bot.ctx, collaborative_named(bot.db).id)
    assert result is not None and result.ok and result.channel_id
    return result.channel_id


def open_modal(bot: RunningBot, user: str, word: str) -> dict[str, Any]:
    """``/collab share|ask`` → the filled-in modal (its id under "id")."""
    before = len(bot.slack.calls_to("views.update"))
    status, _, body = bot.requests.command("/collab", word, user, trigger_id=bot.slack.issue_trigger_id())
    assert (status, body) == (200, "")
    [update] = wait_for_calls(bot.slack, "views.update", before + 1)[before:]
    assert update.ok, update.response
    return dict(update.response["view"])  # type: ignore[index]


def values(text: str, relates: str | None = None, picture: str | None = None) -> dict[str, Any]:
    state: dict[str, Any] = {"text": {"value": {"type": "plain_text_input", "value": text}}}
    if relates:
        state["relates"] = {"value": {"type": "static_select", "selected_option": {"value": relates}}}
    files = [{"id": picture, "name": "chart.png", "mimetype": "image/png"}] if picture else []
    state["picture"] = {"value": {"type": "file_input", "files": files}}
    return state


def submit(bot: RunningBot, view: dict[str, Any], state: dict[str, Any], user: str) -> dict[str, Any]:
    payload = view_submission_payload(view, state, user, view_id=str(view["id"]))
    status, _, body = bot.requests.interact(payload)
    assert status == 200
    return json.loads(body) if body else {}


def wait_for_posts(bot: RunningBot, channel: str, count: int) -> list[dict[str, Any]]:
    def enough() -> list[dict[str, Any]] | None:
        posts = bot.slack.messages(channel)
        return posts if len(posts) == count else None

    return wait_until(enough)


def block_ids(view: dict[str, Any]) -> list[str]:
    return [b.get("block_id", "") for b in view["blocks"]]


def test_share_posts_to_the_peer_channel_naming_the_team_escaped_and_once(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    peer = synced_peer_channel(bot)
    view = open_modal(bot, ALICE, "share")
    assert view["callback_id"] == CALLBACKS["share"] and view["title"]["text"] == "Share a win"
    assert "team" not in block_ids(view)  # Alice is on one team
    assert {"text", "relates", "picture"} <= set(block_ids(view))
    field = next(b for b in view["blocks"] if b.get("block_id") == "picture")
    assert field["optional"] is True and field["element"]["type"] == "file_input"
    relates = next(b for b in view["blocks"] if b.get("block_id") == "relates")
    measure = relates["element"]["option_groups"][0]["options"][0]

    # patient information is refused in place, and nothing is posted
    reply = submit(bot, view, values("Called back MRN 12345678 twice"), ALICE)
    assert reply["response_action"] == "errors" and "patient information" in reply["errors"]["text"]
    assert bot.slack.messages(peer) == []

    typed = "Repeat BP after 5 minutes rest: <!channel> *72%* controlled <https://evil.example|click>"
    reply = submit(bot, view, values(typed, measure["value"], "F0PICTURE1"), ALICE)
    assert reply["response_action"] == "update" and "Riverside Family Clinic" in json.dumps(reply["view"])
    [post, picture] = wait_for_posts(bot, peer, 2)
    body = json.dumps(post["blocks"])
    assert "A win from Riverside Family Clinic" in body and f"<@{ALICE}>" in body
    assert (
        "&lt;!channel&gt;" in body
        and "<!channel>" not in body
        and "&lt;https://evil.example|click&gt;" in body
    )
    assert f"Relates to: measure \\u201c{measure['text']['text']}\\u201d" in body
    # the picture follows in the post's thread
    assert picture["blocks"] == [
        {
            "type": "image",
            "slack_file": {"id": "F0PICTURE1"},
            "alt_text": "Picture from Riverside Family Clinic",
        }
    ]
    assert picture["thread_ts"] == ledger.sent_ts(
        bot.db, ledger.sent_with_prefix(bot.db, "peer-share:")[0].key
    )
    # Slack retries the submission (or a double click): still one post
    submit(bot, view, values(typed, measure["value"], "F0PICTURE1"), ALICE)
    assert len(bot.slack.messages(peer)) == 2


def test_ask_posts_and_an_unanswered_ask_reaches_faculty_once_after_48_hours(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    peer = synced_peer_channel(bot)
    view = open_modal(bot, BRUNO, "ask")
    # with a picture: the bot's picture reply in its thread is not an answer
    submit(bot, view, values("How do you get patients to bring home BP logs?", picture="F0ASKPIC01"), BRUNO)
    [ask, _] = wait_for_posts(bot, peer, 2)
    assert "Eastside Community Health Center asks for help" in json.dumps(ask["blocks"])
    # a second ask gets a reply in its thread: it is never flagged
    answered_view = open_modal(bot, ALICE, "ask")
    submit(bot, answered_view, values("Anyone using cuff loaner programs?"), ALICE)

    # (recorded as sent just after Slack answered)
    def asks() -> list[ledger.SentMessage]:
        return [a for a in ledger.sent_with_prefix(bot.db, "peer-ask:") if not a.key.endswith(":picture")]

    wait_until(lambda: len(asks()) == 2)
    [asked, answered] = asks()
    bot.slack.posted[peer]["9999999999.000001"] = {
        "ts": "9999999999.000001",
        "thread_ts": answered.ts,
        "user": BRUNO,
    }

    collab = collaborative_named(bot.db)
    job = load_jobs()["peer-asks"]
    posted = datetime.fromtimestamp(float(asked.ts), tz=UTC)
    assert run_job(bot.ctx, job, collab, posted + timedelta(hours=47)) == "no unanswered question to flag"
    summary = run_job(bot.ctx, job, collab, posted + timedelta(hours=49))
    assert summary.startswith(f"{len(ALL_FACULTY)} sent")
    notes = [m for m in bot.slack.messages() if m["channel"] in ALL_FACULTY]
    assert {m["channel"] for m in notes} == set(ALL_FACULTY)
    assert all("Eastside Community Health" in m["blocks"][0]["text"]["text"] for m in notes)
    assert run_job(bot.ctx, job, collab, posted + timedelta(hours=50)) == "no unanswered question to flag"
    assert len([m for m in bot.slack.messages() if m["channel"] in ALL_FACULTY]) == len(ALL_FACULTY)


def test_the_shortcut_opens_the_modal_and_someone_on_no_team_is_told_why(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    for user, expected in ((ALICE, "peer_ask_submit"), (NOBODY, None)):
        before = len(bot.slack.calls_to("views.update"))
        payload = {
            "type": "shortcut",
            "callback_id": SHORTCUTS["ask"],
            "trigger_id": bot.slack.issue_trigger_id(),
            "user": {"id": user, "team_id": TEAM_ID},
            "team": {"id": TEAM_ID, "domain": "test"},
            "api_app_id": "A0TEST0001",
            "is_enterprise_install": False,
            "enterprise": None,
            "action_ts": "1700000000.000001",
            "token": "unused",
        }
        assert bot.requests.interact(payload)[0] == 200
        [update] = wait_for_calls(bot.slack, "views.update", before + 1)[before:]
        view = update.args["view"]
        if expected:
            assert view["callback_id"] == expected
        else:
            assert "not on a team" in json.dumps(view)


def test_collab_share_and_ask_open_the_loading_modal_first_and_refusals_replace_it(
    loaded_bot: RunningBot,
) -> None:
    """The loading modal is opened with the trigger before anything is read; someone on no team, or
    a workspace holding no collaborative, then sees the plain words in its place."""
    bot = loaded_bot
    for word, user, team_id, expected in (
        ("share", NOBODY, TEAM_ID, "not on a team"),
        ("ask", ALICE, "T0OTHER001", NOT_HERE),
    ):
        opened, updated = len(bot.slack.calls_to("views.open")), len(bot.slack.calls_to("views.update"))
        trigger = bot.slack.issue_trigger_id()
        status, _, body = bot.requests.command("/collab", word, user, trigger_id=trigger, team_id=team_id)
        assert (status, body) == (200, "")
        [loading] = wait_for_calls(bot.slack, "views.open", opened + 1)[opened:]
        assert loading.args["trigger_id"] == trigger and "Loading" in json.dumps(loading.args["view"])
        [update] = wait_for_calls(bot.slack, "views.update", updated + 1)[updated:]
        assert update.args["view_id"] == loading.response["view"]["id"]  # type: ignore[index]
        assert expected in json.dumps(update.args["view"]["blocks"])
