"""SQLAlchemy's aiosqlite adapter, with one trip to aiosqlite's thread per statement.

SQLAlchemy's adapter makes three or four calls into aiosqlite's thread for each
statement (open a cursor, execute, fetch the rows, close the cursor), and each call
wakes that thread and then the event loop again: on a loaded machine the wake-ups, not
SQLite, are what a statement costs. This adapter does the four in one call, in the
thread that owns the connection, exactly as SQLite would have seen them; rows are
fetched whole as before (no server-side cursors are used). Commit and rollback are one
call each, as before.

It is handed to SQLAlchemy as the DBAPI module of the `sqlite+aiosqlite` dialect
(`create_async_engine(..., module=onehop_dbapi())`): the URL, the dialect and every
query stay as they are.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

_Outcome = tuple[Any, list[Any] | None, int, int | None]


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor that exists only in the thread, for the length of one call."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = {}  # type: ignore[assignment]
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass

    async def _async_soft_close(self) -> None:
        pass  # nothing is open outside a call

    def close(self) -> None:
        self._rows.clear()

    def setinputsizes(self, *inputsizes: Any) -> None:
        pass

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        args = () if parameters is None else (parameters,)
        return await self._run(_execute, operation, args)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        return await self._run(_executemany, operation, (seq_of_parameters,))

    async def _run(self, how: Any, operation: Any, args: tuple[Any, ...]) -> Any:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        async with self._adapt_connection._execute_mutex:
            raw = connection._conn
            outcome: _Outcome = await connection._execute(  # type: ignore[no-untyped-call]
                how, raw, operation, args
            )
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows or ())
        return None

    def nextset(self) -> None:
        pass


def _execute(raw: sqlite3.Connection, operation: Any, args: tuple[Any, ...]) -> _Outcome:
    """In aiosqlite's thread: the whole of one statement."""
    cursor = raw.cursor()
    try:
        cursor.execute(operation, *args)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _executemany(raw: sqlite3.Connection, operation: Any, args: tuple[Any, ...]) -> _Outcome:
    cursor = raw.cursor()
    try:
        cursor.executemany(operation, *args)
        return cursor.description, None, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHopCursor  # type: ignore[assignment]


class OneHopDbapi(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        adapted = super().connect(*arg, **kw)
        return OneHopConnection(self, adapted._connection)


def onehop_dbapi() -> OneHopDbapi:
    return OneHopDbapi(aiosqlite, sqlite3)


__all__: Sequence[str] = ("onehop_dbapi",)
