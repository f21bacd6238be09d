"""Importing a collaborative's monthly history: check the whole file, then store it in one transaction.

Returns plain results: :class:`Imported` (how many values were new, changed or unchanged),
:class:`NotImported` (every problem, nothing stored) or a :class:`bot.results.Refusal` (no such
collaborative). Values and revisions are stored as made by ``import``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import months
from bot.history.rules import IMPORTED_BY, ImportContext, Problem, RawTable, check_rows
from bot.measures.rules import MeasureInfo, last_complete_month
from bot.results import Refusal
from storage.collaboratives import active_measures, active_teams, collaborative_by_key
from storage.db import Database
from storage.history import HistoryCounts, TeamMonthValue, save_history
from storage.models import Collaborative


@dataclass(frozen=True)
class Imported:
    values: int
    teams: int
    counts: HistoryCounts

    def summary(self) -> str:
        """``imported 480 values for 8 teams: 470 new, 10 changed, 0 unchanged``."""
        values = "1 value" if self.values == 1 else f"{self.values} values"
        teams = "1 team" if self.teams == 1 else f"{self.teams} teams"
        c = self.counts
        return f"imported {values} for {teams}: {c.new} new, {c.changed} changed, {c.unchanged} unchanged"


@dataclass(frozen=True)
class NotImported:
    problems: list[Problem]


def import_context(session: Session, collab: Collaborative, now: datetime) -> ImportContext:
    """The collaborative's active teams and measures, and the newest month that may be imported."""
    last = min(last_complete_month(collab, now), months.period_of(collab.end))
    return ImportContext(
        teams={team.key: team.id for team in active_teams(session, collab.id)},
        measures={m.key: MeasureInfo.of(m) for m in active_measures(session, collab.id)},
        last_month=last,
    )


def _import(db: Database, key: str, table: RawTable, now: datetime) -> Imported | NotImported | Refusal:
    with db.transaction() as session:
        collab = collaborative_by_key(session, key)
        if collab is None or not collab.active:
            return Refusal(f"there is no active collaborative with the key '{key}'")
        checked = check_rows(table, import_context(session, collab, now))
        if checked.problems:
            return NotImported(checked.problems)
        values = [TeamMonthValue(v.team_id, v.period, v.value) for v in checked.values]
        counts = save_history(session, values, IMPORTED_BY, now)
        return Imported(len(values), len({v.team_id for v in values}), counts)


def import_history(
    db: Database, key: str, table: RawTable, now: datetime
) -> Imported | NotImported | Refusal:
    """Check every row of ``table`` for collaborative ``key``; store all of it or nothing.

    A value saved by someone else between the read and the write (a unique-key race) makes the
    whole import run once more, and then it finds that value and compares with it.
    """
    try:
        return _import(db, key, table, now)
    except IntegrityError:
        return _import(db, key, table, now)
