"""The audit trail: narrative and PDSA note revisions (who, when, old -> new) through the signed
endpoint, exported; and the ledger dropping a sent message's text after 30 days (pinned clock)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from bot.export import write_export
from jobs.housekeeping import run as housekeeping
from storage.export import export_frames
from storage.ledger import DROPPED_PAYLOAD
from storage.models import Delivery, PdsaCycle
from storage.pdsa import cycle_revisions
from storage.reports import narrative_revisions
from tests.conftest import NOW, RunningBot
from tests.constants import ALICE, ARJUN, RIVER
from tests.helpers import eventually, wait_for_messages
from tests.test_measures_e2e import default_month, open_modal, riverside, submit
from tests.test_pdsa_e2e import (
    day,
    open_cycle_in_view,
    open_pdsa,
    start_cycle,
    text,
    update_values,
)
from tests.test_pdsa_e2e import submit as submit_pdsa


def test_a_corrected_narrative_keeps_who_when_old_and_new_and_is_exported(
    loaded_bot: RunningBot, tmp_path: Path
) -> None:
    bot, month = loaded_bot, default_month()
    first = {"wins": "Front desk re-checks high BPs", "barriers": "", "help_needed": "Cuff sizes"}
    assert submit(bot, open_modal(bot, ALICE), ALICE, narrative=first, score="3.0") is None
    wait_for_messages(bot.slack, RIVER)
    team_id, _ = riverside(bot.db, month)
    with bot.db.reader() as session:
        assert narrative_revisions(session, team_id, month) == []  # the first report is the row itself

    again = {"wins": "Front desk and MAs re-check high BPs", "barriers": "Short staffed in May"}
    assert submit(bot, open_modal(bot, ARJUN), ARJUN, narrative=again, score="3.5") is None
    with bot.db.reader() as session:
        revs = narrative_revisions(session, team_id, month)
    assert [(r.field, r.changed_by, r.old, r.new) for r in revs] == [
        ("wins", ARJUN, "Front desk re-checks high BPs", "Front desk and MAs re-check high BPs"),
        ("barriers", ARJUN, None, "Short staffed in May"),
        ("self_assessment", ARJUN, "3.0", "3.5"),
    ]
    assert {r.changed_at for r in revs} == {NOW}  # the pinned clock

    # submitting the same again changes nothing, so it adds no revision
    assert submit(bot, open_modal(bot, ARJUN), ARJUN, score="3.5") is None
    with bot.db.reader() as session:
        assert len(narrative_revisions(session, team_id, month)) == 3

    write_export(export_frames(bot.db), "csv", tmp_path, NOW)
    exported = pd.read_csv(tmp_path / "narrative_revisions.csv", keep_default_na=False, dtype=str)
    assert list(exported.columns) == [
        "collaborative",
        "team",
        "period",
        "field",
        "changed_by",
        "changed_at",
        "old_value",
        "new_value",
    ]
    assert exported[["team", "period", "field", "changed_by", "old_value", "new_value"]].values.tolist() == [
        ["riverside", month, "wins", ARJUN, first["wins"], again["wins"]],
        ["riverside", month, "barriers", ARJUN, "", again["barriers"]],
        ["riverside", month, "self_assessment", ARJUN, "3.0", "3.5"],
    ]


def test_pdsa_updates_keep_every_change_and_who_made_it(loaded_bot: RunningBot, tmp_path: Path) -> None:
    bot = loaded_bot
    start_cycle(bot, ALICE)
    with bot.db.reader() as session:
        [cycle] = session.scalars(select(PdsaCycle)).all()
        assert cycle.updated_by is None

    view_id = open_pdsa(bot, ALICE)
    open_cycle_in_view(bot, view_id, cycle.id)
    submit_pdsa(bot, view_id, update_values(None), ALICE)  # notes only: the cycle stays open

    view_id = open_pdsa(bot, ARJUN)
    open_cycle_in_view(bot, view_id, cycle.id, user=ARJUN)
    changed = update_values(
        "adopt", study_results=text("11 of 20 were under 140/90"), end_date=day("2026-03-09")
    )
    reply = submit_pdsa(bot, view_id, changed, ARJUN)
    assert reply["response_action"] == "update"

    with bot.db.reader() as session:
        revs = cycle_revisions(session, cycle.id)
        done = session.get_one(PdsaCycle, cycle.id)
    assert done.updated_by == ARJUN
    first = [(r.field, r.changed_by, r.old, r.new) for r in revs if r.changed_by == ALICE]
    assert first == [
        ("do_observations", ALICE, None, "Repeated on 20 patients"),
        ("do_surprises", ALICE, None, "The rest took longer than planned"),
        ("study_results", ALICE, None, "9 of 20 repeats were under 140/90; we predicted 10"),
        ("study_learning", ALICE, None, "Resting 5 minutes matters"),
        ("next_step", ALICE, None, "Try it on both shifts"),
    ]
    second = [(r.field, r.old, r.new) for r in revs if r.changed_by == ARJUN]
    assert second == [
        ("study_results", "9 of 20 repeats were under 140/90; we predicted 10", "11 of 20 were under 140/90"),
        ("act_decision", None, "adopt"),
        ("end_date", None, "2026-03-09"),
    ]

    write_export(export_frames(bot.db), "csv", tmp_path, NOW)
    exported = pd.read_csv(tmp_path / "pdsa_revisions.csv", keep_default_na=False, dtype=str)
    assert len(exported) == len(revs)
    assert set(exported["change_idea"]) == {"Repeat BP when the first reading is high"}
    assert exported.iloc[-1][["cycle_number", "field", "changed_by", "new_value"]].tolist() == [
        "1",
        "end_date",
        ARJUN,
        "2026-03-09",
    ]
    pdsa = pd.read_csv(tmp_path / "pdsa.csv", keep_default_na=False, dtype=str)
    assert pdsa.columns[-1] == "updated_by" and pdsa["updated_by"].tolist() == [ARJUN]


def test_housekeeping_drops_the_text_of_messages_sent_30_days_ago(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    assert submit(bot, open_modal(bot, ALICE), ALICE) is None
    wait_for_messages(bot.slack, RIVER)
    wait_for_messages(bot.slack, ALICE)

    def sent() -> int:
        with bot.db.reader() as session:
            return len(session.scalars(select(Delivery.id).where(Delivery.status == "sent")).all())

    assert eventually(lambda: sent() >= 2)
    now = bot.ctx.now()
    with bot.db.transaction() as session:
        rows = list(session.scalars(select(Delivery).where(Delivery.status == "sent").order_by(Delivery.id)))
        assert len(rows) >= 2
        old, recent = rows[0], rows[1]
        old.sent_at = now - timedelta(days=30, minutes=1)
        recent.sent_at = now - timedelta(days=29, hours=23)
        keys = (old.key, recent.key)
        kept = {r.key: (r.status, r.ts, r.created_at, r.channel) for r in rows}

    summary = housekeeping(bot.ctx, None, now)  # type: ignore[arg-type]
    assert "dropped the text of 1 messages sent more than 30 days ago" in summary
    with bot.db.reader() as session:
        after = {r.key: r for r in session.scalars(select(Delivery).where(Delivery.key.in_(keys)))}
    assert after[keys[0]].payload == DROPPED_PAYLOAD
    assert "text" in json.loads(after[keys[1]].payload)  # not yet 30 days
    for key, row in after.items():
        assert (row.status, row.ts, row.created_at, row.channel) == kept[key]
        assert row.sent_at is not None
    # a re-run changes nothing
    assert "dropped the text of 0 messages" in housekeeping(bot.ctx, None, now)  # type: ignore[arg-type]
