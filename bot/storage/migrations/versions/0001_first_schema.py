"""The schema the first release built (its three SQL migrations), for an empty database.

A database that release made is stamped with this revision instead.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def _text(name: str, **kw: object) -> sa.Column[str]:
    return sa.Column(name, sa.Text, nullable=False, **kw)  # type: ignore[arg-type]


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Text, primary_key=True),
        *(_text(n) for n in ("member", "scenario_id", "locale", "step_id", "moves", "status")),
        _text("started_at"),
        _text("updated_at"),
    )
    op.create_index("runs_member", "runs", ["member", "status", "updated_at"])
    op.create_table(
        "counters",
        sa.Column("metric", sa.Text, primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    _checkins()
    _outbox_and_the_rest()


def _checkins() -> None:
    op.create_table(
        "checkins",
        sa.Column("id", sa.Text, primary_key=True),
        *(_text(n) for n in ("platform", "member_fp", "member_enc", "pseudonym", "category")),
        _text("urgency"),
        sa.Column("anonymous", sa.Integer, nullable=False),
        _text("text_enc"),
        sa.Column("crisis", sa.Integer, nullable=False),
        _text("locale"),
        _text("status"),
        _text("created_at"),
        sa.Column("opened_at", sa.Text),
        sa.Column("claimed_at", sa.Text),
        _text("claimed_by", server_default=""),
        _text("claimed_by_user_id", server_default=""),
        _text("claimed_by_name", server_default=""),
        sa.Column("closed_at", sa.Text),
        _text("closed_by", server_default=""),
        sa.Column("rating", sa.Integer),
        sa.Column("escalation_level", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("last_escalated_at", sa.Text),
        _text("card_ref", server_default=""),
    )
    op.create_index("checkins_member", "checkins", ["member_fp", "status"])
    op.create_index("checkins_status", "checkins", ["status", "opened_at"])
    claimed = sa.text("status = 'claimed'")
    op.create_index(
        "checkins_claimed",
        "checkins",
        ["claimed_by", "claimed_at"],
        sqlite_where=claimed,
        postgresql_where=claimed,
    )


def _outbox_and_the_rest() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Text, primary_key=True),
        _text("checkin_id"),
        _text("purpose"),
        sa.Column("priority", sa.Integer, nullable=False),
        _text("payload_enc"),
        sa.Column("attempts", sa.Integer, nullable=False),
        _text("next_attempt_at"),
        _text("created_at"),
    )
    op.create_index("outbox_due", "outbox", ["next_attempt_at", "priority"])
    op.create_table(
        "volunteers",
        sa.Column("volunteer", sa.Text, primary_key=True),
        _text("platform"),
        sa.Column("available", sa.Integer, nullable=False),
    )
    op.create_table("blocks", sa.Column("member_fp", sa.Text, primary_key=True), _text("until"))
    op.create_table(
        "audit",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        *(_text(n) for n in ("at", "checkin_id", "pseudonym", "action", "by_name")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    for table in ("audit", "blocks", "volunteers", "outbox", "checkins", "counters", "runs"):
        op.drop_table(table)
