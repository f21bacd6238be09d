"""Export of PDSA data: pdsa.csv with linked measure keys, and change_ideas.csv."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from bot.export import write_export
from storage.db import Database
from storage.export import export_frames
from storage.models import Measure, Team
from storage.pdsa import CycleUpdate, NewCycle, create_cycle, update_cycle
from tests.conftest import NOW, load_example
from tests.constants import ALICE


def test_pdsa_and_change_ideas_csv(db: Database, tmp_path: Path) -> None:
    load_example(db)
    with db.reader() as session:
        team_id = session.scalars(select(Team.id).where(Team.key == "riverside")).one()
        measures = {m.key: m.id for m in session.scalars(select(Measure))}

    def new(title: str, *keys: str) -> NewCycle:
        return NewCycle(
            team_id=team_id,
            created_by=ALICE,
            objective="Question",
            prediction="We think so because",
            start_date=date(2026, 3, 2),
            change_idea_title=title,
            measure_ids=[measures[k] for k in keys],
        )

    first = create_cycle(db, new("Repeat BP", "smbp_use", "bp_control"))
    update_cycle(db, first.id, CycleUpdate(study_results="9 of 20", decision="adapt"), date(2026, 3, 9))
    create_cycle(db, new("Repeat BP"))
    create_cycle(db, new("Home cuffs", "smbp_use"))

    paths = write_export(export_frames(db), "csv", tmp_path, NOW)
    assert {p.name for p in paths} >= {"pdsa.csv", "change_ideas.csv"}
    pdsa = pd.read_csv(tmp_path / "pdsa.csv", keep_default_na=False)
    rows = {(r.change_idea, r.cycle_number): r for r in pdsa.itertuples()}
    assert rows[("Repeat BP", 1)].measures == "bp_control;smbp_use"  # in the collaborative's order
    assert rows[("Repeat BP", 2)].measures == ""
    assert rows[("Home cuffs", 1)].measures == "smbp_use"
    assert rows[("Repeat BP", 1)].act_decision == "adapt"

    ideas = pd.read_csv(tmp_path / "change_ideas.csv", keep_default_na=False)
    by_title = {r.change_idea: r for r in ideas.itertuples()}
    assert (by_title["Repeat BP"].cycles, by_title["Repeat BP"].open_cycles) == (2, 1)
    assert by_title["Repeat BP"].last_decision == ""  # cycle 2 is still running
    assert (by_title["Home cuffs"].team, by_title["Home cuffs"].cycles) == ("riverside", 1)
