"""The engine from a URL, and the few places where SQLite and PostgreSQL differ.

`sqlite+aiosqlite` (one file under the data directory) is the embedded default;
`postgresql+asyncpg` serves any number of processes. Everything else in the storage
package is written once, in SQLAlchemy Core, for both.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Select, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.core.errors import StorageError
from bot.storage.crypto import Cipher

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
# WAL lets readers go on while one writer commits; synchronous=NORMAL in WAL mode makes a
# commit durable against a crash of the process; secure_delete overwrites deleted text.
PRAGMAS = (
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA secure_delete = ON",
)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def prepare_sqlite_file(path: Path) -> None:
    """The data directory private to its owner (0700) and the database file too (0600),
    created so before SQLite opens it; SQLite gives its WAL files the file's mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def make_engine(
    url: str, *, schema: str | None = None, busy_ms: int = BUSY_TIMEOUT_MS
) -> AsyncEngine:
    """An engine for `url`; `schema` (PostgreSQL) puts every table in that schema."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url)
        _sqlite_transactions(engine, busy_ms)
        return engine
    args: dict[str, Any] = {}
    if schema:
        args["server_settings"] = {"search_path": schema}
    return create_async_engine(url, connect_args=args, skip_autocommit_rollback=True)


def _sqlite_transactions(engine: AsyncEngine, busy_ms: int) -> None:
    """The driver begins a transaction itself before a change, as BEGIN IMMEDIATE (the
    write lock up front: a busy database waits instead of failing half-way), within the
    same call to SQLite; a read begins none. Each of aiosqlite's calls is a hop to its
    thread, so no statement of our own is spent on BEGIN. Writers in this process take
    turns (`Database.write`), so a read made at the start of a change sees what it
    changes."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in PRAGMAS:
            cursor.execute(pragma)
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
        cursor.close()
        dbapi_connection.isolation_level = "IMMEDIATE"


def upsert(dialect: str, table: Table) -> Any:
    """An INSERT that can say ON CONFLICT: both dialects spell it alike, from two modules."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def lock_skipping(dialect: str, query: Select[Any]) -> Select[Any]:
    """Rows this transaction takes, skipping rows another one holds (PostgreSQL). SQLite
    needs nothing: a write transaction there holds the whole database."""
    return query.with_for_update(skip_locked=True) if dialect == "postgresql" else query


class Database:
    """The engine, the cipher, and transactions that report failures as StorageError."""

    def __init__(self, engine: AsyncEngine, cipher: Cipher) -> None:
        self.engine = engine
        self.cipher = cipher
        self.dialect = engine.dialect.name
        # A read on PostgreSQL is one statement in autocommit: no BEGIN, no ROLLBACK,
        # one round trip (SQLite's driver begins nothing for a read anyway).
        self._reader = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.dialect == "postgresql"
            else engine
        )
        self.closed = False
        # SQLite takes one writer at a time: writers queue here, on the loop, rather than
        # in SQLite's busy handler, which sleeps in steps of up to 100 ms.
        self._one_writer = asyncio.Lock() if self.dialect == "sqlite" else None

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One transaction, committed when the block ends, rolled back if it raises."""
        self._refuse_when_closed()
        async with self._one_writer or contextlib.nullcontext():
            try:
                async with self.engine.begin() as conn:
                    yield conn
            except DBAPIError as exc:
                raise _storage_error(exc) from exc

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        self._refuse_when_closed()
        try:
            async with self._reader.connect() as conn:
                yield conn
        except DBAPIError as exc:
            raise _storage_error(exc) from exc

    async def close(self) -> None:
        """Close the pool; twice is harmless, and any call after it fails at once."""
        if self.closed:
            return
        self.closed = True
        await self.engine.dispose()

    def _refuse_when_closed(self) -> None:
        if self.closed:
            raise StorageError("the database is closed")


def _storage_error(exc: DBAPIError) -> StorageError:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    if "locked" in text or "busy" in text:
        log.error("database is busy; the change was not made: %s", text)
        return StorageError(f"database busy: {text}")
    return StorageError(f"database error: {text}")
