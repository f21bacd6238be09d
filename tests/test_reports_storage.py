"""Saving monthly reports: one current value, revisions on change, all-or-nothing, concurrent-safe."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from storage.collaboratives import active_measures, active_teams, collaborative_by_key
from storage.db import Database
from storage.reports import (
    Narrative,
    ReportedValue,
    Submission,
    latest_values_before,
    revisions,
    save_submission,
    stored_team_report,
    stored_values,
)
from tests.conftest import load_example
from tests.constants import ALICE, ARJUN

AT = datetime(2026, 11, 3, 17, 0, tzinfo=UTC)


def _ids(db: Database) -> tuple[int, list[int]]:
    with db.reader() as session:
        collab = collaborative_by_key(session, "htn")
        assert collab is not None
        team = next(t for t in active_teams(session, collab.id) if t.key == "riverside")
        return team.id, [m.id for m in active_measures(session, collab.id)]


def _submission(team_id: int, measure_ids: list[int], base: int, user: str = ALICE) -> Submission:
    values = [
        ReportedValue(mid, float(base + i), float(200 + i), (base + i) / (200 + i))
        for i, mid in enumerate(measure_ids)
    ]
    return Submission(
        team_id=team_id,
        period="2026-10",
        submitted_by=user,
        at=AT,
        values=values,
        narrative=Narrative(wins="New BP cuffs at front desk", self_assessment=3.0),
        late=False,
    )


def test_first_submission_stores_values_and_narrative(db: Database) -> None:
    load_example(db)
    team_id, measure_ids = _ids(db)
    result = save_submission(db, _submission(team_id, measure_ids, 100))
    assert len(result.created) == len(measure_ids) and not result.is_correction
    with db.reader() as session:
        stored = stored_values(session, team_id, "2026-10")
        report = stored_team_report(session, team_id, "2026-10")
        assert revisions(session, team_id, "2026-10") == []
    assert stored[measure_ids[0]].numerator == 100
    assert report is not None and report.narrative.wins == "New BP cuffs at front desk"
    assert report.narrative.self_assessment == 3.0


def test_resubmission_updates_in_place_and_keeps_a_revision(db: Database) -> None:
    load_example(db)
    team_id, measure_ids = _ids(db)
    save_submission(db, _submission(team_id, measure_ids, 100))
    second = _submission(team_id, measure_ids, 100, user=ARJUN)
    changed_values = [second.values[0].__class__(measure_ids[0], 120.0, 200.0, 0.6), *second.values[1:]]
    result = save_submission(
        db,
        Submission(second.team_id, second.period, ARJUN, AT, changed_values, second.narrative, True),
    )
    assert len(result.changed) == 1 and result.is_correction
    with db.reader() as session:
        stored = stored_values(session, team_id, "2026-10")
        revs = revisions(session, team_id, "2026-10")
        report = stored_team_report(session, team_id, "2026-10")
    assert stored[measure_ids[0]].numerator == 120
    assert len(revs) == 1
    assert (revs[0].changed_by, revs[0].old.numerator, revs[0].new.numerator) == (ARJUN, 100, 120)
    assert report is not None and report.late is False  # the first submission was on time
    assert report.submitted_by == ARJUN


def test_latest_values_before_skips_to_the_most_recent_month(db: Database) -> None:
    load_example(db)
    team_id, measure_ids = _ids(db)
    sub = _submission(team_id, measure_ids, 100)
    save_submission(db, Submission(team_id, "2026-08", ALICE, AT, sub.values, Narrative(), False))
    with db.reader() as session:
        history = latest_values_before(session, team_id, "2026-10")
    assert history[measure_ids[0]][0] == "2026-08"


def test_a_failing_submission_stores_nothing(db: Database) -> None:
    load_example(db)
    team_id, measure_ids = _ids(db)
    bad = _submission(team_id, [*measure_ids, 999_999], 100)  # unknown measure: foreign key fails
    with pytest.raises(Exception):  # noqa: B017 - any database error
        save_submission(db, bad)
    with db.reader() as session:
        assert stored_values(session, team_id, "2026-10") == {}
        assert stored_team_report(session, team_id, "2026-10") is None


def test_concurrent_double_submit_gives_one_value_and_a_revision(db: Database) -> None:
    load_example(db)
    team_id, measure_ids = _ids(db)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def submit(base: int, user: str) -> None:
        barrier.wait()
        try:
            save_submission(db, _submission(team_id, measure_ids, base, user))
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [
        threading.Thread(target=submit, args=(100, ALICE)),
        threading.Thread(target=submit, args=(150, ARJUN)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    with db.reader() as session:
        stored = stored_values(session, team_id, "2026-10")
        revs = revisions(session, team_id, "2026-10")
    assert len(stored) == len(measure_ids)
    assert len(revs) == len(measure_ids)  # every value changed once, from the first to the second
    for rev in revs:
        assert {rev.old.numerator, rev.new.numerator} == {
            100 + measure_ids.index(rev.measure_id),
            150 + measure_ids.index(rev.measure_id),
        }
        assert stored[rev.measure_id].numerator == rev.new.numerator
