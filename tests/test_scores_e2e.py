"""IHI assessment scores end to end: faculty score a team for a month from ``/collab score``, the
Home tab and the digest thread (the team's self-score and the hint beside it); a member is refused;
the team sees its score on its Home tab; the digest lists scores far apart. Signed requests to the
real endpoint, the Slack stand-in, SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.collaborative.demo import seed_demo
from bot.digest.delivery import compute_digest
from bot.digest.views import digest_thread_messages
from bot.scores.rules import Progress, hint_text, suggest
from bot.scores.service import NOT_ALLOWED, ScoreScreen, score_screen
from bot.scores.views import ACTION_MONTH, ACTION_OPEN, CALLBACK
from bot.workspaces import identify
from storage.models import FacultyScore, TeamReport
from storage.workspaces import Workspace
from tests.conftest import RunningBot, make_context
from tests.constants import ALICE, FACULTY, TEAM_ID
from tests.helpers import collaborative_named, export_with_cli, team_id_by_key, wait_for_calls
from tests.signing import block_actions_payload, view_submission_payload
from tests.slack_standin import SlackStandIn
from tests.test_home_e2e import buttons, open_home, shown


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def self_assess(bot: RunningBot, team: str, period: str, score: float) -> None:
    with bot.db.transaction() as session:
        session.add(
            TeamReport(
                team_id=team_id_by_key(bot.db, team),
                period=period,
                self_assessment=score,
                submitted_by=ALICE,
                submitted_at=datetime(2026, 4, 5, tzinfo=UTC),
            )
        )


def opened_modal(bot: RunningBot, before: int) -> dict[str, Any]:
    """The scoring modal after the loading view was replaced (views.update)."""
    update = wait_for_calls(bot.slack, "views.update", before + 1)[-1]
    assert update.ok, update.response
    return dict(update.args["view"]) | {"id": update.args["view_id"]}


def score_command(bot: RunningBot, user: str, text: str = "") -> tuple[dict[str, Any] | None, str]:
    """``/collab score``: acked empty, the loading modal opened at once with the trigger, then
    replaced (views.update) by the scoring modal, or by a notice (None, its words)."""
    opened, before = len(bot.slack.calls_to("views.open")), len(bot.slack.calls_to("views.update"))
    status, _, body = bot.requests.command(
        "/collab", f"score {text}".strip(), user, trigger_id=bot.slack.issue_trigger_id()
    )
    assert (status, body) == (200, "")
    [loading] = wait_for_calls(bot.slack, "views.open", opened + 1)[opened:]
    assert "Loading" in json.dumps(loading.args["view"])
    view = opened_modal(bot, before)
    if not any(block["type"] == "input" for block in view["blocks"]):  # a notice, same frame
        return None, json.dumps(view["blocks"])
    return view, body


def picked(block_id: str, value: str) -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": value}, "value": value}
    return {block_id: {"type": "static_select", "selected_option": option}}


def form_values(team_id: int, period: str, score: str | None, reason: str | None) -> dict[str, Any]:
    return {
        "team": picked("score_team", str(team_id)),
        "month": picked("score_month", period),
        "score": {
            "value": {
                "type": "static_select",
                "selected_option": picked("value", score)["value"]["selected_option"] if score else None,
            }
        },
        "reason": {"value": {"type": "plain_text_input", "value": reason}},
    }


def submit(bot: RunningBot, view: dict[str, Any], values: dict[str, Any], user: str) -> dict[str, Any]:
    """Submit ``view`` under the hash Slack shows it with now (each views.update gives a new one)."""
    shown = bot.slack.views[view["id"]]["hash"]
    payload = view_submission_payload(view, values, user, view_id=view["id"], view_hash=shown)
    status, _, body = bot.requests.interact(payload)
    assert status == 200
    return json.loads(body) if body else {}


def score_team(
    bot: RunningBot, view: dict[str, Any], team: str, period: str, score: str, reason: str
) -> dict[str, Any]:
    """Faculty submit the scoring form for the team with key ``team``."""
    return submit(bot, view, form_values(team_id_by_key(bot.db, team), period, score, reason), FACULTY)


def stored(bot: RunningBot) -> list[tuple[int, str, float, str | None, str]]:
    with bot.db.reader() as session:
        rows = session.scalars(select(FacultyScore).order_by(FacultyScore.id))
        return [(r.team_id, r.period, r.score, r.reason, r.scored_by) for r in rows]


def test_faculty_score_a_team_beside_its_self_score_and_the_team_sees_it(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    riverside = team_id_by_key(bot.db, "riverside")
    self_assess(bot, "riverside", "2026-03", 2.0)
    view, _ = score_command(bot, FACULTY, "riverside")
    assert view is not None and view["callback_id"] == CALLBACK
    text = dumps(view["blocks"])
    assert "*Riverside" in text and "March 2026" in text
    assert "Team's self-score: *2.0 · activity, no changes*" in text
    assert "The data suggest at most 2.0: no PDSA cycle started or updated in the last two months" in text
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    levels = [o["text"]["text"] for o in blocks["score"]["element"]["options"]]
    assert levels[0] == "1.0 · forming team" and levels[-1] == "5.0 · outstanding sustainable results"
    assert len(levels) == 9

    # a missing reason is an error in place; then the score is stored
    reply = submit(bot, view, form_values(riverside, "2026-03", "4.0", None), FACULTY)
    assert reply["response_action"] == "errors" and set(reply["errors"]) == {"reason"}
    reply = submit(bot, view, form_values(riverside, "2026-03", "4.0", "BP control up 9 points <3"), FACULTY)
    assert reply["response_action"] == "update" and "4.0 · significant improvement" in dumps(reply["view"])
    assert stored(bot) == [(riverside, "2026-03", 4.0, "BP control up 9 points <3", FACULTY)]

    # picking another month redraws the form for it; scoring again replaces
    before = len(bot.slack.calls_to("views.update"))
    bot.requests.interact(
        block_actions_payload(
            ACTION_MONTH,
            FACULTY,
            view=bot.slack.views[view["id"]]
            | {"state": {"values": form_values(riverside, "2026-02", "2.5", "Typed before")}},
        )
    )
    redrawn = opened_modal(bot, before)
    assert "February 2026" in dumps(redrawn["blocks"]) and "Team's self-score: *none yet*" in dumps(
        redrawn["blocks"]
    )
    kept = {b.get("block_id"): b for b in redrawn["blocks"]}
    assert kept["score"]["element"]["initial_option"]["value"] == "2.5"  # what was typed stays
    assert kept["reason"]["element"]["initial_value"] == "Typed before"
    submit(bot, view, form_values(riverside, "2026-03", "3.5", "Improving"), FACULTY)
    assert stored(bot) == [(riverside, "2026-03", 3.5, "Improving", FACULTY)]

    # the team sees its latest faculty score and reason on its Home tab; faculty get the button
    home = shown(open_home(bot, ALICE))
    assert "*Faculty assessment* (IHI scale)" in home and "March 2026: *3.5 · improvement*" in home
    assert "Improving" in home
    assert ACTION_OPEN not in [b["action_id"] for b in buttons(open_home(bot, ALICE))]
    assert ACTION_OPEN in [b["action_id"] for b in buttons(open_home(bot, FACULTY))]


def test_a_member_is_refused_plainly_and_nothing_is_stored(
    loaded_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = loaded_bot
    caplog.set_level(logging.WARNING, logger="bot.security")
    view, body = score_command(bot, ALICE)
    assert view is None and NOT_ALLOWED in json.loads(body)[0]["text"]["text"]
    faculty_view, _ = score_command(bot, FACULTY)
    assert faculty_view is not None
    riverside = team_id_by_key(bot.db, "riverside")
    reply = submit(bot, faculty_view, form_values(riverside, "2026-03", "5.0", "We are great"), ALICE)
    assert reply["response_action"] == "update" and "Only faculty and admins" in dumps(reply["view"])
    assert stored(bot) == []
    refusals = [r.getMessage() for r in caplog.records if r.name == "bot.security"]
    assert any(f"refused user={ALICE} workspace={TEAM_ID} action=score" in r for r in refusals)


def test_the_digest_lists_scores_far_apart_and_its_button_opens_the_form(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    self_assess(bot, "riverside", "2026-03", 2.0)
    self_assess(bot, "eastside", "2026-03", 3.0)
    view, _ = score_command(bot, FACULTY, "riverside")
    assert view is not None
    score_team(bot, view, "riverside", "2026-03", "4.0", "Sustained gains")
    score_team(bot, view, "eastside", "2026-03", "4.0", "Close to it")
    digest = compute_digest(bot.db, collaborative_named(bot.db).id, datetime(2026, 4, 20, 16, tzinfo=UTC))
    assert [(name, f, s) for name, f, s in digest.score_gaps] == [(digest.score_gaps[0][0], 4.0, 2.0)]
    assert "Riverside" in digest.score_gaps[0][0]
    last = digest_thread_messages(digest)[-1]
    assert "faculty 4.0, self 2.0" in dumps(last["blocks"]) and "Eastside" not in dumps(last["blocks"])
    [button] = [e for b in last["blocks"] if b["type"] == "actions" for e in b["elements"]]
    before = len(bot.slack.calls_to("views.update"))
    payload = block_actions_payload(
        ACTION_OPEN, FACULTY, value=button["value"], trigger_id=bot.slack.issue_trigger_id()
    )
    assert bot.requests.interact(payload)[0] == 200
    assert opened_modal(bot, before)["callback_id"] == CALLBACK


def test_the_hint_rules() -> None:
    good = [Progress("BP control", 0.25, True), Progress("Screening", 0.5, True)]
    assert suggest(good, pdsa_recently=True) is not None
    assert "at least 3.5" in hint_text(suggest(good, pdsa_recently=True))
    assert suggest([Progress("BP control", 0.1, True)], pdsa_recently=True) is None
    assert suggest([Progress("BP control", 0.3, False)], pdsa_recently=True) is None
    both = hint_text(suggest(good, pdsa_recently=False))
    assert "at least 3.5 and at most 2.0" in both


def test_scores_are_exported_faculty_and_self_side_by_side(loaded_bot: RunningBot, tmp_path: Path) -> None:
    bot = loaded_bot
    self_assess(bot, "riverside", "2026-03", 2.0)
    self_assess(bot, "eastside", "2026-02", 3.0)
    view, _ = score_command(bot, FACULTY, "riverside")
    assert view is not None
    score_team(bot, view, "riverside", "2026-03", "4.0", "Sustained gains")
    again, _ = score_command(bot, FACULTY, "lakeview")  # the saved form closed: score from a new one
    assert again is not None
    score_team(bot, again, "lakeview", "2026-01", "1.5", "Planning")
    export_with_cli(bot.db.url, tmp_path)
    with (tmp_path / "scores.csv").open(newline="", encoding="utf-8") as handle:
        rows = [
            (r["team"], r["period"], r["faculty_score"], r["self_score"], r["faculty_reason"])
            for r in csv.DictReader(handle)
        ]
    assert sorted(rows) == [
        ("eastside", "2026-02", "", "3", ""),
        ("lakeview", "2026-01", "1.5", "", "Planning"),
        ("riverside", "2026-03", "4", "2", "Sustained gains"),
    ]


def test_the_hint_reads_the_digest_data_of_the_demo(db_url: str, slack: SlackStandIn) -> None:
    """On the demo collaborative: a team with no PDSA activity in two months gets "at most 2.0"."""
    seeded = seed_demo(db_url)
    seeded.db.dispose()
    ctx = make_context(db_url, slack, now=seeded.as_of)
    try:
        visitor = identify(ctx, Workspace(TEAM_ID, None), FACULTY)
        assert visitor is not None
        quiet = score_screen(ctx, visitor.person, "mission-hills")
        busy = score_screen(ctx, visitor.person, "riverside")
        assert isinstance(quiet, ScoreScreen) and isinstance(busy, ScoreScreen)
        assert quiet.hint is not None and (quiet.hint.at_most, quiet.hint.at_least) == (2.0, None)
        assert busy.hint is None or busy.hint.at_most is None
    finally:
        ctx.db.dispose()
