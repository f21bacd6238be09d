"""A fuller audit trail: narrative and PDSA note revisions, and who last updated a cycle.

* ``narrative_revisions``: every change to a monthly report's wins, barriers, help needed or
  self-assessment (who, when, field, old and new), like ``measure_revisions`` for the figures.
* ``pdsa_revisions``: every change a cycle's update makes to its Do/Study/Act notes, decision and
  end date (who, when, field, old and new).
* ``pdsa_cycles.updated_by``: the Slack user ID of whoever last changed the cycle.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _revisions(table: str, parent_column: str, parent_table: str) -> None:
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(parent_column, sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("changed_by", sa.String(length=32), nullable=False),
        sa.Column("changed_at", storage.models.UtcDateTime(), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            [parent_column],
            [f"{parent_table}.id"],
            name=op.f(f"fk_{table}_{parent_column}_{parent_table}"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    )
    op.create_index(op.f(f"ix_{table}_{parent_column}"), table, [parent_column])


def upgrade() -> None:
    _revisions("narrative_revisions", "team_report_id", "team_reports")
    _revisions("pdsa_revisions", "cycle_id", "pdsa_cycles")
    with op.batch_alter_table("pdsa_cycles") as batch:
        batch.add_column(sa.Column("updated_by", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pdsa_cycles") as batch:
        batch.drop_column("updated_by")
    for table, column in (("pdsa_revisions", "cycle_id"), ("narrative_revisions", "team_report_id")):
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
        op.drop_table(table)
