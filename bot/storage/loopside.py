"""Store calls served on the event loop itself, on a connection that never waits.

A practice press reads the member's run and writes it back. On the database thread, each
of those costs a hop each way, and under load most of a hop is the loop's own CPU:
queueing, waking the thread, being woken back, handing the GIL to and fro. SQLite does
an indexed lookup in about 5 µs and commits a small change in WAL mode in about 15 µs,
a fraction of the hop around it (README, "Performance").

Serving a call on the loop is safe only because it can never wait, and so never stalls
the members served meanwhile:

* ``busy_timeout`` is 0. In WAL mode a reader never waits for a writer; a write asks for
  the write lock up front (BEGIN IMMEDIATE) and, if anyone holds it (the database thread,
  another process), fails at once. Either way the call is handed to the database thread,
  which may wait there (`SqliteStore`): :data:`NOT_NOW` says so.
* ``wal_autocheckpoint`` is 0: a commit here only appends to the WAL, which in WAL mode
  with ``synchronous=NORMAL`` is not synced. Checkpoints, which copy the WAL into the
  database and sync it, run on the database thread (:attr:`LoopConnection.commits` tells
  the store when one is due).
* Only small calls come here: indexed lookups of a handful of rows, and changes to a
  few rows (a practice step, a Send with its card). Scans, reports, purges and the
  migration stay on the thread.

Every call here ends before the loop runs anything else, so a transaction here never
interleaves with another, and each caller reads its own writes.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final, TypeVar

from bot.core.errors import StorageError

__all__ = ["NOT_NOW", "LoopConnection", "NotNow"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class NotNow:
    """The loop cannot answer this call right now; the database thread must."""

    def __repr__(self) -> str:
        return "NOT_NOW"


NOT_NOW: Final = NotNow()

# The primary result codes that mean "not now", not "wrong".
_LOCKED_OUT = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


class LoopConnection:
    """A connection used only on the thread that opened it: the event loop's."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._thread = threading.get_ident()
        self._closed = False
        self.commits = 0  # since the store last asked for a checkpoint

    @classmethod
    def open(cls, path: Path) -> LoopConnection:
        """Open on the event loop's thread, once the database thread has migrated."""
        db = sqlite3.connect(path, isolation_level=None)
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA busy_timeout = 0")
            # Per connection, as the database thread's: a commit is not synced (WAL).
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA wal_autocheckpoint = 0")
            db.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            db.close()
            raise
        return cls(db)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row] | NotNow:
        """The rows of one indexed read, or NOT_NOW."""
        if not self._usable():
            return NOT_NOW
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            if _locked_out(exc):
                log.debug("a read met a lock; the database thread answers it")
                return NOT_NOW
            raise StorageError(f"read failed: {exc}") from exc

    def change(self, sql: str, params: Sequence[Any] = ()) -> int | NotNow:
        """One statement, its own transaction (SQLite makes a lone statement atomic):
        the number of rows it changed, or NOT_NOW (nothing was changed)."""
        if not self._usable():
            return NOT_NOW
        try:
            changed = self._db.execute(sql, params).rowcount
        except sqlite3.Error as exc:
            if _locked_out(exc):
                log.debug("the write lock is taken; the database thread makes this change")
                return NOT_NOW
            raise StorageError(f"write failed: {exc}") from exc
        self.commits += 1
        return changed

    def write(self, body: Callable[[sqlite3.Connection], T]) -> T | NotNow:
        """``body(db)`` in one committed transaction, or NOT_NOW (nothing was run)."""
        if not self._usable():
            return NOT_NOW
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            if _locked_out(exc):
                log.debug("the write lock is taken; the database thread makes this change")
                return NOT_NOW
            raise StorageError(f"write failed: {exc}") from exc
        try:
            result = body(db)
        except BaseException:
            _roll_back(db)
            raise
        try:
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            _roll_back(db)
            raise StorageError(f"commit failed: {exc}") from exc
        self.commits += 1
        return result

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if threading.get_ident() == self._thread:
            self._db.close()
        # From another thread it cannot be closed; it holds no lock between calls, and
        # it goes with the process.

    def _usable(self) -> bool:
        if self._closed:
            raise StorageError("the database is closed")
        # A store shared with a loop on another thread: that loop uses the worker.
        return threading.get_ident() == self._thread


def _roll_back(db: sqlite3.Connection) -> None:
    if db.in_transaction:
        try:
            db.execute("ROLLBACK")
        except sqlite3.Error:
            log.exception("rolling back a change on the event loop failed")


def _locked_out(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and (code & 0xFF) in _LOCKED_OUT
