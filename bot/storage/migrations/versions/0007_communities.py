"""Communities (issue 20): a registry of them, and every stored row scoped by one.

Each table that holds a community's rows gains a `community` column, filled in from what
the row already says: the platform where it has one (the default community's id is the
platform's name), else the check-in or schedule it belongs to, else a member key's
prefix, or (blocks) the check-in still holding the member's fingerprint. What cannot be
attributed (counters, older practice runs, whose member is a fingerprint) gets `""`: the
deployment's rows from before communities, which a default community still counts as
its own (`bot.core.community.scope_of`). Counters are keyed by community, metric and key.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels = None
depends_on = None

SCOPED = (
    "runs", "checkins", "outbox", "sent_copies", "volunteers", "blocks", "audit",
    "group_sessions", "schedules",
)  # fmt: skip
FROM_PLATFORM = ("checkins", "sent_copies", "volunteers", "schedules")
INDEXES = {
    "runs_community": ("runs", ["community"]),
    "checkins_community": ("checkins", ["community", "status", "opened_at"]),
    "outbox_community": ("outbox", ["community"]),
    "sent_copies_community": ("sent_copies", ["community"]),
    "volunteers_community": ("volunteers", ["community", "available"]),
    "blocks_community": ("blocks", ["community"]),
    "audit_community": ("audit", ["community", "at"]),
    "group_sessions_community": ("group_sessions", ["community"]),
    "schedules_community": ("schedules", ["community"]),
}


def _community() -> sa.Column[str]:
    return sa.Column("community", sa.Text, nullable=False, server_default="")


def upgrade() -> None:
    _registry()
    for table in SCOPED:
        op.add_column(table, _community())
    _backfill()
    _counters_by_community()
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def _registry() -> None:
    op.create_table(
        "communities",
        sa.Column("id", sa.Text, primary_key=True),
        *(
            sa.Column(name, sa.Text, nullable=False)
            for name in ("platform", "workspace", "name", "status", "created_at")
        ),
        sa.Column("removed_at", sa.Text),
        sa.Column("purge_after", sa.Text),
        sa.UniqueConstraint("platform", "workspace", name="communities_workspace"),
    )
    op.create_index("communities_removed", "communities", ["status", "purge_after"])


def _backfill() -> None:
    for table in FROM_PLATFORM:
        op.execute(f"UPDATE {table} SET community = platform")
    of_checkin = "(SELECT c.platform FROM checkins c WHERE c.id = {table}.checkin_id)"
    for table in ("outbox", "audit"):
        op.execute(
            f"UPDATE {table} SET community = {of_checkin.format(table=table)}"
            f" WHERE EXISTS {of_checkin.format(table=table)}"
        )
    # A scenario of the week's post is queued under "schedule:<id>".
    of_schedule = (
        "(SELECT s.platform FROM schedules s WHERE 'schedule:' || s.id = outbox.checkin_id)"
    )
    op.execute(
        f"UPDATE outbox SET community = {of_schedule} WHERE community = '' AND EXISTS {of_schedule}"
    )
    # A block is made from a check-in, under its member's fingerprint: while that
    # check-in still holds it (not yet purged for retention), it names the community.
    of_member = (
        "(SELECT c.platform FROM checkins c"
        " WHERE c.member_fp = blocks.member_fp AND c.member_fp != '' LIMIT 1)"
    )
    op.execute(f"UPDATE blocks SET community = {of_member} WHERE EXISTS {of_member}")
    _from_keys("runs", "member")
    _from_keys("group_sessions", "starter")


def _from_keys(table: str, column: str) -> None:
    """`community` from a member key (`<community>:<user id>`) where the row holds one; a
    fingerprint (practice runs since 0005) names no community and stays `""`."""
    bind = op.get_bind()
    t = sa.table(table, sa.column("id", sa.Text), sa.column(column, sa.Text))
    rows = bind.execute(sa.select(t.c.id, t.c[column]).where(t.c[column].like("%:%"))).all()
    if rows:
        bind.execute(
            sa.text(f"UPDATE {table} SET community = :community WHERE id = :row"),
            [{"row": row, "community": key.rpartition(":")[0]} for row, key in rows],
        )


def _counters_by_community() -> None:
    key = ["community", "metric", "key"]
    if op.get_bind().dialect.name != "sqlite":
        op.add_column("counters", _community())
        op.drop_constraint("counters_pkey", "counters", type_="primary")
        op.create_primary_key("counters_pkey", "counters", key)
        return
    # SQLite cannot change a primary key in place: the table is copied, as batch mode
    # would copy it, into one keyed by community.
    op.create_table(
        "counters_v7",
        _community(),
        *(sa.Column(name, sa.Text, nullable=False) for name in ("metric", "key")),
        sa.Column("count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint(*key),
    )
    op.execute(
        "INSERT INTO counters_v7 (community, metric, key, count)"
        " SELECT '', metric, key, count FROM counters"
    )
    op.drop_table("counters")
    op.rename_table("counters_v7", "counters")


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
    # Counters of every community are added together again, keyed as before.
    op.create_table(
        "counters_v6",
        *(sa.Column(name, sa.Text, primary_key=True) for name in ("metric", "key")),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.execute(
        "INSERT INTO counters_v6 (metric, key, count)"
        " SELECT metric, key, SUM(count) FROM counters GROUP BY metric, key"
    )
    op.drop_table("counters")
    op.rename_table("counters_v6", "counters")
    for table in SCOPED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("community")
    op.drop_index("communities_removed", table_name="communities")
    op.drop_table("communities")
