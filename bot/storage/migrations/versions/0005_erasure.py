"""Erasure (issue 18.6): the bot's own messages that carry a member's words, until
deleted; practice runs keyed by the keyed fingerprint the check-ins use, not a plain
platform id (existing rows re-keyed in place); an index for unique pseudonyms (18.8).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0005"
down_revision: str | None = "0004"
branch_labels = None
depends_on = None

_runs = sa.table("runs", sa.column("id", sa.Text), sa.column("member", sa.Text))


def upgrade() -> None:
    op.create_table(
        "sent_copies",
        sa.Column("id", sa.Text, primary_key=True),
        *(sa.Column(name, sa.Text, nullable=False) for name in ("checkin_id", "platform")),
        sa.Column("copy_enc", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
    )
    op.create_index("sent_copies_checkin", "sent_copies", ["checkin_id"])
    # Pseudonyms unique among open and recent check-ins (issue 18.8): looked up by name.
    op.create_index("checkins_pseudonym", "checkins", ["pseudonym"])
    _rekey_runs()


def _rekey_runs() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_runs.c.id, _runs.c.member)).all()
    if not rows:
        return
    fingerprint = context.config.attributes.get("fingerprint")
    if fingerprint is None:
        raise RuntimeError("re-keying practice runs needs the secret key: start the bot instead")
    bind.execute(
        _runs.update().where(_runs.c.id == sa.bindparam("run")).values(member=sa.bindparam("fp")),
        [{"run": run, "fp": fingerprint(member)} for run, member in rows],
    )


def downgrade() -> None:
    # A fingerprint cannot be turned back into an id: downgraded runs belong to nobody.
    op.drop_index("checkins_pseudonym", table_name="checkins")
    op.drop_index("sent_copies_checkin", table_name="sent_copies")
    op.drop_table("sent_copies")
