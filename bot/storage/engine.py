"""The engine from a URL, and the few places where SQLite and PostgreSQL differ.

`sqlite+aiosqlite` (one file under the data directory) is the embedded default;
`postgresql+asyncpg` serves any number of processes. Everything else in the storage
package is written once, in SQLAlchemy Core, for both.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Executable, Select, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.core.errors import StorageError
from bot.storage.crypto import Cipher
from bot.storage.onehop import onehop_dbapi

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
# Connections each process keeps open to PostgreSQL. SQLAlchemy's default (5, and 10 more
# opened and closed again as needed) made a busy bot open a connection every second or
# so, each with its own handshake and an empty prepared-statement cache. At most 30 per
# process: mind max_connections (100 by default) when running many processes.
PG_POOL_SIZE = 20
PG_POOL_OVERFLOW = 10
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
        # One trip to aiosqlite's thread per statement instead of three or four.
        engine = create_async_engine(url, module=onehop_dbapi())
        _sqlite_transactions(engine, busy_ms)
        return engine
    args: dict[str, Any] = {}
    if schema:
        args["server_settings"] = {"search_path": schema}
    return create_async_engine(
        url,
        connect_args=args,
        skip_autocommit_rollback=True,
        pool_size=PG_POOL_SIZE,
        max_overflow=PG_POOL_OVERFLOW,
    )


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


def matches_any(column: ColumnElement[str], values: Sequence[str]) -> ColumnElement[bool]:
    """`column` equal to one of `values`: plain equality for one, as it nearly always is."""
    return column == values[0] if len(values) == 1 else column.in_(values)


class Database:
    """The engine, the cipher, and transactions that report failures as StorageError.

    On PostgreSQL each call takes a connection from the pool. On SQLite, which has one
    writer at a time anyway, changes take turns on one connection and reads on another,
    both kept open: taking a connection from a pool and giving it back cost more than
    the statement.
    """

    def __init__(self, engine: AsyncEngine, cipher: Cipher) -> None:
        self.engine = engine
        self.cipher = cipher
        self.dialect = engine.dialect.name
        self.closed = False
        sqlite_ = self.dialect == "sqlite"
        self._writer = _HeldConnection(engine) if sqlite_ else None
        self._reader = _HeldConnection(engine) if sqlite_ else None
        # A read on PostgreSQL is one statement in autocommit: no BEGIN, no ROLLBACK.
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One transaction, committed when the block ends, rolled back if it raises."""
        self._refuse_when_closed()
        try:
            if self._writer is None:
                async with self.engine.begin() as conn:
                    yield conn
                return
            async with self._writer.use() as conn:
                if conn.in_transaction():  # left by a change cancelled mid-way
                    await conn.rollback()
                async with conn.begin():
                    yield conn
        except DBAPIError as exc:
            raise _storage_error(exc) from exc

    async def change(self, statement: Executable) -> int:
        """One statement that changes rows, committed on its own; how many rows it changed.
        On PostgreSQL it runs in autocommit: one round trip instead of BEGIN, it, COMMIT
        (a lone statement is atomic and durable either way)."""
        if self._writer is not None:
            async with self.write() as conn:
                return int((await conn.execute(statement)).rowcount)
        self._refuse_when_closed()
        try:
            async with self._autocommit.connect() as conn:
                return int((await conn.execute(statement)).rowcount)
        except DBAPIError as exc:
            raise _storage_error(exc) from exc

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        self._refuse_when_closed()
        try:
            if self._reader is None:
                async with self._autocommit.connect() as conn:
                    yield conn
                return
            # SQLite's driver begins no transaction for a read: each statement sees the
            # latest commit.
            async with self._reader.use() as conn:
                yield conn
        except DBAPIError as exc:
            raise _storage_error(exc) from exc

    async def close(self) -> None:
        """Close the connections; twice is harmless, and any call after it fails at once."""
        if self.closed:
            return
        self.closed = True
        for held in (self._writer, self._reader):
            if held is not None:
                await held.close()
        await self.engine.dispose()

    def _refuse_when_closed(self) -> None:
        if self.closed:
            raise StorageError("the database is closed")


class _HeldConnection:
    """One connection kept open, used by one task at a time."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._turn = asyncio.Lock()
        self._conn: AsyncConnection | None = None

    @asynccontextmanager
    async def use(self) -> AsyncIterator[AsyncConnection]:
        async with self._turn:
            if self._conn is None:
                self._conn = await self._engine.connect()
            yield self._conn

    async def close(self) -> None:
        async with self._turn:
            if self._conn is not None:
                await self._conn.close()
                self._conn = None


def _storage_error(exc: DBAPIError) -> StorageError:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    if "locked" in text or "busy" in text:
        log.error("database is busy; the change was not made: %s", text)
        return StorageError(f"database busy: {text}")
    return StorageError(f"database error: {text}")
