"""Alembic environment: runs migrations against the URL set by ``storage.migrate``.

On PostgreSQL the migration holds a transaction-level advisory lock, so processes that start
together (a web and a clock container) migrate one after the other: the second finds the schema
up to date and does nothing.
"""

from alembic import context
from sqlalchemy import text

from storage.db import make_engine
from storage.installations import SLACK_METADATA
from storage.models import Base

config = context.config
#: Our tables, and the slack_sdk OAuth stores' tables (created by our migrations too).
target_metadata = [Base.metadata, SLACK_METADATA]
#: An arbitrary, fixed key naming "collab-bot migrations" among advisory locks.
MIGRATION_LOCK_KEY = 7_240_513_002


def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    """APScheduler owns its job store table; migrations leave it alone."""
    return not (type_ == "table" and name == "apscheduler_jobs")


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_object=include_object,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            context.run_migrations()
    engine.dispose()


run_migrations_online()
