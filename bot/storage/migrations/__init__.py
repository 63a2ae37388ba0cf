"""Alembic migrations, applied at start-up and by `python -m bot db upgrade`.

An SQLite file made before Alembic (it lists its migrations in `schema_version`) is
adopted first: brought to the last of those migrations (6), which is revision 0001's
schema plus revision 0003's additions without 0002's. So it is stamped 0001, upgraded
to 0002, stamped 0003 (which scripts 4-6 already did), then upgraded like any other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.migrations.legacy import LEGACY_SCRIPTS

log = logging.getLogger(__name__)

Fingerprint = Callable[[str], str]

FIRST = "0001"
# Legacy scripts 4-6 add exactly what this revision adds (a test compares the shapes).
LEGACY_LAST = "0003"


def alembic_config(
    connection: Connection | None = None, fingerprint: Fingerprint | None = None
) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).resolve().parent))
    config.attributes["connection"] = connection
    # Revision 0005 re-keys practice runs by the keyed fingerprint.
    config.attributes["fingerprint"] = fingerprint
    return config


# The revision that creates the key check: later ones may change data with the key, so a
# database is brought to this one, its key checked, and only then upgraded further.
KEY_CHECK = "0004"


async def upgrade(
    engine: AsyncEngine, fingerprint: Fingerprint | None = None, target: str = "head"
) -> None:
    """The database at `target` (never back), in one transaction. `fingerprint` (the
    Cipher's) is needed only when existing practice runs must be re-keyed."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade, fingerprint, target)


# Any fixed number: processes starting together on one PostgreSQL migrate one at a time.
MIGRATION_LOCK = 0x55505354  # "UPST"


def _upgrade(connection: Connection, fingerprint: Fingerprint | None, target: str) -> None:
    if connection.dialect.name == "sqlite":
        # The driver opens no transaction for DDL by itself: the whole upgrade is one.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        # Held until this transaction ends; the next process then finds nothing to do.
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
    config = alembic_config(connection, fingerprint)
    if _adopt_legacy(connection):
        command.stamp(config, FIRST)
        command.upgrade(config, "0002")
        command.stamp(config, LEGACY_LAST)
        log.info("adopted a database made before Alembic, at revision %s", LEGACY_LAST)
    before = MigrationContext.configure(connection).get_current_revision()
    if target != "head" and _at_or_past(config, before, target):
        return
    command.upgrade(config, target)
    after = MigrationContext.configure(connection).get_current_revision()
    if after != before:
        log.info("database migrated from revision %s to %s", before or "(empty)", after)


def _adopt_legacy(connection: Connection) -> bool:
    """True when this is a pre-Alembic database, now at its last script's schema."""
    tables = set(inspect(connection).get_table_names())
    if "alembic_version" in tables or "schema_version" not in tables:
        return False
    ran = connection.exec_driver_sql("SELECT MAX(version) FROM schema_version").scalar()
    for script in LEGACY_SCRIPTS[int(ran or 0) :]:
        for statement in (s.strip() for s in script.split(";")):
            if statement:
                connection.exec_driver_sql(statement)
    return True


def _at_or_past(config: Config, current: str | None, target: str) -> bool:
    """True when `current` is `target` or a revision after it."""
    if current is None:
        return False
    script = ScriptDirectory.from_config(config)
    return any(r.revision == target for r in script.iterate_revisions(current, "base"))
