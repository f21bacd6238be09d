"""Peer learning: the peer channel's purpose, the file's own prompts, and engagement counts.

* ``collaboratives.peer_channel_purpose`` (set on the channel by ``collab-bot channels sync``) and
  ``collaboratives.peer_prompts`` (the file's ``prompts:``, a JSON list of strings).
* ``peer_activity``: per team, ISO week and person (a one-way hash of the user ID, never the ID
  itself), how many posts and thread replies in the peer channel. No message text is stored.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("collaboratives") as batch:
        batch.add_column(sa.Column("peer_channel_purpose", sa.String(length=250), nullable=True))
        batch.add_column(sa.Column("peer_prompts", sa.Text(), nullable=True))
    op.create_table(
        "peer_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collaborative_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("person", sa.String(length=32), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column("replies", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collaborative_id"],
            ["collaboratives.id"],
            name=op.f("fk_peer_activity_collaborative_id_collaboratives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_peer_activity_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_activity")),
        sa.UniqueConstraint("team_id", "week", "person", name=op.f("uq_peer_activity_team_id_week_person")),
    )
    op.create_index("ix_peer_activity_collaborative_id_week", "peer_activity", ["collaborative_id", "week"])


def downgrade() -> None:
    op.drop_index("ix_peer_activity_collaborative_id_week", table_name="peer_activity")
    op.drop_table("peer_activity")
    with op.batch_alter_table("collaboratives") as batch:
        batch.drop_column("peer_prompts")
        batch.drop_column("peer_channel_purpose")
