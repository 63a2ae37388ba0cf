"""Each community's settings, chosen by its admins with `/upstander setup` (issue 20.2).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision: str | None = "0010"
branch_labels = None
depends_on = None

TEXTS = (
    "volunteers_channel",
    "volunteer_role",
    "lead_role",
    "moderator_role",
    "crisis_region",
    "language",
)


def upgrade() -> None:
    op.create_table(
        "community_settings",
        sa.Column("community", sa.Text, primary_key=True),
        *(sa.Column(name, sa.Text, nullable=False) for name in TEXTS),
        sa.Column("escalation_minutes", sa.Integer, nullable=False),
        sa.Column("cooldown_minutes", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("community_settings")
