"""A community's own content files (issue 20.5), every uploaded version.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision: str | None = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "community_content",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *(sa.Column(name, sa.Text, nullable=False) for name in ("community", "path")),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("by_name", sa.Text, nullable=False),
        sa.UniqueConstraint("community", "path", "version", name="community_content_version"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("community_content")
