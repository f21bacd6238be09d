"""Participant feedback on calls and sessions, and faculty IHI assessment scores.

* ``feedback_responses``: one answer per person per event, keyed by a hash of who answered
  (``responder``); the Slack user ID only when the person asked for their name to be added.
* ``faculty_scores``: faculty's score of a team for a month, with a reason (one per team and month).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("responder", sa.String(length=64), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("usefulness", sa.Integer(), nullable=False),
        sa.Column("most_useful", sa.Text(), nullable=True),
        sa.Column("to_improve", sa.Text(), nullable=True),
        sa.Column("will_apply", sa.Text(), nullable=True),
        sa.Column("next_topics", sa.Text(), nullable=True),
        sa.Column("submitted_at", storage.models.UtcDateTime(), nullable=False),
        sa.Column("purged_at", storage.models.UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["calendar_events.id"],
            name=op.f("fk_feedback_responses_event_id_calendar_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_feedback_responses_team_id_teams"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_responses")),
        sa.UniqueConstraint("event_id", "responder", name=op.f("uq_feedback_responses_event_id_responder")),
    )
    op.create_index(op.f("ix_feedback_responses_team_id"), "feedback_responses", ["team_id"])
    op.create_table(
        "faculty_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("scored_by", sa.String(length=32), nullable=False),
        sa.Column("scored_at", storage.models.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_faculty_scores_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faculty_scores")),
        sa.UniqueConstraint("team_id", "period", name=op.f("uq_faculty_scores_team_id_period")),
    )


def downgrade() -> None:
    op.drop_table("faculty_scores")
    op.drop_index(op.f("ix_feedback_responses_team_id"), table_name="feedback_responses")
    op.drop_table("feedback_responses")
