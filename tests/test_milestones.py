"""Milestones: a team's first completed PDSA cycle, first adopted change and first sustained
improvement signal are celebrated once, in its channel and (when it shares) in the peer channel.

Through the signed endpoint (PDSA and measures forms) and the stand-in, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from sqlalchemy import select

from bot.milestones.rules import signal_streaks, sustained_measures
from bot.milestones.service import celebrate, report_celebrations
from bot.peers.channel import sync_peer_channel
from storage.digest_queries import load_team_data
from storage.models import Delivery, Measure, MeasureReport, Team
from tests.conftest import RunningBot
from tests.constants import ALICE, RIVER
from tests.helpers import collaborative_named, team_id_by_key, wait_until
from tests.test_pdsa_e2e import cycles, open_cycle_in_view, open_pdsa, peer_channel_id, start_cycle, submit
from tests.test_pdsa_e2e import update_values as pdsa_update_values

RANKING_WORDS = ("rank", "leader", "top ", "best", "first team", "ahead of")


def milestone_posts(bot: RunningBot, channel: str) -> list[dict[str, Any]]:
    return [m for m in bot.slack.messages(channel) if "Milestones mark" in json.dumps(m["blocks"])]


def complete(bot: RunningBot, cycle_id: int, decision: str) -> None:
    view_id = open_pdsa(bot, ALICE)
    open_cycle_in_view(bot, view_id, cycle_id)
    reply = submit(bot, view_id, pdsa_update_values(decision), ALICE)
    assert reply.get("response_action") == "update"


def posts_when(bot: RunningBot, channel: str, count: int) -> list[dict[str, Any]]:
    """The milestone cards in ``channel`` once there are ``count`` of them (fails after a timeout)."""
    wait_until(lambda: len(milestone_posts(bot, channel)) >= count)
    return milestone_posts(bot, channel)


def test_first_cycle_and_first_adopted_change_are_celebrated_once(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    synced = sync_peer_channel(bot.ctx, collaborative_named(bot.db).id)
    assert synced is not None and synced.ok
    start_cycle(bot, ALICE)
    first = cycles(bot.db)[-1].id
    complete(bot, first, "adopt")

    team = posts_when(bot, RIVER, 2)
    texts = [json.dumps(m["blocks"], ensure_ascii=False) for m in team]
    assert "First completed PDSA cycle" in texts[0] and "Repeat BP when the first reading is high" in texts[0]
    assert "First adopted change" in texts[1]
    peers = peer_channel_id(bot.db)
    assert peers is not None
    shared = posts_when(bot, peers, 2)
    assert all("Riverside Family Clinic" in json.dumps(m["blocks"]) for m in shared)
    for card in [*team, *shared]:  # the card itself (its footnote says it is never a ranking)
        assert not any(word in json.dumps(card["blocks"][0]).lower() for word in RANKING_WORDS)

    # A second adopted cycle is no first: nothing more is celebrated.
    start_cycle(bot, ALICE, change_idea_new={"value": {"type": "plain_text_input", "value": "Team huddle"}})
    complete(bot, cycles(bot.db)[-1].id, "adopt")
    wait_until(lambda: len([m for m in bot.slack.messages(RIVER) if "completed a PDSA cycle" in str(m)]) == 2)
    assert len(milestone_posts(bot, RIVER)) == 2 and len(milestone_posts(bot, peers)) == 2
    with bot.db.reader() as session:
        keys = sorted(session.scalars(select(Delivery.key).where(Delivery.job == "milestones")))
    assert len(keys) == 4 and all(":team" in k or ":peers" in k for k in keys)


def test_a_cycle_not_shared_is_celebrated_in_the_team_channel_only(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    start_cycle(bot, ALICE, shared={"value": {"type": "checkboxes", "selected_options": []}})
    complete(bot, cycles(bot.db)[-1].id, "abandon")
    [card] = posts_when(bot, RIVER, 1)
    assert "First completed PDSA cycle" in json.dumps(card["blocks"])
    peers = peer_channel_id(bot.db)
    assert peers is None or not milestone_posts(bot, peers)


# -- the sustained improvement signal ---------------------------------------------------------------

# twelve months around 0.555 (the file's baseline_months), crossing the median every month
BASELINE = [0.55, 0.57, 0.54, 0.56, 0.55, 0.58, 0.54, 0.57, 0.55, 0.56, 0.57, 0.54]


def add_bp_reports(bot: RunningBot, values: list[float], first: str = "2025-01") -> None:
    with bot.db.transaction() as session:
        team = session.scalars(select(Team).where(Team.key == "riverside")).one()
        measure = session.scalars(select(Measure).where(Measure.key == "bp_control")).one()
        for i, value in enumerate(values):
            period = str(pd.Period(first, "M") + i)
            session.add(
                MeasureReport(
                    team_id=team.id,
                    measure_id=measure.id,
                    period=period,
                    numerator=value * 200,
                    denominator=200,
                    value=value,
                    submitted_by=ALICE,
                )
            )


def streaks(bot: RunningBot) -> pd.DataFrame:
    with bot.db.reader() as session:
        data = load_team_data(session, team_id_by_key(bot.db, "riverside"))
    assert data is not None
    return signal_streaks(data, pd.PeriodIndex(data.reports["period"], freq="M").max())


def test_a_signal_that_held_three_months_is_celebrated_once(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    add_bp_reports(bot, BASELINE + [0.68, 0.70, 0.69, 0.71, 0.70, 0.69, 0.72, 0.70])  # 2025-01 to 2026-08
    one_month = streaks(bot)
    assert bool(one_month.at[("riverside", "bp_control"), "improving"])
    assert one_month.at[("riverside", "bp_control"), "streak"] == 1  # a run of 8 (7 allowed): this month only
    assert report_celebrations(bot.db, team_id_by_key(bot.db, "riverside")) == []

    add_bp_reports(bot, [0.72, 0.71], first="2026-09")  # two more months above the line
    assert sustained_measures(streaks(bot)) == ["bp_control"]
    found = report_celebrations(bot.db, team_id_by_key(bot.db, "riverside"))
    assert [c.detail for c in found] == ["Controlling high blood pressure"]
    celebrate(bot.ctx, found)
    celebrate(bot.ctx, report_celebrations(bot.db, team_id_by_key(bot.db, "riverside")))
    [card] = milestone_posts(bot, RIVER)
    text = json.dumps(card["blocks"])
    assert "First sustained improvement" in text and "3 months running" in text


def test_a_report_through_the_form_celebrates_a_sustained_signal_and_refreshes_home(
    loaded_bot: RunningBot,
) -> None:
    """Months to February 2026 show the improvement in two analyses; March's report makes it three."""
    from tests.test_measures_e2e import VALID, open_modal
    from tests.test_measures_e2e import submit as submit_report

    bot = loaded_bot
    high = [0.68, 0.70, 0.69, 0.71, 0.70, 0.69, 0.72, 0.70, 0.71]
    add_bp_reports(bot, BASELINE + high, first="2024-06")  # to February 2026: a run of 9, then 8 held
    assert streaks(bot).at[("riverside", "bp_control"), "streak"] == 2
    publishes = len(bot.slack.calls_to("views.publish"))
    view = open_modal(bot, ALICE)
    values = {**VALID, "bp_control:numerator": "144"}  # 72% for March
    assert submit_report(bot, view, ALICE, values=values) is None
    [card] = posts_when(bot, RIVER, 1)
    assert "First sustained improvement" in json.dumps(card["blocks"])
    assert "Controlling high blood pressure" in json.dumps(card["blocks"])
    wait_until(lambda: len(bot.slack.calls_to("views.publish")) > publishes)
    assert "*This month*" in json.dumps(bot.slack.home_views[ALICE]["blocks"])
