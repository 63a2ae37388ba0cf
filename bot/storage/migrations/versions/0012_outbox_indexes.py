"""The outbox found by what its busy statements ask (issue 19.4).

Each enqueue reads `max(seq)`, and closing a check-in deletes its relays by check-in:
without an index both read the whole table, dead rows included, so a bot slowed as its
outbox's history grew (seen in bench f's second burst). On PostgreSQL the outbox, a
queue whose rows are updated and deleted all day, is vacuumed sooner than a table that
only grows would be.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision: str | None = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("outbox_seq", "outbox", ["seq"])
    op.create_index("outbox_checkin", "outbox", ["checkin_id", "purpose"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0.02,"
            " autovacuum_vacuum_threshold = 200)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE outbox RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold)"
        )
    op.drop_index("outbox_checkin", table_name="outbox")
    op.drop_index("outbox_seq", table_name="outbox")
