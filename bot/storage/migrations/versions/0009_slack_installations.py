"""Slack installations by OAuth (issue 20.3): installations, bots and OAuth states.

Revision ID: 0009
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0007"
branch_labels = None
depends_on = None


def _text(*names: str) -> list[sa.Column[str]]:
    return [sa.Column(name, sa.Text, nullable=False) for name in names]


def upgrade() -> None:
    op.create_table(
        "slack_installations",
        sa.Column("id", sa.Text, primary_key=True),
        *_text("workspace", "community", "enterprise_id", "team_id", "user_id"),
        sa.Column("is_enterprise_install", sa.Integer, nullable=False),
        *_text("installation_enc"),
        sa.Column("installed_at", sa.Text, nullable=False),
    )
    op.create_index("slack_installations_workspace", "slack_installations", ["workspace"])
    op.create_index("slack_installations_community", "slack_installations", ["community"])
    op.create_table(
        "slack_bots",
        sa.Column("id", sa.Text, primary_key=True),
        *_text("community", "enterprise_id", "team_id"),
        sa.Column("is_enterprise_install", sa.Integer, nullable=False),
        *_text("bot_enc"),
        sa.Column("installed_at", sa.Text, nullable=False),
    )
    op.create_index("slack_bots_community", "slack_bots", ["community"])
    op.create_table(
        "slack_oauth_states",
        sa.Column("digest", sa.Text, primary_key=True),
        sa.Column("expires_at", sa.Text, nullable=False),
    )
    op.create_index("slack_oauth_states_expiry", "slack_oauth_states", ["expires_at"])


def downgrade() -> None:
    op.drop_index("slack_oauth_states_expiry", table_name="slack_oauth_states")
    op.drop_table("slack_oauth_states")
    op.drop_index("slack_bots_community", table_name="slack_bots")
    op.drop_table("slack_bots")
    op.drop_index("slack_installations_community", table_name="slack_installations")
    op.drop_index("slack_installations_workspace", table_name="slack_installations")
    op.drop_table("slack_installations")
