"""The SQL store: every port over one database, migrated to the latest revision."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.errors import StorageError
from bot.core.ports import Stores
from bot.storage.audit import SqlAudit
from bot.storage.checkins import SqlCheckins
from bot.storage.communities import SqlCommunities
from bot.storage.content_files import SqlContentFiles
from bot.storage.copies import SqlCopies
from bot.storage.crypto import Cipher
from bot.storage.engine import BUSY_TIMEOUT_MS, Database, make_engine
from bot.storage.groups import SqlGroups
from bot.storage.handover import SqlHandover
from bot.storage.keycheck import check_key
from bot.storage.leases import SqlEvents, SqlLeases
from bot.storage.migrations import KEY_CHECK, upgrade
from bot.storage.outbox import SqlOutbox
from bot.storage.practice import SqlPractice
from bot.storage.schedules import SqlSchedules
from bot.storage.settings import SqlSettings
from bot.storage.stats import SqlStats
from bot.storage.volunteers import SqlVolunteers


async def open_sql_store(
    url: str, cipher: Cipher, *, schema: str | None = None, busy_ms: int | None = None
) -> Stores:
    """Stores on the database at `url`, upgraded first (at start-up, as the bot does)."""
    return sql_stores(await open_database(url, cipher, schema=schema, busy_ms=busy_ms))


async def open_database(
    url: str, cipher: Cipher, *, schema: str | None = None, busy_ms: int | None = None
) -> Database:
    """The database at `url`, upgraded, once the keys set are known to open its data."""
    engine = make_engine(url, schema=schema, busy_ms=busy_ms or BUSY_TIMEOUT_MS)
    db = Database(engine, cipher)
    try:
        # The key is checked before any revision that changes data with it (re-keying).
        await _migrate(engine, cipher, KEY_CHECK)
        await check_key(db)
        await _migrate(engine, cipher, "head")
    except BaseException:
        await db.close()
        raise
    return db


async def _migrate(engine: AsyncEngine, cipher: Cipher, target: str) -> None:
    try:
        await upgrade(engine, cipher.fingerprint, target)
    except (OSError, SQLAlchemyError) as exc:
        raise StorageError(f"cannot open the database: {exc}") from exc


def sql_stores(db: Database) -> Stores:
    return Stores(
        practice=SqlPractice(db),
        stats=SqlStats(db),
        checkins=SqlCheckins(db),
        volunteers=SqlVolunteers(db),
        outbox=SqlOutbox(db),
        audit=SqlAudit(db),
        leases=SqlLeases(db),
        events=SqlEvents(db),
        handover=SqlHandover(db),
        groups=SqlGroups(db),
        copies=SqlCopies(db),
        schedules=SqlSchedules(db),
        communities=SqlCommunities(db),
        close_store=db.close,
        content_files=SqlContentFiles(db),
        settings=SqlSettings(db),
    )
