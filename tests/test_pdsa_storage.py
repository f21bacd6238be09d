"""PDSA storage on SQLite and PostgreSQL: numbering per change idea, concurrency, updates, nudges."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from storage.collaboratives import active_measures, collaborative_by_key
from storage.db import Database
from storage.models import ChangeIdea
from storage.pdsa import (
    CycleUpdate,
    NewCycle,
    change_ideas,
    create_cycle,
    cycles_needing_nudge,
    open_cycles,
    update_cycle,
)
from tests.conftest import load_example
from tests.constants import ALICE, ARJUN
from tests.helpers import team_id_by_key


def _new(team_id: int, title: str = "Repeat BP when first reading is high", **extra: object) -> NewCycle:
    values: dict[str, object] = {
        "team_id": team_id,
        "created_by": ALICE,
        "objective": "Will MAs repeat the BP?",
        "prediction": "Half of high readings will be normal on repeat because of white-coat effect",
        "start_date": date(2026, 3, 2),
        "change_idea_title": title,
    }
    values.update(extra)
    return NewCycle(**values)  # type: ignore[arg-type]


def test_cycles_are_numbered_per_change_idea_and_titles_reused_case_insensitively(db: Database) -> None:
    load_example(db)
    team = team_id_by_key(db, "riverside")
    with db.reader() as session:
        collab = collaborative_by_key(session, "htn")
        assert collab is not None
        measures = [m.id for m in active_measures(session, collab.id)][:2]
    first = create_cycle(db, _new(team, measure_ids=measures))
    second = create_cycle(db, _new(team, title="  repeat bp WHEN first reading is high "))
    other = create_cycle(db, _new(team, title="Home BP cuffs"))
    by_id = create_cycle(db, _new(team, change_idea_id=first.change_idea_id, change_idea_title=None))
    assert (first.cycle_number, second.cycle_number, other.cycle_number, by_id.cycle_number) == (1, 2, 1, 3)
    assert second.change_idea_id == first.change_idea_id
    assert [m.id for m in first.measures] == measures
    with db.reader() as session:
        ideas = change_ideas(session, team)
        assert {(i.title, i.cycles, i.last_cycle_number) for i in ideas} == {
            ("Repeat BP when first reading is high", 3, 3),
            ("Home BP cuffs", 1, 1),
        }
        assert len(open_cycles(session, [team])) == 4


def test_concurrent_creates_get_distinct_numbers(db: Database) -> None:
    load_example(db)
    team = team_id_by_key(db, "riverside")
    create_cycle(db, _new(team))
    numbers: list[int] = []
    errors: list[BaseException] = []

    def make() -> None:
        try:
            numbers.append(create_cycle(db, _new(team)).cycle_number)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=make) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == [2, 3, 4, 5, 6, 7]
    with db.reader() as session:
        assert len(session.scalars(select(ChangeIdea)).all()) == 1


def test_update_saves_notes_then_completes_with_a_decision(db: Database) -> None:
    load_example(db)
    team = team_id_by_key(db, "riverside")
    cycle = create_cycle(db, _new(team))
    saved = update_cycle(db, cycle.id, CycleUpdate(do_observations="Done on 20 patients"), date(2026, 3, 5))
    assert saved.status == "open" and saved.do_observations == "Done on 20 patients"
    done = update_cycle(
        db,
        cycle.id,
        CycleUpdate(do_observations="Done on 20 patients", study_results="9 of 20", decision="adapt"),
        date(2026, 3, 9),
    )
    assert (done.status, done.act_decision, done.end_date) == ("completed", "adapt", date(2026, 3, 9))


def test_cycles_needing_a_nudge(db: Database) -> None:
    load_example(db)
    team = team_id_by_key(db, "riverside")
    today, now = date(2026, 3, 10), datetime(2026, 3, 10, 17, 0, tzinfo=UTC)
    late = create_cycle(db, _new(team, title="Late", planned_end_date=date(2026, 3, 6)), now)
    fresh = create_cycle(db, _new(team, title="Fresh", planned_end_date=date(2026, 3, 20)), now)
    stale = create_cycle(db, _new(team, title="Stale"), now - timedelta(days=15))
    done = create_cycle(db, _new(team, title="Done", planned_end_date=date(2026, 3, 6)), now)
    update_cycle(db, done.id, CycleUpdate(decision="adopt"), today, now)
    with db.reader() as session:
        collab = collaborative_by_key(session, "htn")
        assert collab is not None
        due = cycles_needing_nudge(session, collab.id, now, today)
    assert {c.id for c in due} == {late.id, stale.id}
    assert fresh.id not in {c.id for c in due}


def test_the_database_refuses_one_title_in_two_cases(db: Database) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError

    load_example(db)
    team_id = team_id_by_key(db, "riverside")
    with db.transaction() as session:
        session.add(ChangeIdea(team_id=team_id, title="Teach-back", created_by=ALICE))
    with pytest.raises(IntegrityError), db.transaction() as session:
        session.add(ChangeIdea(team_id=team_id, title="TEACH-BACK", created_by=ARJUN))
    with db.reader() as session:
        assert len(list(session.scalars(select(ChangeIdea).where(ChangeIdea.team_id == team_id)))) == 1
