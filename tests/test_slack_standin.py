"""Tests of the Slack Web API stand-in and the request builders, driven by the real slack_sdk client."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier

from tests.constants import ALICE, BOT_TOKEN, RIVER
from tests.signing import (
    SlackRequests,
    block_actions_payload,
    event_body,
    interactive_body,
    sign_request,
    slash_command_body,
    view_submission_payload,
)
from tests.slack_standin import ExactRetryAfterHandler, SlackStandIn, validate_blocks, validate_view


@pytest.fixture(scope="module")
def server() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture
def slack(server: SlackStandIn) -> SlackStandIn:
    server.reset()
    return server


@pytest.fixture
def client(slack: SlackStandIn) -> WebClient:
    return WebClient(base_url=slack.base_url, token=BOT_TOKEN)


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def modal(title: str = "Monthly data", blocks: list[dict[str, Any]] | None = None, **extra: Any) -> dict:
    return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": blocks or [], **extra}


# ---- basics ---------------------------------------------------------------------------------


def test_base_url_form(slack: SlackStandIn) -> None:
    assert slack.base_url == f"http://127.0.0.1:{slack.port}/api/"


def test_post_message_recorded(slack: SlackStandIn, client: WebClient) -> None:
    r1 = client.chat_postMessage(channel=RIVER, text="hello", blocks=[section("*hi*")])
    r2 = client.chat_postMessage(channel=RIVER, text="again")
    assert r1["ok"] and r1["channel"] == RIVER and r1["message"]["text"] == "hello"
    assert float(r2["ts"]) > float(r1["ts"])
    assert len(r1["ts"].split(".")[1]) == 6
    msgs = slack.messages(RIVER)
    assert [m["text"] for m in msgs] == ["hello", "again"]
    assert msgs[0]["blocks"][0]["text"]["text"] == "*hi*"
    assert slack.messages("C0OTHER") == []
    call = slack.calls_to("chat.postMessage")[0]
    assert call.status == 200 and call.ok and call.at <= time.time()


def test_form_encoded_blocks_are_decoded(slack: SlackStandIn, client: WebClient) -> None:
    # api_call with params= sends a form body; blocks arrive as a JSON string and are decoded.
    client.api_call(
        "chat.postMessage", params={"channel": "C1", "text": "t", "blocks": json.dumps([section("x")])}
    )
    assert slack.messages("C1")[0]["blocks"][0]["type"] == "section"


def test_bad_token_invalid_auth(slack: SlackStandIn) -> None:
    bad = WebClient(base_url=slack.base_url, token="xoxb-wrong")
    with pytest.raises(SlackApiError) as exc:
        bad.chat_postMessage(channel="C1", text="x")
    assert exc.value.response["error"] == "invalid_auth"
    assert exc.value.response.status_code == 200
    assert slack.messages() == []


def test_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.api_call("reactions.nonsense")
    assert exc.value.response["error"] == "unknown_method"


def test_auth_test_and_users_info(client: WebClient) -> None:
    assert client.auth_test()["user_id"].startswith("U")
    user = client.users_info(user=ALICE)["user"]
    assert user["tz"] == "America/Los_Angeles" and user["real_name"]


def test_add_user_overrides(slack: SlackStandIn, client: WebClient) -> None:
    slack.add_user("U0BOB00001", real_name="Bob Q", tz="America/New_York")
    user = client.users_info(user="U0BOB00001")["user"]
    assert (user["real_name"], user["tz"]) == ("Bob Q", "America/New_York")


def test_chat_update_delete_ephemeral(slack: SlackStandIn, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C1", text="v1")["ts"]
    upd = client.chat_update(channel="C1", ts=ts, text="v2")
    assert upd["ts"] == ts and upd["message"]["text"] == "v2"
    assert slack.posted["C1"][ts]["text"] == "v2"
    assert client.chat_delete(channel="C1", ts=ts)["ok"]
    with pytest.raises(SlackApiError, match="message_not_found"):
        client.chat_update(channel="C1", ts=ts, text="v3")
    assert client.chat_postEphemeral(channel="C1", user="U1", text="psst")["message_ts"]


def test_conversations(client: WebClient) -> None:
    dm = client.conversations_open(users=ALICE)["channel"]["id"]
    assert dm.startswith("D")
    assert client.conversations_open(users=ALICE)["channel"]["id"] == dm
    ch = client.conversations_create(name="river-team")["channel"]
    assert ch["id"].startswith("C") and ch["name"] == "river-team"
    with pytest.raises(SlackApiError, match="name_taken"):
        client.conversations_create(name="river-team")
    assert client.conversations_invite(channel=ch["id"], users=["U1", "U2"])["ok"]
    with pytest.raises(SlackApiError, match="already_in_channel"):
        client.conversations_invite(channel=ch["id"], users="U1")
    client.conversations_setTopic(channel=ch["id"], topic="Cycle 3")
    info = client.conversations_info(channel=ch["id"])["channel"]
    assert info["topic"]["value"] == "Cycle 3"
    assert client.conversations_join(channel=RIVER)["channel"]["id"] == RIVER


# ---- Block Kit limits -----------------------------------------------------------------------


def test_51_blocks_invalid_blocks(slack: SlackStandIn, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="ok", blocks=[section(str(i)) for i in range(50)])
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="too many", blocks=[section(str(i)) for i in range(51)])
    assert exc.value.response["error"] == "invalid_blocks"
    assert any("[json-pointer:/blocks]" in e for e in exc.value.response["errors"])
    assert len(slack.messages("C1")) == 1


def test_message_text_too_long(client: WebClient) -> None:
    with pytest.raises(SlackApiError, match="msg_too_long"):
        client.chat_postMessage(channel="C1", text="x" * 40_001)


def test_modal_title_too_long(slack: SlackStandIn, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id="123.456.abc", view=modal("x" * 25))
    resp = exc.value.response
    assert resp["error"] == "invalid_arguments"
    assert any("/view/title/text" in m for m in resp["response_metadata"]["messages"])
    assert slack.views == {}


def test_views_open_update_publish(slack: SlackStandIn, client: WebClient) -> None:
    opened = client.views_open(trigger_id="1.2.3", view=modal(external_id="ext-1"))["view"]
    assert opened["id"].startswith("V") and opened["hash"]
    assert opened["title"]["text"] == "Monthly data"
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Loaded"))["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    with pytest.raises(SlackApiError, match="hash_conflict"):
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Stale"))
    by_ext = client.views_update(external_id="ext-1", view=modal("By external id", external_id="ext-1"))
    assert by_ext["view"]["id"] == opened["id"]
    home = {"type": "home", "blocks": [section("Welcome")]}
    published = client.views_publish(user_id="U1", view=home)["view"]
    assert published["type"] == "home" and slack.home_views["U1"]["id"] == published["id"]


def test_push_limit(slack: SlackStandIn, client: WebClient) -> None:
    root = client.views_open(trigger_id="t0", view=modal("Root"))["view"]
    client.views_push(trigger_id="t1", view=modal("Second"))
    client.views_push(trigger_id="t2", view=modal("Third"))
    with pytest.raises(SlackApiError, match="push_limit_reached"):
        client.views_push(trigger_id="t3", view=modal("Fourth"))
    assert [v["title"]["text"] for v in slack.modal_stack(root["id"])] == ["Root", "Second", "Third"]


def test_issued_trigger_ids_single_use_and_expire(slack: SlackStandIn, client: WebClient) -> None:
    trigger = slack.issue_trigger_id()
    client.views_open(trigger_id=trigger, view=modal())
    with pytest.raises(SlackApiError, match="exchanged_trigger_id"):
        client.views_open(trigger_id=trigger, view=modal())
    slack.trigger_ttl = 0.0
    late = slack.issue_trigger_id()
    time.sleep(0.01)
    with pytest.raises(SlackApiError, match="expired_trigger_id"):
        client.views_open(trigger_id=late, view=modal())


# ---- files ------------------------------------------------------------------------------------


def test_files_upload_v2(slack: SlackStandIn, client: WebClient) -> None:
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    resp = client.files_upload_v2(
        content=data,
        filename="run-chart.png",
        title="Run chart",
        channel=RIVER,
        initial_comment="Here",
    )
    file_id = resp["file"]["id"]
    assert slack.uploads[file_id] == data
    assert resp["file"]["title"] == "Run chart"
    done = slack.completed_uploads[-1]
    assert (done["channel_id"], done["initial_comment"], done["file_ids"]) == (
        RIVER,
        "Here",
        [file_id],
    )


# ---- failures and rate limits -------------------------------------------------------------------


@pytest.fixture
def no_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """RateLimitErrorRetryHandler sleeps int(Retry-After) + random.random(); drop the jitter for speed."""

    class _Zero:
        @staticmethod
        def random() -> float:
            return 0.0

    monkeypatch.setattr(builtin_handlers, "random", _Zero)


def test_retry_handlers_recover_from_429(slack: SlackStandIn, no_jitter: None) -> None:
    client = WebClient(
        base_url=slack.base_url,
        token=BOT_TOKEN,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
    slack.fail_next(2, 429, retry_after=0)
    assert client.chat_postMessage(channel="C1", text="eventually")["ok"]
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [429, 429, 200]
    assert len(slack.messages("C1")) == 1


def test_server_error_retry_and_failed_calls_not_applied(slack: SlackStandIn) -> None:
    plain = WebClient(base_url=slack.base_url, token=BOT_TOKEN)
    slack.fail_next(1, 500, method="chat.postMessage")
    client_auth_ok = plain.auth_test()["ok"]  # the method filter leaves other methods alone
    with pytest.raises(SlackApiError):
        plain.chat_postMessage(channel="C1", text="lost")
    assert client_auth_ok and slack.messages() == []
    assert slack.calls_to("chat.postMessage")[0].status == 500

    retrying = WebClient(
        base_url=slack.base_url,
        token=BOT_TOKEN,
        retry_handlers=[ServerErrorRetryHandler(interval_calculator=FixedValueRetryIntervalCalculator(0.0))],
    )
    slack.fail_next(1, 503)
    assert retrying.chat_postMessage(channel="C1", text="kept")["ok"]
    assert [m["text"] for m in slack.messages()] == ["kept"]


def test_fail_fraction_seeded(slack: SlackStandIn, client: WebClient) -> None:
    def run() -> list[int]:
        slack.reset()
        slack.fail_fraction(0.5, statuses=(429, 503), seed=7)
        for _ in range(20):
            try:
                client.auth_test()
            except SlackApiError:
                pass
        return [c.status for c in slack.calls]

    first = run()
    assert first == run()
    assert 0 < first.count(200) < 20 and set(first) <= {200, 429, 503}
    slack.clear_failures()
    assert client.auth_test()["ok"]


def test_rate_limit_per_channel(slack: SlackStandIn, client: WebClient) -> None:
    slack.enforce_rate_limits(per_channel_per_sec=1.0, burst=1, time_scale=0.05)  # 20 msg/s per channel
    client.chat_postMessage(channel="C1", text="1")
    client.chat_postMessage(channel="C2", text="other channel is independent")
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C1", text="2")
    assert exc.value.response.status_code == 429
    assert exc.value.response.headers["Retry-After"] == "1"
    assert 0 < float(exc.value.response.headers["X-Retry-After-Exact"]) <= 0.05

    fast = WebClient(base_url=slack.base_url, token=BOT_TOKEN, retry_handlers=[ExactRetryAfterHandler()])
    start = time.monotonic()
    for i in range(4):
        fast.chat_postMessage(channel="C3", text=str(i))
    assert len(slack.messages("C3")) == 4
    assert 0.1 <= time.monotonic() - start < 1.5


# ---- validate_blocks unit cases ---------------------------------------------------------------


def test_validate_blocks_cases() -> None:
    assert validate_blocks([section("ok")], "message") == []
    assert validate_blocks([section(str(i)) for i in range(100)], "modal") == []
    assert validate_blocks([section(str(i)) for i in range(101)], "home")
    inp = {
        "type": "input",
        "block_id": "b",
        "label": {"type": "plain_text", "text": "Rate"},
        "element": {"type": "plain_text_input", "action_id": "v"},
    }
    assert validate_blocks([inp], "modal") == []
    assert any("not allowed in messages" in e for e in validate_blocks([inp], "message"))
    assert any("duplicate block_id" in e for e in validate_blocks([inp, dict(inp)], "modal"))
    assert validate_blocks([section("x" * 3001)], "message")
    fields = [{"type": "mrkdwn", "text": "f"}] * 11
    assert validate_blocks([{"type": "section", "fields": fields}], "message")
    assert validate_blocks([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "message")
    assert validate_blocks([{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}], "message")
    assert validate_blocks([{"type": "section", "text": {"type": "markdown", "text": "x"}}], "message")
    button = {"type": "button", "text": {"type": "plain_text", "text": "b" * 76}, "action_id": "a"}
    assert validate_blocks([{"type": "actions", "elements": [button]}], "message")
    assert validate_blocks([section("x", block_id="b" * 256)], "message")

    def select(options: list[dict[str, Any]]) -> list[dict[str, Any]]:
        el = {"type": "static_select", "action_id": "s", "options": options}
        return [{"type": "actions", "elements": [el]}]

    def opt(text: str, value: str) -> dict[str, Any]:
        return {"text": {"type": "plain_text", "text": text}, "value": value}

    assert validate_blocks(select([opt("a", "1")]), "modal") == []
    assert validate_blocks(select([opt("a" * 76, "1")]), "modal")
    assert validate_blocks(select([opt("a", "v" * 151)]), "modal")
    assert validate_blocks(select([opt(str(i), str(i)) for i in range(101)]), "modal")


def test_validate_view_cases() -> None:
    assert validate_view(modal()) == []
    assert validate_view({"type": "modal", "blocks": []})  # title required
    assert validate_view(modal(submit={"type": "plain_text", "text": "s" * 25}))
    assert validate_view(modal(private_metadata="m" * 3001))
    assert validate_view(modal(blocks=[section("x" * 2900, block_id=f"b{i}") for i in range(90)]))  # > 250 kB
    assert validate_view({"type": "home", "blocks": []}) == []


# ---- request builders ---------------------------------------------------------------------------


def test_signatures_verify_with_slack_sdk() -> None:
    body = slash_command_body("/collab", "data", ALICE, trigger_id="1.2.3")
    headers = sign_request("s3cret", body)
    assert SignatureVerifier("s3cret").is_valid_request(body, headers)
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    fields = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
    assert fields["is_enterprise_install"] == "false" and fields["trigger_id"] == "1.2.3"
    for key in ("token", "team_id", "team_domain", "channel_id", "channel_name", "user_id", "user_name"):
        assert fields[key]
    assert {"command", "text", "api_app_id", "response_url"} <= fields.keys()


def test_payload_builders() -> None:
    view = modal(callback_id="data_entry")
    values = {"rate": {"v": {"type": "plain_text_input", "value": "12"}}}
    sub = view_submission_payload(view, values, "U1")
    assert sub["view"]["state"]["values"]["rate"]["v"]["value"] == "12"
    assert sub["view"]["callback_id"] == "data_entry" and sub["user"]["id"] == "U1"
    body = interactive_body(sub)
    assert json.loads(parse_qs(body)["payload"][0])["type"] == "view_submission"
    act = block_actions_payload("approve", "U1", value="42")
    assert act["actions"][0]["value"] == "42" and act["container"]["type"] == "message"
    ev = json.loads(event_body({"type": "app_home_opened", "user": "U1", "tab": "home"}, "Ev1"))
    assert ev["type"] == "event_callback" and ev["event_id"] == "Ev1" and ev["authorizations"]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def test_bolt_end_to_end(slack: SlackStandIn) -> None:
    """A Bolt app behind a WSGI server, driven by SlackRequests, talking to the stand-in."""
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    app = App(signing_secret="s3cret", client=WebClient(base_url=slack.base_url, token=BOT_TOKEN))
    seen: list[str] = []

    @app.command("/collab")
    def on_command(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=modal("Enter data"))

    @app.event("app_home_opened")
    def on_home(event: dict[str, Any], client: WebClient) -> None:
        seen.append(event["user"])
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": [section("hi")]})

    httpd: WSGIServer = make_server("127.0.0.1", 0, SlackRequestHandler(app), handler_class=_QuietHandler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        reqs = SlackRequests(f"http://127.0.0.1:{httpd.server_port}", "s3cret")
        status, _, _ = reqs.command("/collab", "", ALICE, trigger_id=slack.issue_trigger_id())
        assert status == 200
        status, _, _ = reqs.event({"type": "app_home_opened", "user": ALICE, "tab": "home"})
        assert status == 200
        stale = int(time.time()) - 600
        assert reqs.command("/collab", "", ALICE, timestamp=stale)[0] == 401
        assert reqs.post("{}", "application/json", secret="wrong")[0] == 401
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not (slack.calls_to("views.open") and slack.home_views):
            time.sleep(0.02)
        assert slack.calls_to("views.open")[0].ok
        assert ALICE in slack.home_views and seen == [ALICE]
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_multipart_upload_and_concurrent_posts(slack: SlackStandIn, client: WebClient) -> None:
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    url = client.files_getUploadURLExternal(filename="a.csv", length=3)
    boundary = "XyZ"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\nabc\r\n--{boundary}--\r\n"
    ).encode()
    req = urllib.request.Request(
        url["upload_url"], data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    with urllib.request.urlopen(req) as resp:
        assert resp.status == 200
    assert slack.uploads[url["file_id"]] == b"abc"

    with ThreadPoolExecutor(8) as pool:
        stamps = list(pool.map(lambda i: client.chat_postMessage(channel="C9", text=str(i))["ts"], range(40)))
    assert len(set(stamps)) == 40 and len(slack.messages("C9")) == 40


# --- workspaces and OAuth ----------------------------------------------------------------------------


def test_oauth_v2_access_checks_the_apps_basic_auth_and_installs_a_workspace() -> None:
    with SlackStandIn() as slack:
        slack.register_oauth_app("111.222", "the-secret")
        slack.add_workspace("T0SECOND01", "xoxb-second", code="code-2")
        client = WebClient(base_url=slack.base_url)
        with pytest.raises(SlackApiError) as wrong:
            client.oauth_v2_access(client_id="111.222", client_secret="not-it", code="code-2")
        assert wrong.value.response["error"] == "bad_client_secret"
        answer = client.oauth_v2_access(client_id="111.222", client_secret="the-secret", code="code-2")
        assert answer["access_token"] == "xoxb-second" and answer["team"]["id"] == "T0SECOND01"
        with pytest.raises(SlackApiError) as again:  # a code works once
            client.oauth_v2_access(client_id="111.222", client_secret="the-secret", code="code-2")
        assert again.value.response["error"] == "invalid_code"
        assert client.auth_test(token="xoxb-second")["team_id"] == "T0SECOND01"
        assert client.auth_test(token=BOT_TOKEN)["team_id"] == "T0TEST0001"
        [basic] = [c for c in slack.calls_to("oauth.v2.access") if c.ok]
        assert "client_secret" not in basic.args  # sent as HTTP Basic auth, as slack_sdk does


def test_a_token_reaches_only_its_own_workspaces_channels_and_views() -> None:
    with SlackStandIn() as slack:
        slack.add_workspace("T0SECOND01", "xoxb-second")
        slack.add_channel("C0SECOND01", "second-general", team_id="T0SECOND01")
        home = WebClient(base_url=slack.base_url, token=BOT_TOKEN)
        second = WebClient(base_url=slack.base_url, token="xoxb-second")
        modal = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": []}
        assert second.chat_postMessage(channel="C0SECOND01", text="hi")["ok"]
        with pytest.raises(SlackApiError) as foreign:
            home.chat_postMessage(channel="C0SECOND01", text="hi")
        assert foreign.value.response["error"] == "channel_not_found"
        home.chat_postMessage(channel=RIVER, text="first post adopts the channel")
        with pytest.raises(SlackApiError):
            second.chat_postMessage(channel=RIVER, text="not yours")
        view = home.views_open(trigger_id="1.2.3", view=modal)["view"]
        with pytest.raises(SlackApiError) as gone:
            second.views_update(view_id=view["id"], view=modal)
        assert gone.value.response["error"] == "not_found"
        # the same user ID is a different DM in each workspace
        dm_home = home.chat_postMessage(channel=ALICE, text="hi")["channel"]
        dm_second = second.chat_postMessage(channel=ALICE, text="hi")["channel"]
        assert dm_home != dm_second
        assert {c.team_id for c in slack.calls_to("chat.postMessage") if c.token == "xoxb-second"} == {
            "T0SECOND01"
        }


# --- history and message metadata ------------------------------------------------------------------


def test_history_returns_top_level_messages_newest_first_with_metadata_on_request(client: WebClient) -> None:
    meta = {"event_type": "collab_delivery", "event_payload": {"key": "k1"}}
    first = client.chat_postMessage(channel=RIVER, text="one", metadata=meta)
    client.chat_postMessage(channel=RIVER, text="reply", thread_ts=first["ts"])
    second = client.chat_postMessage(channel=RIVER, text="two")
    history = client.conversations_history(channel=RIVER)
    assert [m["text"] for m in history["messages"]] == ["two", "one"]  # replies stay in their thread
    assert "metadata" not in history["messages"][1]
    with_meta = client.conversations_history(channel=RIVER, include_all_metadata=True)
    assert with_meta["messages"][1]["metadata"] == meta
    newer = client.conversations_history(channel=RIVER, oldest=first["ts"])  # exclusive, as Slack's
    assert [m["ts"] for m in newer["messages"]] == [second["ts"]]
    thread = client.conversations_replies(channel=RIVER, ts=first["ts"], include_all_metadata=True)
    assert [m["text"] for m in thread["messages"]] == ["one", "reply"]


def test_history_pages_with_a_cursor(client: WebClient) -> None:
    for i in range(5):
        client.chat_postMessage(channel=RIVER, text=f"m{i}")
    page = client.conversations_history(channel=RIVER, limit=2)
    seen = [m["text"] for m in page["messages"]]
    while page["has_more"]:
        page = client.conversations_history(
            channel=RIVER, limit=2, cursor=page["response_metadata"]["next_cursor"]
        )
        seen += [m["text"] for m in page["messages"]]
    assert seen == ["m4", "m3", "m2", "m1", "m0"]


def test_history_can_be_denied_like_slack_does(slack: SlackStandIn, client: WebClient) -> None:
    slack.deny_history("missing_scope")
    with pytest.raises(SlackApiError) as denied:
        client.conversations_history(channel=RIVER)
    assert denied.value.response["error"] == "missing_scope"
    assert denied.value.response["needed"] == "channels:history,groups:history"
    slack.reset()
    slack.deny_history("not_in_channel", channels=[RIVER])
    with pytest.raises(SlackApiError) as outside:
        client.conversations_history(channel=RIVER)
    assert outside.value.response["error"] == "not_in_channel"
    assert client.conversations_history(channel="C0OTHER001")["ok"]


def test_malformed_metadata_is_refused(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as bad:
        client.chat_postMessage(
            channel=RIVER, text="x", metadata={"event_type": "no spaces!", "event_payload": {}}
        )
    assert bad.value.response["error"] == "invalid_metadata_schema"


def test_response_url_records_what_is_posted_there(slack: SlackStandIn) -> None:
    """A slash command's ``response_url`` on the stand-in: slack_sdk's WebhookClient (what Bolt's
    ``respond`` uses) posts there; good messages are recorded, bad blocks refused like Slack."""
    from slack_sdk.webhook import WebhookClient

    url, other = slack.response_url(), slack.response_url()
    assert url != other and url.startswith(slack.root_url + "/respond/")
    sent = WebhookClient(url).send(text="hi", blocks=[section("hi")], response_type="ephemeral")
    assert sent.status_code == 200
    too_many = WebhookClient(url).send(text="x", blocks=[section(str(i)) for i in range(51)])
    assert too_many.status_code == 400 and too_many.body == "invalid_blocks"
    assert WebhookClient(url).send_dict({}).status_code == 400
    assert slack.responses_to(url) == [
        {"text": "hi", "blocks": [section("hi")], "response_type": "ephemeral"}
    ]
    assert slack.wait_for_response(url)["text"] == "hi"
    assert slack.responses_to(other) == [] and slack.calls == []
    with pytest.raises(AssertionError):
        slack.wait_for_response(other, timeout=0.1)
