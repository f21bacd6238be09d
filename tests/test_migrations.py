"""The migrations build exactly the schema the models describe (ours and slack_sdk's OAuth tables),
on SQLite and PostgreSQL, and step back down cleanly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from storage.db import make_engine
from storage.installations import SLACK_METADATA
from storage.migrate import MIGRATIONS, alembic_config, current_revision, head_revision, upgrade
from storage.models import Base


def _include(dialect: str) -> Callable[[Any, str | None, str, bool, Any], bool]:
    """APScheduler's table is not ours; an index the models declare for another dialect only
    (``Index.ddl_if``, e.g. PostgreSQL's pattern index) is not expected here."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ == "table" and name == "apscheduler_jobs":
            return False
        ddl_if = getattr(obj, "_ddl_if", None) if type_ == "index" else None
        return ddl_if is None or ddl_if.dialect in (None, dialect)

    return include


@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_the_migrated_database_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_object": _include(engine.dialect.name), "compare_type": True}
            )
            diff = compare_metadata(context, [Base.metadata, SLACK_METADATA])  # type: ignore[arg-type]
    finally:
        engine.dispose()
    assert diff == []


def test_there_is_one_head_and_the_newest_migration_steps_down_and_up(tmp_path: Any) -> None:
    scripts = ScriptDirectory(str(MIGRATIONS))
    assert len(scripts.get_heads()) == 1
    head = scripts.get_revision(str(head_revision()))
    url = f"sqlite:///{tmp_path / 'steps.db'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "-1")
    engine = make_engine(url)
    try:
        assert current_revision(engine) == head.down_revision
        upgrade(url)
        assert current_revision(engine) == head.revision
    finally:
        engine.dispose()
