"""Installs in many workspaces (OAuth), end to end against the stand-in's ``oauth.v2.access``.

Two workspaces install the app through ``/slack/install`` and ``/slack/oauth_redirect``; then the
same user ID in each workspace sees only that workspace's collaborative, every Web API call (jobs'
messages included) goes out with that workspace's token, and ``app_uninstalled`` stops everything
for one workspace while the other carries on. SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from bot.collaborative.file import parse_collaborative_text
from bot.collaborative.loading import apply_spec
from bot.slack.blocks import plain_message
from bot.slack.delivery import Outgoing, retry_pending
from storage import ledger
from storage.db import Database
from storage.installations import SLACK_METADATA, installed_team_ids
from storage.models import WorkspaceStatus
from tests.conftest import EXAMPLE, RunningBot, make_context, running_bot
from tests.constants import ALICE, RIVER, TEAM_CHANNELS
from tests.helpers import collaborative_named, eventually, run_job_at, wait_for_calls
from tests.slack_standin import SlackStandIn
from tests.test_workspaces import OTHER_FILE

CLIENT_ID, CLIENT_SECRET = "1111.2222", "oauth-client-secret"
ONE, TWO = "T0ONE00001", "T0TWO00001"
TOKENS = {ONE: "xoxb-one-workspace", TWO: "xoxb-two-workspace"}
COOKIE = "slack-app-oauth-state"
HILLTOP = "C0HILLT001"  # the other collaborative's team channel


@pytest.fixture
def oauth_bot(db_url: str, slack: SlackStandIn) -> Iterator[RunningBot]:
    slack.register_oauth_app(CLIENT_ID, CLIENT_SECRET)
    for team, token in TOKENS.items():
        slack.add_workspace(team, token, code=f"code-{team}")
    ctx = make_context(
        db_url,
        slack,
        SLACK_BOT_TOKEN="",
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET=CLIENT_SECRET,
    )
    assert ctx.oauth and ctx.client.token is None
    with running_bot(ctx, slack) as bot:
        htn = yaml.safe_load(EXAMPLE.read_text())
        htn["workspace"] = ONE
        apply_spec(bot.db, parse_collaborative_text(yaml.safe_dump(htn)))
        apply_spec(bot.db, parse_collaborative_text(OTHER_FILE.replace("T0OTHER001", TWO)))
        yield bot


def get(url: str, cookie: str | None = None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read().decode()


def install(bot: RunningBot, team: str, code: str | None = None) -> str:
    """Install the app in ``team`` the way a person's browser does; returns the success page."""
    status, headers, page = get(bot.url + "/slack/install")
    assert status == 200
    state = re.search(r"state=([0-9a-f-]{36})", page)
    assert state is not None, page
    assert bot.slack.root_url + "/oauth/v2/authorize" in page  # Slack's install page on SLACK_API_URL's host
    cookie = headers["set-cookie"]
    assert f"{COOKIE}={state.group(1)}" in cookie and "Secure" in cookie
    # a plain-http client does not send a Secure cookie back by itself: pass it, as the notes say
    status, _, done = get(
        f"{bot.url}/slack/oauth_redirect?code={code or f'code-{team}'}&state={state.group(1)}",
        cookie=f"{COOKIE}={state.group(1)}",
    )
    assert status == 200, done
    return done


def status_for(bot: RunningBot, team: str) -> str:
    return json.dumps(bot.answer("/collab", "status", ALICE, team_id=team))


def every_call_used_its_workspaces_token(slack: SlackStandIn, channel_team: dict[str, str]) -> None:
    for call in slack.calls:
        if call.method == "oauth.v2.access":
            assert call.token is None
            continue
        assert call.token in TOKENS.values(), (call.method, call.token)
        channel = call.args.get("channel") or call.args.get("channel_id")
        if isinstance(channel, str) and channel in channel_team:
            assert call.team_id == channel_team[channel], (call.method, channel)


def test_two_workspaces_install_and_each_sees_only_its_own_collaborative(oauth_bot: RunningBot) -> None:
    bot, slack = oauth_bot, oauth_bot.slack
    for team in (ONE, TWO):
        assert "Thank you!" in install(bot, team)
    assert installed_team_ids(bot.db.engine) == [ONE, TWO]
    [exchange, _] = [c for c in slack.calls_to("oauth.v2.access") if c.ok]
    assert exchange.ok and "client_secret" not in exchange.args  # HTTP Basic auth

    one, two = status_for(bot, ONE), status_for(bot, TWO)
    assert "Riverside Family Clinic" in one and "Hilltop Clinic" not in one
    assert "Hilltop Clinic" in two and "Riverside Family Clinic" not in two

    # a request's own Web API calls use its workspace's token
    status, _, _ = bot.requests.command("/measures", "", ALICE, team_id=TWO, channel_id=HILLTOP)
    assert status == 200
    [opened] = wait_for_calls(slack, "views.open")
    assert opened.token == TOKENS[TWO]
    wait_for_calls(slack, "views.update")

    # the jobs of each collaborative send with their own workspace's token
    assert "sent" in run_job_at(bot.ctx, "report-reminders", "2026-04-10T09:00")
    assert "sent" in run_job_at(bot.ctx, "report-reminders", "2026-04-10T09:00", key="dm")
    posted = {c.args["channel"]: c.token for c in slack.calls_to("chat.postMessage") if c.ok}
    assert posted[RIVER] == TOKENS[ONE] and posted[HILLTOP] == TOKENS[TWO]
    channel_team = {**{c: ONE for c in TEAM_CHANNELS.values()}, HILLTOP: TWO}
    every_call_used_its_workspaces_token(slack, channel_team)


def test_app_uninstalled_stops_every_job_for_that_workspace_and_keeps_its_data(oauth_bot: RunningBot) -> None:
    bot, slack = oauth_bot, oauth_bot.slack
    for team in (ONE, TWO):
        install(bot, team)
    dm = collaborative_named(bot.db, "dm")
    status, _, _ = bot.requests.event({"type": "app_uninstalled"}, team_id=TWO)
    assert status == 200
    # the listener runs after the ack: its revoked token goes, the other's stays
    assert eventually(lambda: installed_team_ids(bot.db.engine) == [ONE])
    with bot.db.reader() as session:
        removed = session.get(WorkspaceStatus, TWO)
        assert removed is not None and not removed.installed
    assert collaborative_named(bot.db, "dm").active  # its data is kept

    calls = len(slack.calls)
    for job in ("report-reminders", "call-reminders", "pdsa-nudges", "delivery-retries", "weekly-digest"):
        assert run_job_at(bot.ctx, job, "2026-04-10T09:00", key="dm").startswith("skipped")
    assert [c for c in slack.calls[calls:] if c.token == TOKENS[TWO]] == []
    assert "sent" in run_job_at(bot.ctx, "report-reminders", "2026-04-10T09:00")  # the other one carries on

    # a message already in the ledger for that workspace stays pending, unattempted
    out = Outgoing("test:dm:held", "pdsa-cards", HILLTOP, plain_message("held"), dm.id)
    intent = ledger.Intent(out.key, out.job, out.channel, json.dumps(out.message), dm.id)
    ledger.record_intents(bot.db, [intent])
    summary = retry_pending(bot.ctx, "pdsa-cards")
    assert (summary.sent, summary.held) == (0, 1) and "1 held" in summary.describe()
    assert ledger.status_of(bot.db, out.key) == "pending"
    assert count_attempts(bot.db, out.key) == 0

    # installing it again (a new token) resumes sending
    slack.add_workspace(TWO, "xoxb-two-again", code="code-again")
    install(bot, TWO, code="code-again")
    assert summary_after_reinstall(bot) == "sent"


def count_attempts(db: Database, key: str) -> int:
    from storage.models import Delivery

    with db.reader() as session:
        return int(session.scalar(select(Delivery.attempts).where(Delivery.key == key)) or 0)


def summary_after_reinstall(bot: RunningBot) -> str:
    summary = retry_pending(bot.ctx, "pdsa-cards")
    return "sent" if summary.sent == 1 and summary.held == 0 else summary.describe()


def test_the_oauth_tables_come_from_our_migration(oauth_bot: RunningBot) -> None:
    with oauth_bot.db.reader() as session:
        for table in SLACK_METADATA.sorted_tables:
            assert session.scalar(select(func.count()).select_from(table)) == 0


def test_tokens_revoked_for_the_bot_stops_sending_too(oauth_bot: RunningBot) -> None:
    bot = oauth_bot
    install(bot, ONE)
    event: dict[str, Any] = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["U0BOTONE01"]}}
    assert bot.requests.event(event, team_id=ONE)[0] == 200
    assert eventually(lambda: installed_team_ids(bot.db.engine) == [])
    assert run_job_at(bot.ctx, "report-reminders", "2026-04-10T09:00").startswith("skipped")
