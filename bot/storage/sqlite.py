"""The embedded default store: SQLite in WAL mode, versioned migrations, two connections.

Small calls (indexed lookups, single-row changes: a practice press, a Send) run on the
event loop itself, on a connection that never waits (`bot.storage.loopside`). Everything
else, and any small call that would have to wait for a lock, runs on a thread of its own
that owns the other connection and runs each call (a read, or a whole transaction) as one
function, one call after another. Either way a use case's "change the row and queue its
messages" commits as one unit. Check-in text, names and queued payloads are encrypted;
people are found by HMAC fingerprint.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from queue import Empty, SimpleQueue
from typing import Any, TypeVar

from bot.core.catalog import Tactic
from bot.core.errors import StorageError
from bot.core.group_model import GroupMove, GroupSession, GroupStatus
from bot.core.models import (
    AuditEntry,
    CheckIn,
    CheckinFigures,
    CheckinStatus,
    Move,
    Opening,
    OpeningState,
    OutboxItem,
    PracticeRun,
    RunStatus,
)
from bot.storage.crypto import Cipher
from bot.storage.group import MAX_GROUP, Answer, Change, Counted, run_group, settle
from bot.storage.loopside import LoopConnection, NotNow
from bot.storage.migrations import MIGRATIONS
from bot.storage.runcache import Miss, RunCache

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
# WAL lets readers go on while one writer commits. synchronous=NORMAL in WAL mode makes a
# commit durable against a crash of the process (the benchmarks use the same settings).
PRAGMAS = (
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
)


_ACTIVE_CHECKIN = (
    "SELECT * FROM checkins WHERE member_fp = ? AND status IN ('open', 'claimed')"
    " ORDER BY created_at DESC LIMIT 1"
)
_LAST_CLOSED = "SELECT MAX(closed_at) AS at FROM checkins WHERE member_fp = ? AND status = 'closed'"

_SAVE_RUN = (
    "INSERT INTO runs (id, member, scenario_id, locale, step_id, moves, status,"
    " started_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)"
    " ON CONFLICT(id) DO UPDATE SET step_id=excluded.step_id, moves=excluded.moves,"
    " status=excluded.status, updated_at=excluded.updated_at, locale=excluded.locale"
)
_BUMP = (
    "INSERT INTO counters (metric, key, count) VALUES (?,?,?)"
    " ON CONFLICT(metric, key) DO UPDATE SET count = count + excluded.count"
)

T = TypeVar("T")
Body = Callable[[sqlite3.Connection], T]


# Commits made on the loop between two checkpoints: about SQLite's own default of a
# checkpoint per 1,000 WAL pages. A commit appends each page it changed once: 3 pages for
# a lone practice press, about 5 for a group of 40 (measured), so counting commits, not
# the changes in them, keeps checkpoints as rare under load as when idle.
CHECKPOINT_EVERY = 200
# The longest turn a task takes on the loop while making store calls answered there.
YIELD_EVERY_S = 0.0005


class _Job:
    """A store call waiting for the worker: `run()` alone, or `body(db)` in a write
    transaction (`db` is set) that may share its COMMIT with other queued ones."""

    __slots__ = ("body", "db", "future", "run")

    def __init__(
        self,
        future: asyncio.Future[Any],
        run: Callable[[], Any] | None = None,
        body: Body[Any] | None = None,
        db: sqlite3.Connection | None = None,
    ) -> None:
        self.future = future
        self.run = run
        self.body = body
        self.db = db


_STOP = object()
_Answer = Answer


class _Worker:
    """A thread that owns the sqlite3 connection and runs whole functions on it.

    Each store call is one function run here, so a transaction costs one hop from the
    event loop, however many statements it has. (aiosqlite, which this replaced, hops once
    per statement, per fetch and per cursor close: a check-in took over thirty.) A
    transaction also always ends here, committed or rolled back, even when the coroutine
    that asked for it is cancelled meanwhile; with a hop per statement, a request
    cancelled after BEGIN left the connection inside a transaction for good.

    Group commit (`bot.storage.group`): write transactions that queued up while the
    worker was busy share one COMMIT.
    """

    def __init__(self) -> None:
        self._jobs: SimpleQueue[_Job | object] = SimpleQueue()
        # Set on the loop before the stop is queued, so no job can land behind it unanswered.
        self.stopped = False
        # Write transactions queued here and not yet answered (counted on the loop).
        self.writing = 0
        self._thread = threading.Thread(target=self._serve, name="upstander-sqlite", daemon=True)
        self._thread.start()

    async def call(self, run: Callable[[], T]) -> T:
        """`run()` on the worker, alone."""
        self.refuse_when_stopped()
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._jobs.put(_Job(future, run=run))
        return await future

    async def transact(self, db: sqlite3.Connection, body: Body[T]) -> T:
        """`body(db)` in a write transaction on the worker: committed before this returns."""
        return await self.submit(db, body)

    def submit(self, db: sqlite3.Connection, body: Body[T]) -> asyncio.Future[T]:
        """Queue `body(db)` for a write transaction on the worker, now, in call order: a
        future answered once it has committed (or failed)."""
        self.refuse_when_stopped()
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._jobs.put(_Job(future, body=body, db=db))
        self.writing += 1
        future.add_done_callback(self._answered)
        return future

    def _answered(self, _: asyncio.Future[Any]) -> None:
        self.writing -= 1

    def has_writes(self) -> bool:
        return self.writing > 0

    async def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self._jobs.put(_STOP)
        await asyncio.to_thread(self._thread.join)

    def refuse_when_stopped(self) -> None:
        if self.stopped:
            raise StorageError("the database is closed")

    def _serve(self) -> None:
        held: _Job | object | None = None
        while True:
            item = held if held is not None else self._jobs.get()
            held = None
            if not isinstance(item, _Job):
                return  # _STOP
            if item.db is None:
                _answer([_run_alone(item)])
                continue
            group = [item]
            while len(group) < MAX_GROUP:
                try:
                    queued = self._jobs.get_nowait()
                except Empty:
                    break
                if not isinstance(queued, _Job) or queued.db is not item.db:
                    held = queued  # a read or the stop: after this group has committed
                    break
                group.append(queued)
            _answer(_commit_group(item.db, group))


def _run_alone(job: _Job) -> _Answer:
    assert job.run is not None
    if job.future.cancelled():
        return (job.future, False, None)  # nobody waits for it any more; not started
    try:
        return (job.future, True, job.run())
    except BaseException as exc:  # handed to the caller, whatever it is
        return (job.future, False, exc)


def _commit_group(db: sqlite3.Connection, jobs: list[_Job]) -> list[_Answer]:
    """On the worker: the jobs' bodies in one transaction, each in a savepoint."""
    live = [job for job in jobs if not job.future.cancelled()]
    if len(live) == 1:
        job = live[0]
        assert job.body is not None
        body = job.body
        return [_run_alone(_Job(job.future, run=lambda: _transaction(db, body)))]
    if not live:
        return []
    try:
        _begin(db)
    except StorageError as exc:
        return [(job.future, False, exc) for job in live]
    changes: list[Change] = []
    for job in live:
        assert job.body is not None
        changes.append((job.body, job.future))
    return run_group(db, changes)


def _answer(answers: list[_Answer]) -> None:
    """Hand the results to their loops: one wake-up per loop, however many answers."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Answer]] = {}
    for answer in answers:
        by_loop.setdefault(answer[0].get_loop(), []).append(answer)
    for loop, batch in by_loop.items():
        try:
            loop.call_soon_threadsafe(settle, batch)
        except RuntimeError:
            log.warning("a store call finished after its event loop closed")


def _passing_on(to: asyncio.Future[Any]) -> Callable[[asyncio.Future[Any]], None]:
    """A done-callback that gives `to` the outcome of the future it is called with."""

    def pass_on(done: asyncio.Future[Any]) -> None:
        if to.done():
            return
        if done.cancelled():
            to.cancel()
            return
        error = done.exception()
        if error is not None:
            to.set_exception(error)
        else:
            to.set_result(done.result())

    return pass_on


class SqliteStore:
    def __init__(self, worker: _Worker, db: sqlite3.Connection, cipher: Cipher) -> None:
        self._worker = worker
        self._db = db  # used only on the worker's thread
        self._cipher = cipher
        # Small calls on the loop itself (bot.storage.loopside), once migrated.
        self._loop_side: LoopConnection | None = None
        self._checkpoints: set[asyncio.Task[None]] = set()
        self._turn_task: asyncio.Task[Any] | None = None  # see `_pace`
        self._turn_started = 0.0
        self._runs = RunCache()

    @classmethod
    async def open(
        cls, path: Path, cipher: Cipher, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS
    ) -> SqliteStore:
        path.parent.mkdir(parents=True, exist_ok=True)
        worker = _Worker()

        def connect() -> sqlite3.Connection:
            db = sqlite3.connect(path, isolation_level=None)
            try:
                db.row_factory = sqlite3.Row
                for pragma in PRAGMAS:
                    db.execute(pragma)
                db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            except BaseException:
                db.close()
                raise
            return db

        try:
            db = await worker.call(connect)
        except sqlite3.Error as exc:
            await worker.stop()
            raise StorageError(f"cannot open the database at {path}: {exc}") from exc
        store = cls(worker, db, cipher)
        try:
            await store._write_on_thread(_migrate)
            store._loop_side = LoopConnection.open(path, store._hand_over, worker.has_writes)
        except sqlite3.Error as exc:
            await store.close_store()
            raise StorageError(f"cannot open the database at {path}: {exc}") from exc
        except BaseException:
            await store.close_store()
            raise
        return store

    async def close_store(self) -> None:
        """Close the database; closing twice is harmless, and any call after it fails."""
        if self._worker.stopped:
            return
        if self._loop_side is not None:
            self._loop_side.close()
        if self._checkpoints:
            await asyncio.wait(set(self._checkpoints))
        await self._worker.call(self._db.close)
        await self._worker.stop()

    # -- plumbing --------------------------------------------------------------------

    async def _write(self, body: Body[T]) -> T:
        """`body` in a write transaction, committed before this returns: on the loop when
        the write lock is free (a small change, grouped with the others made in the same
        turn of the loop), else on the worker.

        While the worker has writes queued, new ones queue behind them: changes commit
        in the order they were asked for, and the worker is never kept from the lock by
        the loop's groups."""
        self._worker.refuse_when_stopped()
        loop_side = self._loop_side
        if loop_side is not None and not self._worker.writing:
            stored = loop_side.write(body)
            if not isinstance(stored, NotNow):
                result = await stored
                self._after_loop_commit()
                return result
        return await self._worker.transact(self._db, body)

    def _hand_over(self, changes: list[Change]) -> None:
        """Changes the loop could not make (the lock is held elsewhere): to the worker,
        in order, each caller still awaiting its own future."""
        for body, future in changes:
            try:
                done = self._worker.submit(self._db, body)
            except StorageError as exc:
                future.set_exception(exc)
                continue
            done.add_done_callback(_passing_on(future))

    async def _write_on_thread(self, body: Body[T]) -> T:
        """A change that may touch many rows (a purge, a migration): never on the loop."""
        return await self._worker.transact(self._db, body)

    async def _change(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One statement in its own change; the number of rows it changed."""
        return await self._write(lambda db: db.execute(sql, params).rowcount)

    async def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """A read that may scan: on the worker."""
        db = self._db

        def read() -> list[sqlite3.Row]:
            try:
                return db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StorageError(f"read failed: {exc}") from exc

        return await self._worker.call(read)

    async def _lookup(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """An indexed read of a few rows: on the loop when it cannot wait, else on the
        worker like any other read."""
        self._worker.refuse_when_stopped()
        if self._loop_side is not None:
            rows = self._loop_side.rows(sql, params)
            if not isinstance(rows, NotNow):
                await self._pace()
                return rows
        return await self._read(sql, params)

    async def _pace(self) -> None:
        """A lookup answered on the loop does not suspend its caller, as one answered by
        the worker does (a change does: it waits for its group's COMMIT); a task making
        lookup after lookup with nothing else to wait for (a care round over many
        check-ins) would keep every other task waiting. So the loop is let go once the
        task's turn has lasted `YIELD_EVERY_S`. A turn is timed from the task's first
        store call in it; lookups alone rarely reach it, and each extra turn of the loop
        costs more than a lookup."""
        task = asyncio.current_task()
        now = time.monotonic()
        if task is not self._turn_task:
            self._turn_task, self._turn_started = task, now  # another task's turn began
            return
        if now - self._turn_started >= YIELD_EVERY_S:
            await asyncio.sleep(0)
            self._turn_task, self._turn_started = task, time.monotonic()

    def _after_loop_commit(self) -> None:
        """The loop's commits only append to the WAL; every so many commits, the worker copies it
        into the database (a PASSIVE checkpoint waits for nobody and nobody waits for it)."""
        assert self._loop_side is not None
        if self._loop_side.commits < CHECKPOINT_EVERY:
            return
        self._loop_side.commits = 0
        task = asyncio.ensure_future(self._worker.call(self._checkpoint))
        self._checkpoints.add(task)
        task.add_done_callback(self._checkpoint_done)

    def _checkpoint(self) -> None:
        self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _checkpoint_done(self, task: asyncio.Task[None]) -> None:
        self._checkpoints.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("a WAL checkpoint failed; the next one retries: %s", task.exception())

    # -- practice --------------------------------------------------------------------

    async def save_run(self, run: PracticeRun) -> None:
        await self.save_runs([run])

    async def save_runs(
        self, runs: Sequence[PracticeRun], counts: Sequence[tuple[str, str]] = ()
    ) -> None:
        rows = [_run_row(run) for run in runs]

        def body(db: sqlite3.Connection) -> None:
            db.executemany(_SAVE_RUN, rows)

        def one(db: sqlite3.Connection) -> None:
            db.execute(_SAVE_RUN, rows[0])

        # One row is one statement (no savepoint needed); the counters are written once
        # for the whole group (`bot.storage.group`).
        single = len(rows) == 1
        change = Counted(one if single else body, counts, _add_counts, single=single)
        self._runs.changing()
        try:
            await self._write(change)
        except BaseException:
            self._runs.forget(runs)
            raise
        self._runs.saved(runs)

    async def get_run(self, run_id: str) -> PracticeRun | None:
        self._worker.refuse_when_stopped()
        cached = self._runs.run(run_id)
        if not isinstance(cached, Miss):
            return cached
        since = self._runs.version
        rows = await self._lookup("SELECT * FROM runs WHERE id = ?", (run_id,))
        run = _run(rows[0]) if rows else None
        self._runs.looked_up(run, since)
        return run

    async def active_run(self, member: str) -> PracticeRun | None:
        self._worker.refuse_when_stopped()
        cached = self._runs.active(member)
        if not isinstance(cached, Miss):
            return cached
        since = self._runs.version
        # All of them (normally one), so that the cache knows when there are none left.
        rows = await self._lookup(
            "SELECT * FROM runs WHERE member = ? AND status = 'active' ORDER BY updated_at DESC",
            (member,),
        )
        runs = [_run(row) for row in rows]
        self._runs.looked_up_active(member, runs, since)
        return runs[0] if runs else None

    async def member_runs(self, member: str) -> list[PracticeRun]:
        rows = await self._read(
            "SELECT * FROM runs WHERE member = ? ORDER BY started_at", (member,)
        )
        return [_run(r) for r in rows]

    async def delete_member_runs(self, member: str) -> int:
        self._runs.changing()
        try:
            return await self._change("DELETE FROM runs WHERE member = ?", (member,))
        finally:
            self._runs.clear()  # rare (a member's own request): not worth finding theirs

    # -- stats -----------------------------------------------------------------------

    async def bump(self, metric: str, key: str, by: int = 1) -> None:
        await self._change(_BUMP, (metric, key, by))

    async def counts(self, metric: str) -> Mapping[str, int]:
        rows = await self._read("SELECT key, count FROM counters WHERE metric = ?", (metric,))
        return {r["key"]: r["count"] for r in rows}

    # -- check-ins -------------------------------------------------------------------

    async def save_draft(self, checkin: CheckIn) -> None:
        await self._change(
            "INSERT INTO checkins (id, platform, member_fp, member_enc, pseudonym, category,"
            " urgency, anonymous, text_enc, crisis, locale, status, created_at, region)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                checkin.id,
                checkin.platform,
                self._fp(checkin.member),
                self._encrypt_member(checkin),
                checkin.pseudonym,
                checkin.category,
                checkin.urgency,
                int(checkin.anonymous),
                self._cipher.encrypt(checkin.text),
                int(checkin.crisis),
                checkin.locale,
                checkin.status.value,
                _ts(checkin.created_at),
                checkin.region,
            ),
        )

    async def get_checkin(self, checkin_id: str) -> CheckIn | None:
        rows = await self._lookup("SELECT * FROM checkins WHERE id = ?", (checkin_id,))
        return self._checkin(rows[0]) if rows else None

    async def purge_draft(self, checkin_id: str) -> bool:
        changed = await self._change(
            "DELETE FROM checkins WHERE id = ? AND status = 'draft'", (checkin_id,)
        )
        return changed == 1

    async def open_checkin(
        self,
        checkin_id: str,
        member: str,
        at: datetime,
        outbox: Callable[[CheckIn], list[OutboxItem]],
    ) -> Opening:
        fp = self._fp(member)

        def body(db: sqlite3.Connection) -> Opening:
            row = db.execute(
                "SELECT * FROM checkins WHERE id = ? AND member_fp = ?", (checkin_id, fp)
            ).fetchone()
            if row is None:
                return Opening(None, False, False)
            checkin = self._checkin(row)
            on_duty = (
                db.execute(
                    "SELECT 1 FROM volunteers WHERE platform = ? AND available = 1 LIMIT 1",
                    (checkin.platform,),
                ).fetchone()
                is not None
            )
            if checkin.status is not CheckinStatus.DRAFT:
                return Opening(checkin, False, on_duty)
            opened = replace(checkin, status=CheckinStatus.OPEN, opened_at=at)
            rows = self._outbox_rows(outbox(opened))
            db.execute(
                "UPDATE checkins SET status = 'open', opened_at = ? WHERE id = ?",
                (_ts(at), checkin_id),
            )
            _insert_outbox(db, rows)
            return Opening(opened, True, on_duty)

        # The read, the change and the answer in one transaction: one hop, one commit.
        return await self._write(body)

    async def active_checkin(self, member: str) -> CheckIn | None:
        rows = await self._lookup(_ACTIVE_CHECKIN, (self._fp(member),))
        return self._checkin(rows[0]) if rows else None

    async def last_closed_at(self, member: str) -> datetime | None:
        rows = await self._lookup(_LAST_CLOSED, (self._fp(member),))
        return _dt(rows[0]["at"]) if rows else None

    async def opening_state(self, member: str) -> OpeningState:
        fp = (self._fp(member),)
        # The desk asks this on every /checkin and every form: three indexed lookups.
        blocks = await self._lookup("SELECT until FROM blocks WHERE member_fp = ?", fp)
        actives = await self._lookup(_ACTIVE_CHECKIN, fp)
        closings = await self._lookup(_LAST_CLOSED, fp)
        return OpeningState(
            blocked_until=_dt(blocks[0]["until"]) if blocks else None,
            active=self._checkin(actives[0]) if actives else None,
            last_closed_at=_dt(closings[0]["at"]) if closings else None,
        )

    async def claim(
        self,
        checkin_id: str,
        volunteer: tuple[str, str, str],
        at: datetime,
        outbox: list[OutboxItem],
        audit: AuditEntry,
    ) -> bool:
        key, user_id, name = volunteer
        rows = self._outbox_rows(outbox)

        def body(db: sqlite3.Connection) -> bool:
            cursor = db.execute(
                "UPDATE checkins SET status = 'claimed', claimed_at = ?, claimed_by = ?,"
                " claimed_by_user_id = ?, claimed_by_name = ? WHERE id = ? AND status = 'open'",
                (_ts(at), key, user_id, name, checkin_id),
            )
            if cursor.rowcount != 1:
                return False
            _insert_outbox(db, rows)
            _insert_audit(db, audit)
            return True

        return await self._write(body)

    async def active_claim(self, volunteer: str) -> CheckIn | None:
        rows = await self._lookup(
            "SELECT * FROM checkins WHERE claimed_by = ? AND status = 'claimed'"
            " ORDER BY claimed_at DESC LIMIT 1",
            (volunteer,),
        )
        return self._checkin(rows[0]) if rows else None

    async def close(
        self, checkin_id: str, by: str, at: datetime, outbox: list[OutboxItem], audit: AuditEntry
    ) -> bool:
        rows = self._outbox_rows(outbox)

        def body(db: sqlite3.Connection) -> bool:
            cursor = db.execute(
                "UPDATE checkins SET status = 'closed', closed_at = ?, closed_by = ?"
                " WHERE id = ? AND status IN ('open', 'claimed')",
                (_ts(at), by, checkin_id),
            )
            if cursor.rowcount != 1:
                return False
            db.execute(
                "DELETE FROM outbox WHERE checkin_id = ? AND purpose = 'relay'", (checkin_id,)
            )
            _insert_outbox(db, rows)
            _insert_audit(db, audit)
            return True

        return await self._write(body)

    async def rate(self, checkin_id: str, rating: int) -> bool:
        changed = await self._change(
            "UPDATE checkins SET rating = ? WHERE id = ? AND status = 'closed' AND rating IS NULL",
            (rating, checkin_id),
        )
        return changed == 1

    async def escalate(
        self, checkin_id: str, level: int, at: datetime, outbox: list[OutboxItem], audit: AuditEntry
    ) -> bool:
        rows = self._outbox_rows(outbox)

        def body(db: sqlite3.Connection) -> bool:
            cursor = db.execute(
                "UPDATE checkins SET escalation_level = ?, last_escalated_at = ?"
                " WHERE id = ? AND status = 'open' AND escalation_level < ?",
                (level, _ts(at), checkin_id, level),
            )
            if cursor.rowcount != 1:
                return False
            _insert_outbox(db, rows)
            _insert_audit(db, audit)
            return True

        return await self._write(body)

    async def unclaimed(self) -> list[CheckIn]:
        rows = await self._read(
            "SELECT * FROM checkins WHERE status = 'open' ORDER BY crisis DESC, opened_at, id"
        )
        return [self._checkin(r) for r in rows]

    async def set_card_ref(self, checkin_id: str, ref: str) -> None:
        await self._change("UPDATE checkins SET card_ref = ? WHERE id = ?", (ref, checkin_id))

    # -- outbox ----------------------------------------------------------------------

    def _outbox_rows(self, items: list[OutboxItem]) -> list[tuple[object, ...]]:
        """Rows for `_insert_outbox`, encrypted here on the loop before the hop."""
        return [
            (
                item.id,
                item.checkin_id,
                item.purpose,
                item.priority,
                self._cipher.encrypt(item.payload),
                item.attempts,
                _ts(item.next_attempt_at),
                _ts(item.created_at),
            )
            for item in items
        ]

    async def enqueue(self, items: list[OutboxItem]) -> None:
        rows = self._outbox_rows(items)
        await self._write(lambda db: _insert_outbox(db, rows))

    async def due_outbox(self, now: datetime, limit: int) -> list[OutboxItem]:
        rows = await self._read(
            "SELECT * FROM outbox WHERE next_attempt_at <= ?"
            " ORDER BY priority DESC, created_at, rowid LIMIT ?",
            (_ts(now), limit),
        )
        return [self._outbox_item(r) for r in rows]

    async def pending_outbox_count(self) -> int:
        rows = await self._read("SELECT COUNT(*) AS n FROM outbox")
        return int(rows[0]["n"])

    async def delivered(self, item_id: str) -> None:
        await self._change("DELETE FROM outbox WHERE id = ?", (item_id,))

    async def retry_later(self, item_id: str, attempts: int, at: datetime) -> None:
        await self._change(
            "UPDATE outbox SET attempts = ?, next_attempt_at = ? WHERE id = ?",
            (attempts, _ts(at), item_id),
        )

    # -- volunteers, blocks, audit ---------------------------------------------------

    async def set_availability(self, volunteer: str, platform: str, available: bool) -> None:
        await self._change(
            "INSERT INTO volunteers (volunteer, platform, available) VALUES (?,?,?)"
            " ON CONFLICT(volunteer) DO UPDATE SET available = excluded.available",
            (volunteer, platform, int(available)),
        )

    async def is_available(self, volunteer: str) -> bool:
        rows = await self._lookup(
            "SELECT available FROM volunteers WHERE volunteer = ?", (volunteer,)
        )
        return bool(rows and rows[0]["available"])

    async def available_volunteers(self, platform: str) -> list[str]:
        rows = await self._read(
            "SELECT volunteer FROM volunteers WHERE platform = ? AND available = 1 ORDER BY"
            " volunteer",
            (platform,),
        )
        return [r["volunteer"] for r in rows]

    async def block(self, member: str, until: datetime) -> None:
        await self._change(
            "INSERT INTO blocks (member_fp, until) VALUES (?,?)"
            " ON CONFLICT(member_fp) DO UPDATE SET until = excluded.until",
            (self._fp(member), _ts(until)),
        )

    async def blocked_until(self, member: str) -> datetime | None:
        rows = await self._lookup(
            "SELECT until FROM blocks WHERE member_fp = ?", (self._fp(member),)
        )
        return _dt(rows[0]["until"]) if rows else None

    async def audit_entries(self, limit: int) -> list[AuditEntry]:
        rows = await self._read("SELECT * FROM audit ORDER BY at DESC, seq DESC LIMIT ?", (limit,))
        return [
            AuditEntry(_req_dt(r["at"]), r["checkin_id"], r["pseudonym"], r["action"], r["by_name"])
            for r in rows
        ]

    async def checkin_figures(self) -> list[CheckinFigures]:
        rows = await self._read(
            "SELECT opened_at, claimed_at, closed_at, rating FROM checkins WHERE status != 'draft'"
        )
        return [
            CheckinFigures(
                _dt(r["opened_at"]), _dt(r["claimed_at"]), _dt(r["closed_at"]), r["rating"]
            )
            for r in rows
        ]

    async def purge(self, closed_before: datetime, drafts_before: datetime) -> int:
        def body(db: sqlite3.Connection) -> int:
            drafts = db.execute(
                "DELETE FROM checkins WHERE status = 'draft' AND created_at < ?",
                (_ts(drafts_before),),
            )
            closed = db.execute(
                "UPDATE checkins SET member_fp = '', member_enc = '', text_enc = '', region = ''"
                " WHERE status = 'closed' AND closed_at < ? AND member_fp != ''",
                (_ts(closed_before),),
            )
            return drafts.rowcount + closed.rowcount

        return await self._write_on_thread(body)

    async def member_checkins(self, member: str) -> list[CheckIn]:
        rows = await self._read(
            "SELECT * FROM checkins WHERE member_fp = ? ORDER BY created_at", (self._fp(member),)
        )
        return [self._checkin(r) for r in rows]

    async def forget_member(self, member: str) -> int:
        fp = self._fp(member)

        def body(db: sqlite3.Connection) -> int:
            db.execute(
                "DELETE FROM outbox WHERE purpose = 'relay' AND checkin_id IN"
                " (SELECT id FROM checkins WHERE member_fp = ?)",
                (fp,),
            )
            cursor = db.execute(
                "UPDATE checkins SET member_fp = '', member_enc = '', text_enc = '', region = ''"
                " WHERE member_fp = ?",
                (fp,),
            )
            return cursor.rowcount

        return await self._write_on_thread(body)

    # -- handover and idle close (issue 18.4) ----------------------------------------

    async def requeue(
        self,
        checkin_id: str,
        claimed_by: str,
        at: datetime,
        outbox: list[OutboxItem],
        audit: AuditEntry,
    ) -> bool:
        rows = self._outbox_rows(outbox)

        def body(db: sqlite3.Connection) -> bool:
            # The claim cleared; escalation counts again from now.
            cursor = db.execute(
                "UPDATE checkins SET status = 'open', claimed_at = NULL, claimed_by = '',"
                " claimed_by_user_id = '', claimed_by_name = '', escalation_level = 0,"
                " last_escalated_at = ?, last_activity_at = NULL, idle_reminded_at = NULL"
                " WHERE id = ? AND status = 'claimed' AND claimed_by = ?",
                (_ts(at), checkin_id, claimed_by),
            )
            if cursor.rowcount != 1:
                return False
            _insert_outbox(db, rows)
            _insert_audit(db, audit)
            return True

        return await self._write(body)

    async def relay(self, checkin_id: str, items: list[OutboxItem], at: datetime) -> None:
        rows = self._outbox_rows(items)

        def body(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE checkins SET last_activity_at = ?, idle_reminded_at = NULL WHERE id = ?",
                (_ts(at), checkin_id),
            )
            _insert_outbox(db, rows)

        await self._write(body)

    async def idle_claimed(self, quiet_since: datetime) -> list[CheckIn]:
        rows = await self._read(
            "SELECT * FROM checkins WHERE status = 'claimed'"
            " AND COALESCE(last_activity_at, claimed_at) < ?"
            " ORDER BY COALESCE(last_activity_at, claimed_at), id",
            (_ts(quiet_since),),
        )
        return [self._checkin(r) for r in rows]

    async def remind_idle(
        self, checkin_id: str, at: datetime, outbox: list[OutboxItem], audit: AuditEntry
    ) -> bool:
        rows = self._outbox_rows(outbox)

        def body(db: sqlite3.Connection) -> bool:
            cursor = db.execute(
                "UPDATE checkins SET idle_reminded_at = ?"
                " WHERE id = ? AND status = 'claimed' AND idle_reminded_at IS NULL",
                (_ts(at), checkin_id),
            )
            if cursor.rowcount != 1:
                return False
            _insert_outbox(db, rows)
            _insert_audit(db, audit)
            return True

        return await self._write(body)

    async def close_idle(
        self,
        checkin_id: str,
        quiet_since: datetime,
        at: datetime,
        outbox: list[OutboxItem],
        audit: AuditEntry,
    ) -> bool:
        rows = self._outbox_rows(outbox)

        def body(db: sqlite3.Connection) -> bool:
            cursor = db.execute(
                "UPDATE checkins SET status = 'closed', closed_at = ?, closed_by = 'system'"
                " WHERE id = ? AND status = 'claimed'"
                " AND COALESCE(last_activity_at, claimed_at) < ?",
                (_ts(at), checkin_id, _ts(quiet_since)),
            )
            if cursor.rowcount != 1:
                return False
            db.execute(
                "DELETE FROM outbox WHERE checkin_id = ? AND purpose = 'relay'", (checkin_id,)
            )
            _insert_outbox(db, rows)
            _insert_audit(db, audit)
            return True

        return await self._write(body)

    async def set_volunteer_anonymous(self, volunteer: str, platform: str, anonymous: bool) -> None:
        await self._change(
            "INSERT INTO volunteers (volunteer, platform, available, anonymous) VALUES (?,?,0,?)"
            " ON CONFLICT(volunteer) DO UPDATE SET anonymous = excluded.anonymous",
            (volunteer, platform, int(anonymous)),
        )

    async def volunteer_anonymous(self, volunteer: str) -> bool:
        rows = await self._lookup(
            "SELECT anonymous FROM volunteers WHERE volunteer = ?", (volunteer,)
        )
        return bool(rows and rows[0]["anonymous"])

    # -- group practice (issue 21.1) ---------------------------------------------------
    # Tables group_sessions and group_votes (migration 5). A vote's row holds a keyed
    # fingerprint of session and voter, and lives until its step is revealed.

    async def create_group(self, session: GroupSession) -> None:
        await self._change(
            "INSERT INTO group_sessions (id, scenario_id, locale, starter, step_id, number,"
            " path, status, tied, started_at, active_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            _group_row(session),
        )

    async def get_group(self, session_id: str) -> GroupSession | None:
        rows = await self._lookup("SELECT * FROM group_sessions WHERE id = ?", (session_id,))
        return _group_session(rows[0]) if rows else None

    async def cast_vote(
        self, session_id: str, number: int, voter: str, choice: int, at: datetime
    ) -> int | None:
        voter_fp = self._fp(f"group:{session_id}:{voter}")

        def body(db: sqlite3.Connection) -> int | None:
            cursor = db.execute(
                "UPDATE group_sessions SET active_at = ?"
                " WHERE id = ? AND status = 'voting' AND number = ?",
                (_ts(at), session_id, number),
            )
            if cursor.rowcount != 1:
                return None
            db.execute(
                "INSERT INTO group_votes (session_id, number, voter_fp, choice)"
                " VALUES (?,?,?,?) ON CONFLICT (session_id, number, voter_fp)"
                " DO UPDATE SET choice = excluded.choice",
                (session_id, number, voter_fp, choice),
            )
            row = db.execute(
                "SELECT COUNT(*) AS n FROM group_votes WHERE session_id = ? AND number = ?",
                (session_id, number),
            ).fetchone()
            return int(row["n"])

        return await self._write(body)

    async def group_tally(self, session_id: str, number: int) -> dict[int, int]:
        rows = await self._lookup(
            "SELECT choice, COUNT(*) AS n FROM group_votes"
            " WHERE session_id = ? AND number = ? GROUP BY choice",
            (session_id, number),
        )
        return {int(r["choice"]): int(r["n"]) for r in rows}

    async def update_group(
        self,
        session: GroupSession,
        expected_status: GroupStatus,
        expected_number: int,
        counts: Sequence[tuple[str, str, int]] = (),
    ) -> bool:
        row = _group_row(session)
        # Votes of earlier steps go; every vote goes once the session is over.
        keep_from = session.number if session.is_open else 2**31

        def body(db: sqlite3.Connection) -> bool:
            cursor = db.execute(
                "UPDATE group_sessions SET starter = ?, step_id = ?, number = ?, path = ?,"
                " status = ?, tied = ?, active_at = ? WHERE id = ? AND status = ? AND number = ?",
                (*row[3:9], row[10], session.id, expected_status.value, expected_number),
            )
            if cursor.rowcount != 1:
                return False
            db.execute(
                "DELETE FROM group_votes WHERE session_id = ? AND number < ?",
                (session.id, keep_from),
            )
            _add_counts(db, counts)
            return True

        return await self._write(body)

    async def idle_groups(self, quiet_since: datetime) -> list[GroupSession]:
        rows = await self._read(
            "SELECT * FROM group_sessions WHERE status IN ('waiting', 'voting', 'tied')"
            " AND active_at <= ? ORDER BY active_at, id",
            (_ts(quiet_since),),
        )
        return [_group_session(r) for r in rows]

    # -- end of group practice (issue 21.1) --------------------------------------------

    # -- row mapping -----------------------------------------------------------------

    def _fp(self, member: str) -> str:
        return self._cipher.fingerprint(member)

    def _encrypt_member(self, checkin: CheckIn) -> str:
        identity = json.dumps([checkin.member, checkin.member_user_id, checkin.member_name])
        return self._cipher.encrypt(identity)

    def _checkin(self, row: sqlite3.Row) -> CheckIn:
        identity = self._cipher.decrypt(row["member_enc"])
        member, user_id, name = json.loads(identity) if identity else ("", "", "")
        return CheckIn(
            id=row["id"],
            platform=row["platform"],
            member=member,
            member_user_id=user_id,
            member_name=name,
            pseudonym=row["pseudonym"],
            category=row["category"],
            urgency=row["urgency"],
            anonymous=bool(row["anonymous"]),
            text=self._cipher.decrypt(row["text_enc"]),
            crisis=bool(row["crisis"]),
            locale=row["locale"],
            status=CheckinStatus(row["status"]),
            created_at=_req_dt(row["created_at"]),
            opened_at=_dt(row["opened_at"]),
            claimed_at=_dt(row["claimed_at"]),
            claimed_by=row["claimed_by"],
            claimed_by_user_id=row["claimed_by_user_id"],
            claimed_by_name=row["claimed_by_name"],
            closed_at=_dt(row["closed_at"]),
            closed_by=row["closed_by"],
            rating=row["rating"],
            escalation_level=row["escalation_level"],
            last_escalated_at=_dt(row["last_escalated_at"]),
            card_ref=row["card_ref"],
            last_activity_at=_dt(row["last_activity_at"]),
            idle_reminded_at=_dt(row["idle_reminded_at"]),
            region=row["region"],
        )

    def _outbox_item(self, row: sqlite3.Row) -> OutboxItem:
        return OutboxItem(
            id=row["id"],
            checkin_id=row["checkin_id"],
            purpose=row["purpose"],
            priority=row["priority"],
            payload=self._cipher.decrypt(row["payload_enc"]),
            attempts=row["attempts"],
            next_attempt_at=_req_dt(row["next_attempt_at"]),
            created_at=_req_dt(row["created_at"]),
        )


def _transaction(db: sqlite3.Connection, body: Body[T]) -> T:
    """On the worker: BEGIN IMMEDIATE takes the write lock up front, so a busy database
    waits (busy_timeout) instead of failing half-way through; then commit or roll back."""
    _begin(db)
    try:
        result = body(db)
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    try:
        db.execute("COMMIT")
    except sqlite3.Error as exc:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise StorageError(f"commit failed: {exc}") from exc
    return result


def _begin(db: sqlite3.Connection) -> None:
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        log.error("database is busy; the change was not made: %s", exc)
        raise StorageError(f"database busy: {exc}") from exc


def _migrate(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = db.execute("SELECT MAX(version) AS v FROM schema_version").fetchone()
    current = row["v"] if row and row["v"] is not None else 0
    for version, script in enumerate(MIGRATIONS, start=1):
        if version <= current:
            continue
        for statement in _statements(script):
            db.execute(statement)
        db.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
        log.info("database migrated to version %d", version)


def _insert_outbox(db: sqlite3.Connection, rows: list[tuple[object, ...]]) -> None:
    db.executemany(
        "INSERT INTO outbox (id, checkin_id, purpose, priority, payload_enc, attempts,"
        " next_attempt_at, created_at) VALUES (?,?,?,?,?,?,?,?)",
        rows,
    )


def _insert_audit(db: sqlite3.Connection, entry: AuditEntry) -> None:
    db.execute(
        "INSERT INTO audit (at, checkin_id, pseudonym, action, by_name) VALUES (?,?,?,?,?)",
        (_ts(entry.at), entry.checkin_id, entry.pseudonym, entry.action, entry.by),
    )


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _add_counts(db: sqlite3.Connection, rows: Iterable[tuple[str, str, int]]) -> None:
    db.executemany(_BUMP, rows)


def _ts(value: datetime) -> str:
    return value.isoformat()


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _req_dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _run_row(run: PracticeRun) -> tuple[object, ...]:
    return (
        run.id,
        run.member,
        run.scenario_id,
        run.locale,
        run.step_id,
        _moves_json(run.moves),
        run.status.value,
        _ts(run.started_at),
        _ts(run.updated_at),
    )


def _moves_json(moves: tuple[Move, ...]) -> str:
    return json.dumps([[m.step_id, m.choice_index, m.tactic.value] for m in moves])


def _run(row: sqlite3.Row) -> PracticeRun:
    moves = tuple(Move(s, int(i), Tactic(t)) for s, i, t in json.loads(row["moves"]))
    return PracticeRun(
        id=row["id"],
        member=row["member"],
        scenario_id=row["scenario_id"],
        locale=row["locale"],
        step_id=row["step_id"],
        moves=moves,
        status=RunStatus(row["status"]),
        started_at=_req_dt(row["started_at"]),
        updated_at=_req_dt(row["updated_at"]),
    )


# -- group practice (issue 21.1): row mapping ------------------------------------------


def _group_row(session: GroupSession) -> tuple[object, ...]:
    path = [[m.step_id, m.choice_index, m.tactic.value, list(m.votes)] for m in session.path]
    return (
        session.id,
        session.scenario_id,
        session.locale,
        session.starter,
        session.step_id,
        session.number,
        json.dumps(path),
        session.status.value,
        json.dumps(list(session.tied)),
        _ts(session.started_at),
        _ts(session.active_at),
    )


def _group_session(row: sqlite3.Row) -> GroupSession:
    path = tuple(
        GroupMove(s, int(i), Tactic(t), tuple(int(v) for v in votes))
        for s, i, t, votes in json.loads(row["path"])
    )
    return GroupSession(
        id=row["id"],
        scenario_id=row["scenario_id"],
        locale=row["locale"],
        starter=row["starter"],
        step_id=row["step_id"],
        number=int(row["number"]),
        path=path,
        status=GroupStatus(row["status"]),
        tied=tuple(int(i) for i in json.loads(row["tied"])),
        started_at=_req_dt(row["started_at"]),
        active_at=_req_dt(row["active_at"]),
    )
