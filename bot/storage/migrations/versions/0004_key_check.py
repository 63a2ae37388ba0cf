"""The key check (issue 18.5): the id of the key the data is sealed under and a value
sealed under it. Written at the first start after this revision, with the key set then.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "key_check",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("key_id", sa.Text, nullable=False),
        sa.Column("check_enc", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("key_check")
