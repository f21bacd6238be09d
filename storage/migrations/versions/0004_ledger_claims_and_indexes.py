"""Ledger claims carry a token and a verification mark; indexes for the hot queries.

* ``deliveries``: ``claim_token`` (whose claim it is), ``claimed_at`` and ``verify_since`` (look in
  the channel before sending again); a partial index on the rows still to send replaces the plain
  ``job`` index; on PostgreSQL a ``varchar_pattern_ops`` index serves ``key LIKE 'prefix%'``.
* ``measure_reports`` by team and month, ``calendar_events`` by collaborative and start,
  ``processed_events`` by arrival (housekeeping).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

UNSENT = sa.text("status IN ('pending', 'sending')")


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("claimed_at", storage.models.UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("verify_since", storage.models.UtcDateTime(), nullable=True))
        batch.drop_index("ix_deliveries_job")
    op.create_index(
        "ix_deliveries_unsent_job",
        "deliveries",
        ["job", "collaborative_id"],
        postgresql_where=UNSENT,
        sqlite_where=UNSENT,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_deliveries_key_pattern",
            "deliveries",
            ["key"],
            postgresql_ops={"key": "varchar_pattern_ops"},
        )
    with op.batch_alter_table("measure_reports") as batch:
        batch.drop_index("ix_measure_reports_team_id")
        batch.create_index("ix_measure_reports_team_id_period", ["team_id", "period"])
    with op.batch_alter_table("calendar_events") as batch:
        batch.drop_index("ix_calendar_events_starts_at")
        batch.create_index("ix_calendar_events_collaborative_id_starts_at", ["collaborative_id", "starts_at"])
    with op.batch_alter_table("processed_events") as batch:
        batch.create_index("ix_processed_events_received_at", ["received_at"])


def downgrade() -> None:
    with op.batch_alter_table("processed_events") as batch:
        batch.drop_index("ix_processed_events_received_at")
    with op.batch_alter_table("calendar_events") as batch:
        batch.drop_index("ix_calendar_events_collaborative_id_starts_at")
        batch.create_index("ix_calendar_events_starts_at", ["starts_at"])
    with op.batch_alter_table("measure_reports") as batch:
        batch.drop_index("ix_measure_reports_team_id_period")
        batch.create_index("ix_measure_reports_team_id", ["team_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_deliveries_key_pattern", table_name="deliveries")
    op.drop_index("ix_deliveries_unsent_job", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.create_index("ix_deliveries_job", ["job"])
        batch.drop_column("verify_since")
        batch.drop_column("claimed_at")
        batch.drop_column("claim_token")
