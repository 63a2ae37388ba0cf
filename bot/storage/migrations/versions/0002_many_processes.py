"""What many processes on one database need: outbox leases and an index that serves
"the due items, highest priority first" without a sort; job leases; event sightings.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("leased_by", sa.Text, nullable=False, server_default=""))
    op.add_column("outbox", sa.Column("lease_until", sa.Text))
    op.add_column(
        "outbox", sa.Column("seq", sa.Integer, nullable=False, server_default=sa.text("0"))
    )
    op.drop_index("outbox_due", table_name="outbox")
    op.create_index("outbox_due", "outbox", [sa.text("priority DESC"), "next_attempt_at", "seq"])
    op.create_index("outbox_age", "outbox", ["created_at"])
    op.create_table(
        "leases",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("until", sa.Text, nullable=False),
    )
    op.create_table(
        "sightings",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("seen_at", sa.Text, nullable=False),
    )
    op.create_index("sightings_seen", "sightings", ["seen_at"])
    # The first release's record of its migrations; Alembic's alembic_version took over.
    op.execute("DROP TABLE IF EXISTS schema_version")


def downgrade() -> None:
    op.drop_table("sightings")
    op.drop_table("leases")
    op.drop_index("outbox_age", table_name="outbox")
    op.drop_index("outbox_due", table_name="outbox")
    op.create_index("outbox_due", "outbox", ["next_attempt_at", "priority"])
    for column in ("seq", "lease_until", "leased_by"):
        op.drop_column("outbox", column)
