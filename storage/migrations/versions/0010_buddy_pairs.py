"""Buddy teams: ``collaboratives.buddies`` (the file's ``buddies:``, on by default) and ``buddy_pairs``
(each month's pairs: a team with an improvement signal on a measure and a team flat on it).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("collaboratives") as batch:
        batch.add_column(sa.Column("buddies", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "buddy_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collaborative_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("improving_team_id", sa.Integer(), nullable=False),
        sa.Column("flat_team_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaboratives.id"],
            name=op.f("fk_buddy_pairs_collaborative_id_collaboratives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["measure_id"], ["measures.id"], name=op.f("fk_buddy_pairs_measure_id_measures"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["improving_team_id"],
            ["teams.id"],
            name=op.f("fk_buddy_pairs_improving_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["flat_team_id"], ["teams.id"], name=op.f("fk_buddy_pairs_flat_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buddy_pairs")),
        sa.UniqueConstraint(
            "collaborative_id",
            "month",
            "improving_team_id",
            name=op.f("uq_buddy_pairs_collaborative_id_month_improving_team_id"),
        ),
        sa.UniqueConstraint(
            "collaborative_id", "month", "flat_team_id", name=op.f("uq_buddy_pairs_collaborative_id_month_flat_team_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("buddy_pairs")
    with op.batch_alter_table("collaboratives") as batch:
        batch.drop_column("buddies")
