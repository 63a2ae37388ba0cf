"""Store calls served on the event loop itself, on a connection that never waits.

A practice press reads the member's run and writes it back. On the database thread, each
of those costs a hop each way, and under load most of a hop is the loop's own CPU:
queueing, waking the thread, being woken back, handing the GIL to and fro. SQLite does
an indexed lookup in about 5 µs and a small change in a few, a fraction of the hop
around it; what costs is the COMMIT, about 20 µs (README, "Performance").

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

Group commit (`bot.storage.group`): under load, many members' presses arrive in the same
turn of the loop (at 50 in flight, 40 or more in one turn). A change asked for on the
loop is queued, and the changes queued in one turn are made together at the start of
the next (or before anything reads): one after another, each in its own SAVEPOINT, with
one COMMIT. SQLite's code then runs hot, once, instead of cold between two requests, and
the COMMIT is shared. Each caller awaits a future answered only after that COMMIT:
nobody is told "stored" for a change that was not. If the write lock is held elsewhere
(or the database thread still has changes queued, which must commit first), the whole
group is handed to the database thread instead, in order.

A lookup first makes the queued changes, so it sees what was asked for before it, and
only what was committed.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final, TypeVar

from bot.core.errors import StorageError
from bot.storage.group import MAX_GROUP, Change, run_group, settle

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
    """A connection used only on the thread that opened it: the event loop's.

    ``hand_over`` takes changes the loop cannot make now to the database thread, in
    order; ``thread_writing`` says whether that thread has changes of its own queued.
    """

    def __init__(
        self,
        db: sqlite3.Connection,
        hand_over: Callable[[list[Change]], None],
        thread_writing: Callable[[], bool],
    ) -> None:
        self._db = db
        self._hand_over = hand_over
        self._thread_writing = thread_writing
        self._thread = threading.get_ident()
        self._closed = False
        self.commits = 0  # made since the store last asked for a checkpoint
        self._queued: list[Change] = []
        self._commit_soon: asyncio.Handle | None = None

    @classmethod
    def open(
        cls,
        path: Path,
        hand_over: Callable[[list[Change]], None],
        thread_writing: Callable[[], bool],
    ) -> LoopConnection:
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
        return cls(db, hand_over, thread_writing)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row] | NotNow:
        """The rows of one indexed read (after making the queued changes), or NOT_NOW."""
        if not self._usable():
            return NOT_NOW
        self.commit()
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            if _locked_out(exc):
                log.debug("a read met a lock; the database thread answers it")
                return NOT_NOW
            raise StorageError(f"read failed: {exc}") from exc

    def write(self, body: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T] | NotNow:
        """Queue ``body(db)`` for this turn's group: a future answered with its result
        (or what it raised, its changes undone) once the group has committed. NOT_NOW
        from another thread's loop."""
        if not self._usable():
            return NOT_NOW
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queued.append((body, future))
        if self._commit_soon is None:
            self._commit_soon = loop.call_soon(self.commit)
        if len(self._queued) >= MAX_GROUP:
            self.commit()
        return future

    def commit(self) -> None:
        """Make the queued changes now, in one transaction (or hand them over)."""
        if self._commit_soon is not None:
            self._commit_soon.cancel()
            self._commit_soon = None
        queued, self._queued = self._queued, []
        # A caller that left before its change was made: it is not made (as on the thread).
        live = [change for change in queued if not change[1].done()]
        if not live:
            return
        if self._thread_writing() or not self._begin():
            self._hand_over(live)
            return
        answers = run_group(self._db, live)
        if any(ok for _, ok, _ in answers):
            self.commits += 1
        settle(answers)

    def close(self) -> None:
        if self._closed:
            return
        if threading.get_ident() == self._thread:
            self.commit()  # what members are about to be told is stored, is
            self._db.close()
        # From another thread it cannot be closed; it holds no lock between two turns
        # of its loop, and it goes with the process.
        self._closed = True

    def _begin(self) -> bool:
        """Take the write lock, or False when it is held elsewhere."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            if _locked_out(exc):
                log.debug("the write lock is taken; the database thread makes these changes")
                return False
            raise StorageError(f"write failed: {exc}") from exc
        return True

    def _usable(self) -> bool:
        if self._closed:
            raise StorageError("the database is closed")
        # A store shared with a loop on another thread: that loop uses the worker.
        return threading.get_ident() == self._thread


def _locked_out(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(code, int) and (code & 0xFF) in _LOCKED_OUT
