"""The export registry: stable table and column names, README.md generated from it, typed values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.export.docs import README, section, with_section
from bot.export.registry import Kind
from bot.export.tables import TABLES
from bot.export.values import convert
from bot.export.write import csv_text

#: Tables and columns evaluators' scripts already read: never renamed or reordered (new ones at the end).
STABLE = {
    "collaboratives": "key name timezone start end due_day digest_channel digest_day digest_time "
    "peer_channel_id active workspace enterprise",
    "teams": "collaborative team name channel_id active",
    "memberships": "collaborative team slack_user_id role active",
    "measure_definitions": "collaborative measure name type kind numerator_definition "
    "denominator_definition definition goal direction multiplier active",
    "measures": "collaborative team measure period numerator denominator value submitted_by "
    "submitted_at version",
    "measure_revisions": "collaborative team measure period changed_by changed_at old_numerator "
    "old_denominator old_value new_numerator new_denominator new_value",
    "team_reports": "collaborative team period wins barriers help_needed self_assessment late "
    "submitted_by submitted_at",
    "pdsa": "collaborative team change_idea cycle_number status objective prediction plan_who plan_what "
    "plan_when plan_where plan_data do_observations do_surprises study_results study_learning "
    "act_decision next_step start_date planned_end_date end_date shared measures created_by "
    "created_at updated_at",
    "change_ideas": "collaborative team change_idea cycles open_cycles last_decision created_by created_at",
    "calendar": "collaborative key title kind starts_at duration_minutes join_url active",
    "rsvps": "event slack_user_id response updated_at",
}


def test_existing_tables_keep_their_columns_in_order() -> None:
    by_name = {t.name: t for t in TABLES}
    names = [t.name for t in TABLES]
    assert names[: len(STABLE)] == list(STABLE)
    for name, columns in STABLE.items():
        old = columns.split()
        assert by_name[name].column_names[: len(old)] == old, name
    definitions = by_name["measure_definitions"].column_names
    assert {"baseline", "nqf", "kind", "goal", "direction", "multiplier"} <= set(definitions)
    assert by_name["measures"].column_names[-1] == "multiplier"


def test_every_column_is_documented_once() -> None:
    assert len({t.name for t in TABLES}) == len(TABLES)
    for table in TABLES:
        assert len(set(table.column_names)) == len(table.columns), table.name
        assert table.description
        for column in table.columns:
            assert column.description.strip(), f"{table.name}.{column.name}"
        assert len(table.name) <= 31  # an Excel sheet name


def test_readme_documents_the_registry() -> None:
    readme = README.read_text(encoding="utf-8")
    assert with_section(readme) == readme, "README.md is stale: run `python -m bot.export.docs --write`"
    for table in TABLES:
        assert f"#### `{table.name}`" in section()
        for column in table.columns:
            assert f"| `{column.name}` | {column.kind.value} |" in readme


def test_values_are_typed() -> None:
    la = ZoneInfo("America/Los_Angeles")
    assert convert(263.0, Kind.INTEGER) == 263 and isinstance(convert(263.0, Kind.INTEGER), int)
    assert convert(float("nan"), Kind.INTEGER) is None
    assert convert(0.58, Kind.NUMBER) == 0.58 and convert(41.0, Kind.NUMBER) == 41
    moment = convert(datetime(2026, 1, 20, 17, 0, tzinfo=UTC), Kind.DATETIME, la)
    assert csv_text(moment) == "2026-01-20T09:00:00-08:00"
    summer = convert(datetime(2026, 7, 1, 16, 0, 0, 123456), Kind.DATETIME, la)  # naive is UTC
    assert csv_text(summer) == "2026-07-01T09:00:00-07:00"
    assert csv_text(convert("2026-01-01", Kind.DATE)) == "2026-01-01"
    assert convert(date(2026, 1, 1), Kind.DATE) == date(2026, 1, 1)
    assert csv_text(convert(1, Kind.BOOLEAN)) == "True"
    with pytest.raises(RuntimeError):
        convert(2.5, Kind.INTEGER)
