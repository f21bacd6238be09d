"""The stored fixed sets: StrEnum members in code, the same plain strings in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from storage.db import Database
from storage.enums import MeasureType, Role
from storage.models import Measure, Membership
from tests.conftest import load_example


def test_members_are_their_strings() -> None:
    assert MeasureType.RATE == "rate" and f"{MeasureType.RATE}" == "rate" and str(Role.LEAD) == "lead"
    assert {"rate": 1}[MeasureType.RATE] == 1


@pytest.mark.db
def test_columns_store_plain_strings_and_read_back_members(db: Database) -> None:
    load_example(db)
    with db.reader() as session:
        measure = session.scalars(select(Measure).where(Measure.key == "hypotension_rate")).one()
        assert measure.type is MeasureType.RATE
        raw = session.execute(text("SELECT type FROM measures WHERE key = 'hypotension_rate'")).scalar_one()
        assert raw == "rate" and type(raw) is str
        roles = set(session.scalars(select(Membership.role)))
        assert roles == set(Role) and all(isinstance(r, Role) for r in roles)


@pytest.mark.db
def test_an_unknown_value_is_refused_before_it_is_stored(db: Database) -> None:
    load_example(db)
    with pytest.raises(StatementError), db.transaction() as session:
        session.scalars(select(Measure)).first().type = "ratio"  # type: ignore[union-attr, assignment]
        session.flush()
    with db.reader() as session:
        assert set(session.scalars(select(Measure.type))) <= set(MeasureType)
