"""Collaboratives choose their run-chart rules: ``anhoej`` (default) or ``ihi``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("collaboratives") as batch:
        batch.add_column(sa.Column("rules", sa.String(length=12), nullable=False, server_default="anhoej"))


def downgrade() -> None:
    with op.batch_alter_table("collaboratives") as batch:
        batch.drop_column("rules")
