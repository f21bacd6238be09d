"""Buddy teams: the pairing rules, and the monthly ``buddy-teams`` job against a real database and
the Slack stand-in (SQLite and PostgreSQL): an improving team meets a flat one on the same measure
in one group message of their leads, the pair is stored and exported, and it does not repeat within
three months; ``buddies: false`` turns it off."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import select, update

from bot.buddies.rules import Pair, Standing, blocked_pairs, pair_teams
from bot.collaborative.file import parse_collaborative_file
from bot.collaborative.loading import spec_to_state
from jobs.registry import load_jobs
from storage.export import export_frames
from storage.models import BuddyPair, Collaborative, Measure, MeasureReport, Team
from storage.pdsa import CycleUpdate, NewCycle, create_cycle, update_cycle
from tests.conftest import EXAMPLE, NOW, RunningBot
from tests.constants import ALICE, BRUNO
from tests.helpers import collaborative_named, team_id_by_key

TZ = ZoneInfo("America/Los_Angeles")


# -- the rules -----------------------------------------------------------------------------------


def standing(team: int, measure: int = 1, *, improving: bool = False, flat: bool = False) -> Standing:
    return Standing(team_id=team, measure_id=measure, improving=improving, flat=flat)


def test_an_improving_team_is_paired_with_a_flat_team_on_the_same_measure() -> None:
    standings = [
        standing(1, improving=True),
        standing(2),  # neither: a deterioration, or too little data
        standing(3, flat=True),
        standing(4, measure=2, flat=True),  # flat, but on another measure
        standing(5, improving=True),
        standing(6, flat=True),
    ]
    assert pair_teams(standings, [1, 2], set()) == [Pair(1, 1, 3), Pair(1, 5, 6)]


def test_each_team_is_in_one_pair_a_month() -> None:
    standings = [standing(1, 1, improving=True), standing(1, 2, improving=True), standing(2, 1, flat=True)]
    standings += [standing(2, 2, flat=True), standing(3, 2, flat=True)]
    assert pair_teams(standings, [1, 2], set()) == [Pair(1, 1, 2)]


def test_a_pair_does_not_repeat_within_three_months() -> None:
    made = [("2026-04", 1, 3)]
    standings = [standing(1, improving=True), standing(3, flat=True), standing(6, flat=True)]
    for month in ("2026-04", "2026-05", "2026-06"):
        assert frozenset((1, 3)) in blocked_pairs(made, month)
        assert pair_teams(standings, [1], blocked_pairs(made, month)) == [Pair(1, 1, 6)]
    assert blocked_pairs(made, "2026-07") == set()
    assert pair_teams(standings, [1], blocked_pairs(made, "2026-07")) == [Pair(1, 1, 3)]


# -- the job ---------------------------------------------------------------------------------------

BASELINE = [0.55, 0.57, 0.54, 0.56, 0.55, 0.58]
RISING = BASELINE + [0.68, 0.70, 0.69, 0.71, 0.70, 0.72, 0.71, 0.70, 0.72]  # 2025-01 to 2026-03
FLAT = [0.60, 0.62, 0.59, 0.61, 0.60, 0.63, 0.58, 0.61, 0.60, 0.62, 0.59, 0.61, 0.60, 0.62, 0.59]


def add_reports(bot: RunningBot, team_key: str, values: list[float]) -> None:
    with bot.db.transaction() as session:
        team = session.scalars(select(Team).where(Team.key == team_key)).one()
        measure = session.scalars(select(Measure).where(Measure.key == "bp_control")).one()
        for i, value in enumerate(values):
            session.add(
                MeasureReport(
                    team_id=team.id,
                    measure_id=measure.id,
                    period=str(pd.Period("2025-01", "M") + i),
                    numerator=value * 200,
                    denominator=200,
                    value=value,
                    submitted_by=ALICE,
                )
            )


def adopt(bot: RunningBot, team_key: str, idea: str) -> None:
    cycle = create_cycle(
        bot.db,
        NewCycle(
            team_id=team_id_by_key(bot.db, team_key),
            created_by=ALICE,
            objective="Does it work?",
            prediction="Yes, because it did elsewhere",
            start_date=date(2026, 2, 2),
            change_idea_title=idea,
        ),
        now=NOW,
    )
    update_cycle(
        bot.db, cycle.id, CycleUpdate(decision="adopt", end_date=date(2026, 3, 1)), date(2026, 3, 1), now=NOW
    )


def run_buddies(bot: RunningBot, local: datetime) -> str:
    collab = collaborative_named(bot.db)
    return load_jobs()["buddy-teams"].run(bot.ctx, collab, local.replace(tzinfo=TZ))


def group_messages(bot: RunningBot) -> list[dict[str, object]]:
    return [m for c, ch in bot.slack.channels.items() if ch.get("is_mpim") for m in bot.slack.messages(c)]


def test_the_job_introduces_an_improving_and_a_flat_team_once_and_not_again_for_three_months(
    loaded_bot: RunningBot,
) -> None:
    bot = loaded_bot
    add_reports(bot, "riverside", RISING)
    add_reports(bot, "eastside", FLAT)
    adopt(bot, "riverside", "Repeat BP after 5 minutes <rest> & recheck")

    summary = run_buddies(bot, datetime(2026, 4, 11, 10, 0))
    assert summary.startswith("1 buddy pairs for 2026-04: 1 sent")
    [opened] = bot.slack.calls_to("conversations.open")
    assert sorted(str(opened.args["users"]).split(",")) == sorted([ALICE, BRUNO])
    [intro] = group_messages(bot)
    text = json.dumps(intro["blocks"], ensure_ascii=False)
    assert (
        f"<@{ALICE}> of *Riverside Family Clinic*, meet <@{BRUNO}> of *Eastside Community Health Center*"
        in text
    )
    assert "Controlling high blood pressure" in text and "improvement signal" in text
    assert "Repeat BP after 5 minutes &lt;rest&gt; &amp; recheck" in text
    with bot.db.reader() as session:
        [pair] = session.scalars(select(BuddyPair)).all()
    assert (pair.month, pair.improving_team_id, pair.flat_team_id) == (
        "2026-04",
        team_id_by_key(bot.db, "riverside"),
        team_id_by_key(bot.db, "eastside"),
    )

    # A re-run in the month sends nothing more; the next two months have no one else to pair with.
    assert "0 sent, 1 already sent" in run_buddies(bot, datetime(2026, 4, 11, 10, 0))
    for month in (5, 6):
        assert run_buddies(bot, datetime(2026, month, 11, 10, 0)).startswith("no buddy pair for 2026-0")
    assert len(group_messages(bot)) == 1
    # Three months on, the same two may meet again.
    assert run_buddies(bot, datetime(2026, 7, 11, 10, 0)).startswith("1 buddy pairs for 2026-07: 1 sent")

    exported = export_frames(bot.db)["buddies"]
    assert list(exported.columns) == [
        "collaborative",
        "month",
        "measure",
        "improving_team",
        "flat_team",
        "created_at",
    ]
    assert exported[["month", "improving_team", "flat_team"]].values.tolist() == [
        ["2026-04", "riverside", "eastside"],
        ["2026-07", "riverside", "eastside"],
    ]


def test_buddies_false_in_the_file_turns_them_off(loaded_bot: RunningBot, tmp_path: object) -> None:
    text = EXAMPLE.read_text() + "\nbuddies: false\n"
    path = tmp_path / "collab.yaml"  # type: ignore[operator]
    path.write_text(text)
    assert spec_to_state(parse_collaborative_file(path)).buddies is False
    assert spec_to_state(parse_collaborative_file(EXAMPLE)).buddies is True

    bot = loaded_bot
    add_reports(bot, "riverside", RISING)
    add_reports(bot, "eastside", FLAT)
    with bot.db.transaction() as session:
        session.execute(update(Collaborative).values(buddies=False))
    assert "off in the collaborative file" in run_buddies(bot, datetime(2026, 4, 11, 10, 0))
    assert not bot.slack.calls_to("conversations.open") and not group_messages(bot)
    with bot.db.reader() as session:
        assert session.scalars(select(BuddyPair)).all() == []
