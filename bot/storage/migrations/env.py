"""Alembic's entry point: migrations run on the connection the caller hands over
(`bot.storage.migrations.upgrade`), inside its transaction, on either database."""

from __future__ import annotations

from alembic import context

from bot.storage.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
