"""Handover and idle close (issue 18.4), group practice (issue 21.1), the crisis region
(issue 18.2): what the first release's migrations 4, 5 and 6 added, so that a file
made by them is stamped here (see `migrations.adopt_legacy`).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("checkins", sa.Column("last_activity_at", sa.Text))
    op.add_column("checkins", sa.Column("idle_reminded_at", sa.Text))
    op.add_column(
        "volunteers",
        sa.Column("anonymous", sa.Integer, nullable=False, server_default=sa.text("0")),
    )
    op.create_table(
        "group_sessions",
        sa.Column("id", sa.Text, primary_key=True),
        *(
            sa.Column(name, sa.Text, nullable=False)
            for name in ("scenario_id", "locale", "starter", "step_id")
        ),
        sa.Column("number", sa.Integer, nullable=False),
        *(sa.Column(name, sa.Text, nullable=False) for name in ("path", "status", "tied")),
        sa.Column("started_at", sa.Text, nullable=False),
        sa.Column("active_at", sa.Text, nullable=False),
    )
    op.create_index("group_sessions_open", "group_sessions", ["status", "active_at"])
    op.create_table(
        "group_votes",
        sa.Column("session_id", sa.Text, primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("voter_fp", sa.Text, primary_key=True),
        sa.Column("choice", sa.Integer, nullable=False),
    )
    op.add_column(
        "checkins", sa.Column("region", sa.Text, nullable=False, server_default=sa.text("''"))
    )


def downgrade() -> None:
    op.drop_column("checkins", "region")
    op.drop_table("group_votes")
    op.drop_index("group_sessions_open", table_name="group_sessions")
    op.drop_table("group_sessions")
    op.drop_column("volunteers", "anonymous")
    op.drop_column("checkins", "idle_reminded_at")
    op.drop_column("checkins", "last_activity_at")
