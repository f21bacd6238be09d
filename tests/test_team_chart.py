"""Back to the team: the key measure's run chart goes to the team channel with any new signal."""

from __future__ import annotations

from sqlalchemy import select

from bot.collaborative.demo import seed_demo
from bot.measures.chart import post_team_chart
from storage.models import Team
from tests.conftest import make_context
from tests.constants import RIVER, VALLE
from tests.slack_standin import SlackStandIn

PNG = b"\x89PNG\r\n\x1a\n"


def _team_id(db_url: str, key: str) -> int:
    seeded = seed_demo(db_url)
    with seeded.db.reader() as session:
        team_id = session.scalar(select(Team.id).where(Team.key == key))
    seeded.db.dispose()
    assert team_id is not None
    return team_id


def test_new_signal_is_named_with_the_chart(db_url: str, slack: SlackStandIn) -> None:
    team_id = _team_id(db_url, "valle-verde")
    ctx = make_context(db_url, slack)

    file_id = post_team_chart(ctx, ctx.client, team_id, "2027-01")

    assert file_id is not None
    [upload] = slack.completed_uploads
    assert upload["channel_id"] == VALLE
    assert "Controlling high blood pressure" in upload["initial_comment"]
    assert ":tada: New signal: Improvement since " in upload["initial_comment"]
    assert "baseline median" in upload["initial_comment"]
    assert slack.uploads[file_id].startswith(PNG)
    [url_call] = slack.calls_to("files.getUploadURLExternal")
    assert "PDSA cycle start" in url_call.args["alt_txt"]
    ctx.db.dispose()


def test_no_new_signal_means_no_signal_sentence(db_url: str, slack: SlackStandIn) -> None:
    team_id = _team_id(db_url, "riverside")  # improving since spring: the signal is old news
    ctx = make_context(db_url, slack)
    assert post_team_chart(ctx, ctx.client, team_id, "2027-01") is not None
    [upload] = slack.completed_uploads
    assert upload["channel_id"] == RIVER
    assert "New signal" not in upload["initial_comment"]
    ctx.db.dispose()
