"""Change-idea titles are unique per team whatever their case ("Foo" and "foo" are one idea).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("change_ideas") as batch:
        batch.drop_constraint("uq_change_ideas_team_id_title", type_="unique")
    op.create_index(
        "uq_change_ideas_team_id_lower_title",
        "change_ideas",
        ["team_id", sa.text("lower(title)")],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_change_ideas_team_id_lower_title", table_name="change_ideas")
    with op.batch_alter_table("change_ideas") as batch:
        batch.create_unique_constraint("uq_change_ideas_team_id_title", ["team_id", "title"])
