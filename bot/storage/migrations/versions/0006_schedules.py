"""Scenarios of the week (issue 21.2): a weekly group session in a channel.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("id", sa.Text, primary_key=True),
        *(sa.Column(name, sa.Text, nullable=False) for name in ("platform", "channel")),
        sa.Column("weekday", sa.Integer, nullable=False),
        *(
            sa.Column(name, sa.Text, nullable=False)
            for name in ("at_time", "zone", "topics", "locale", "created_by")
        ),
        sa.Column("paused", sa.Integer, nullable=False),
        sa.Column("next_due", sa.Text, nullable=False),
        sa.Column("last_posted_at", sa.Text),
        *(sa.Column(name, sa.Text, nullable=False) for name in ("last_scenario", "posted")),
    )
    op.create_index("schedules_due", "schedules", ["paused", "next_due"])


def downgrade() -> None:
    op.drop_index("schedules_due", table_name="schedules")
    op.drop_table("schedules")
