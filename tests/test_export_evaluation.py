"""The ``evaluation`` table's feedback and faculty-score columns, counted up to the export's moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.export import build_sheets
from storage.db import Database
from storage.export import export_frames
from storage.feedback import save_answer
from storage.models import CalendarEvent, FacultyScore, Team
from tests.conftest import NOW, load_example
from tests.constants import ALICE


def test_mean_usefulness_and_latest_faculty_score(db: Database) -> None:
    load_example(db)
    before, after = NOW - timedelta(days=3), NOW + timedelta(days=3)
    with db.transaction() as session:
        teams = {t.key: t.id for t in session.scalars(select(Team))}
        event = session.scalars(select(CalendarEvent).order_by(CalendarEvent.starts_at)).first()
        assert event is not None
        answers: list[tuple[str, int, str | None, datetime]] = [
            ("a", 4, "riverside", before),
            ("b", 5, "riverside", before),
            ("c", 1, "riverside", after),
        ]
        answers += [("d", 3, None, before)]  # a faculty member's answer belongs to no team
        for responder, usefulness, team, at in answers:
            save_answer(
                session,
                event_id=event.id,
                responder=responder,
                usefulness=usefulness,
                texts={},
                slack_user_id=None,
                team_id=teams[team] if team else None,
                now=at,
            )
        for period, score, at in (
            ("2026-03", 3.0, before),
            ("2026-02", 2.5, before),
            ("2026-04", 4.0, after),
        ):
            session.add(
                FacultyScore(
                    team_id=teams["riverside"], period=period, score=score, scored_by=ALICE, scored_at=at
                )
            )
    sheets = {s.table.name: s for s in build_sheets(export_frames(db), NOW)}
    evaluation = sheets["evaluation"]
    names = [c.name for c in evaluation.columns]
    rows = {r[names.index("team")]: dict(zip(names, r, strict=True)) for r in evaluation.rows}
    riverside = rows["riverside"]
    assert riverside["mean_usefulness"] == 4.5  # the answer after the export's moment is not counted
    assert riverside["latest_faculty_score"] == 3  # March: the latest month scored by then
    assert (rows["eastside"]["mean_usefulness"], rows["eastside"]["latest_faculty_score"]) == (None, None)
    later = {s.table.name: s for s in build_sheets(export_frames(db), datetime(2026, 5, 1, tzinfo=UTC))}
    later_rows = {r[names.index("team")]: dict(zip(names, r, strict=True)) for r in later["evaluation"].rows}
    assert later_rows["riverside"]["mean_usefulness"] == pytest.approx(10 / 3)
    assert later_rows["riverside"]["latest_faculty_score"] == 4
