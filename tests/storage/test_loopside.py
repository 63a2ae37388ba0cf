"""Small store calls answered on the event loop: never waiting, never half-written."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.core.errors import StorageError
from bot.core.models import PracticeRun, RunStatus
from bot.storage.crypto import Cipher
from bot.storage.group import MAX_GROUP
from bot.storage.sqlite import CHECKPOINT_EVERY, SqliteStore

WAIT = 10  # seconds: a broken store fails these tests instead of hanging them
AT = datetime(2026, 3, 1, 9, tzinfo=UTC)


def _run(run_id: str, member: str, step: str = "start") -> PracticeRun:
    return PracticeRun(run_id, member, "lunch", "en", step, (), RunStatus.ACTIVE, AT, AT)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(
        tmp_path / "db.sqlite3", Cipher(Fernet.generate_key()), busy_timeout_ms=2000
    )
    yield opened
    await opened.close_store()


class _WorkerHeld:
    """Keeps the database thread busy, so that only the loop can answer meanwhile."""

    def __init__(self, store: SqliteStore) -> None:
        self._store = store
        self._gate = threading.Event()
        self._started = threading.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> None:
        def hold() -> None:
            self._started.set()
            self._gate.wait(WAIT)

        self._task = asyncio.create_task(self._store._worker.call(hold))
        await asyncio.to_thread(self._started.wait, WAIT)

    async def __aexit__(self, *exc: object) -> None:
        self._gate.set()
        assert self._task is not None
        await asyncio.wait_for(self._task, WAIT)


def _committed_counts(path: Path, *, database_file_only: bool = False) -> dict[str, int]:
    """What another connection sees; with `database_file_only`, what has been copied from
    the WAL into the database file itself (an immutable open ignores the WAL)."""
    uri = f"file:{path}?immutable=1" if database_file_only else f"file:{path}"
    other = sqlite3.connect(uri, uri=True)
    try:
        if not other.execute("SELECT 1 FROM sqlite_master WHERE name = 'counters'").fetchall():
            return {}  # not even the schema has been copied from the WAL yet
        return dict(other.execute("SELECT key, count FROM counters WHERE metric = 't'"))
    finally:
        other.close()


async def test_a_practice_step_is_read_and_written_while_the_worker_is_busy(
    store: SqliteStore, tmp_path: Path
) -> None:
    async with _WorkerHeld(store):
        await asyncio.wait_for(store.save_runs([_run("r1", "m1")], [("t", "started")]), 1)
        run = await asyncio.wait_for(store.get_run("r1"), 1)
        active = await asyncio.wait_for(store.active_run("m1"), 1)
    assert run == active == _run("r1", "m1")
    assert _committed_counts(tmp_path / "db.sqlite3") == {"started": 1}


async def test_a_write_lock_held_elsewhere_sends_the_change_to_the_worker_which_waits(
    store: SqliteStore, tmp_path: Path
) -> None:
    path = tmp_path / "db.sqlite3"
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        bump = asyncio.create_task(store.bump("t", "waited"))
        await asyncio.sleep(0.1)
        assert not bump.done(), "the change waits for the lock, on the worker"
        # Meanwhile a lookup is answered at once: a WAL reader waits for no writer.
        assert await asyncio.wait_for(store.get_run("nobody"), 1) is None
        other.execute("COMMIT")
        await asyncio.wait_for(bump, WAIT)
    finally:
        other.close()
    assert _committed_counts(path) == {"waited": 1}


async def test_a_lookup_sees_only_what_was_committed(store: SqliteStore, tmp_path: Path) -> None:
    await store.save_run(_run("r1", "m1", step="first"))
    other = sqlite3.connect(tmp_path / "db.sqlite3", timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE runs SET step_id = 'uncommitted' WHERE id = 'r1'")
        run = await asyncio.wait_for(store.get_run("r1"), 1)
        assert run is not None and run.step_id == "first"
        other.execute("ROLLBACK")
    finally:
        other.close()


async def test_a_change_that_fails_on_the_loop_leaves_nothing_half_written(
    store: SqliteStore, tmp_path: Path
) -> None:
    def half(db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO counters (metric, key, count) VALUES ('t', 'half', 1)")
        raise ValueError("failed after writing")

    async with _WorkerHeld(store):  # so that it can only have run on the loop
        with pytest.raises(ValueError, match="failed after writing"):
            await asyncio.wait_for(store._write(half), 1)
        await asyncio.wait_for(store.bump("t", "after"), 1)
    assert _committed_counts(tmp_path / "db.sqlite3") == {"after": 1}


async def test_commits_made_on_the_loop_are_checkpointed_by_the_worker(
    store: SqliteStore, tmp_path: Path
) -> None:
    path = tmp_path / "db.sqlite3"
    for _ in range(CHECKPOINT_EVERY - 1):
        await store.bump("t", "n")
    await asyncio.sleep(0.05)
    # The loop's connection never checkpoints: all of it is still only in the WAL.
    assert _committed_counts(path, database_file_only=True) == {}
    await store.bump("t", "n")
    await asyncio.wait_for(asyncio.gather(*store._checkpoints), WAIT)
    assert _committed_counts(path, database_file_only=True) == {"n": CHECKPOINT_EVERY}


async def test_a_group_of_changes_counts_once_towards_the_next_checkpoint(
    store: SqliteStore,
) -> None:
    assert store._loop_side is not None
    async with _WorkerHeld(store):
        await asyncio.wait_for(
            asyncio.gather(*(store.bump("t", f"k{n}") for n in range(CHECKPOINT_EVERY))), WAIT
        )
    # MAX_GROUP changes share a commit: a handful of commits, far from a checkpoint.
    assert 0 < store._loop_side.commits <= -(-CHECKPOINT_EVERY // MAX_GROUP)
    assert not store._checkpoints


async def test_a_store_used_from_another_threads_loop_is_answered_by_the_worker(
    store: SqliteStore,
) -> None:
    await store.save_run(_run("r1", "m1"))

    def elsewhere() -> PracticeRun | None:
        return asyncio.run(store.get_run("r1"))

    assert await asyncio.to_thread(elsewhere) == _run("r1", "m1")


async def test_a_task_making_store_call_after_store_call_lets_others_run(
    store: SqliteStore,
) -> None:
    # Calls answered on the loop do not suspend their caller; the store still lets the
    # loop go every few milliseconds of them.
    other_ran_after: list[int] = []
    calls = 0

    async def busy() -> None:
        nonlocal calls
        for _ in range(2000):  # bounded: without pacing this ends, and the test fails
            await store.bump("t", "busy")
            await store.get_run("r1")
            calls += 1

    async def other() -> None:
        other_ran_after.append(calls)

    busy_task = asyncio.create_task(busy())
    await asyncio.sleep(0)  # busy starts first
    await asyncio.wait_for(asyncio.gather(busy_task, asyncio.create_task(other())), WAIT)
    assert other_ran_after and other_ran_after[0] < 2000, "the other task waited for all"


async def test_small_calls_after_close_fail_at_once(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "db.sqlite3", Cipher(Fernet.generate_key()))
    await store.close_store()
    with pytest.raises(StorageError, match="closed"):
        await asyncio.wait_for(store.get_run("r1"), 1)
    with pytest.raises(StorageError, match="closed"):
        await asyncio.wait_for(store.save_run(_run("r1", "m1")), 1)


# -- group commit on the loop -------------------------------------------------------------


def _insert(key: str, *, then_fail: bool = False) -> Callable[[sqlite3.Connection], int]:
    def body(db: sqlite3.Connection) -> int:
        cursor = db.execute("INSERT INTO counters (metric, key, count) VALUES ('t', ?, 1)", [key])
        if then_fail:
            raise ValueError(f"{key} failed after writing")
        return int(cursor.lastrowid or 0)

    return body


def _commits_seen(store: SqliteStore) -> list[str]:
    """Every COMMIT the loop's connection runs from now on, as SQLite traces it."""
    assert store._loop_side is not None
    seen: list[str] = []
    store._loop_side._db.set_trace_callback(
        lambda sql: seen.append(sql) if sql.strip().upper() == "COMMIT" else None
    )
    return seen


async def test_changes_asked_for_in_one_turn_share_one_commit(
    store: SqliteStore, tmp_path: Path
) -> None:
    commits = _commits_seen(store)
    async with _WorkerHeld(store):  # so that they can only have been made on the loop
        await asyncio.wait_for(asyncio.gather(*(store.bump("t", f"k{n}") for n in range(20))), WAIT)
    assert len(commits) == 1
    assert _committed_counts(tmp_path / "db.sqlite3") == {f"k{n}": 1 for n in range(20)}


async def test_nobody_is_answered_before_the_commit_that_stores_their_change(
    store: SqliteStore, tmp_path: Path
) -> None:
    path = tmp_path / "db.sqlite3"
    seen_when_answered: list[dict[str, int]] = []

    async def bump_and_look(key: str) -> None:
        await store.bump("t", key)
        seen_when_answered.append(_committed_counts(path))

    await asyncio.wait_for(asyncio.gather(*(bump_and_look(k) for k in "abc")), WAIT)
    assert seen_when_answered == [{"a": 1, "b": 1, "c": 1}] * 3


async def test_a_change_that_fails_in_a_group_rolls_back_only_itself(
    store: SqliteStore, tmp_path: Path
) -> None:
    async with _WorkerHeld(store):
        a, b, c = await asyncio.wait_for(
            asyncio.gather(
                *(store._write(_insert(k, then_fail=k == "b")) for k in "abc"),
                return_exceptions=True,
            ),
            WAIT,
        )
    assert isinstance(b, ValueError) and "b failed" in str(b)
    assert isinstance(a, int) and isinstance(c, int)
    assert _committed_counts(tmp_path / "db.sqlite3") == {"a": 1, "c": 1}


async def test_a_group_whose_commit_fails_on_the_loop_tells_every_caller(
    store: SqliteStore, tmp_path: Path
) -> None:
    def schema(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        db.execute(
            "CREATE TABLE child (parent INTEGER REFERENCES parent(id)"
            " DEFERRABLE INITIALLY DEFERRED)"
        )

    await store._write_on_thread(schema)

    def orphan(db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO child VALUES (42)")  # refused only at COMMIT

    async with _WorkerHeld(store):
        answers = await asyncio.wait_for(
            asyncio.gather(
                store._write(_insert("a")),
                store._write(orphan),
                store._write(_insert("c")),
                return_exceptions=True,
            ),
            WAIT,
        )
        assert all(isinstance(x, StorageError) and "commit failed" in str(x) for x in answers)
        assert _committed_counts(tmp_path / "db.sqlite3") == {}
        await asyncio.wait_for(store.bump("t", "after"), WAIT)  # the loop goes on
    assert _committed_counts(tmp_path / "db.sqlite3") == {"after": 1}


async def test_a_lookup_makes_the_changes_queued_before_it(
    store: SqliteStore, tmp_path: Path
) -> None:
    path = tmp_path / "db.sqlite3"
    queued = asyncio.create_task(store.bump("t", "queued"))
    await asyncio.sleep(0)  # the bump is queued for the next turn
    assert _committed_counts(path) == {}
    assert await store.get_checkin("nobody") is None  # a lookup on the loop
    assert _committed_counts(path) == {"queued": 1}
    await asyncio.wait_for(queued, WAIT)


async def test_a_change_whose_caller_left_before_it_was_made_is_not_made(
    store: SqliteStore, tmp_path: Path
) -> None:
    left = asyncio.create_task(store.bump("t", "left"))
    stayed = asyncio.create_task(store.bump("t", "stayed"))
    await asyncio.sleep(0)  # both queued
    left.cancel()
    await asyncio.wait_for(asyncio.gather(left, stayed, return_exceptions=True), WAIT)
    assert _committed_counts(tmp_path / "db.sqlite3") == {"stayed": 1}


async def test_changes_queue_behind_the_threads_own_and_commit_in_order(
    store: SqliteStore, tmp_path: Path
) -> None:
    async with _WorkerHeld(store):
        first = asyncio.create_task(store._write_on_thread(_insert("first")))
        await asyncio.sleep(0.05)
        second = asyncio.create_task(store._write(_insert("second")))
        await asyncio.sleep(0.05)
        assert not second.done(), "the loop's change waits behind the thread's"
    ids = await asyncio.wait_for(asyncio.gather(first, second), WAIT)
    assert ids[0] < ids[1]


async def test_closing_makes_the_changes_still_queued(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = await SqliteStore.open(path, Cipher(Fernet.generate_key()))
    queued = asyncio.create_task(store.bump("t", "queued"))
    await asyncio.sleep(0)
    await store.close_store()
    await asyncio.wait_for(queued, WAIT)
    assert _committed_counts(path) == {"queued": 1}


def _statements_seen(store: SqliteStore) -> list[str]:
    """Every statement the loop's connection runs from now on, as SQLite traces it."""
    assert store._loop_side is not None
    seen: list[str] = []
    store._loop_side._db.set_trace_callback(lambda sql: seen.append(sql.strip().upper()))
    return seen


async def test_a_groups_counters_are_added_up_and_written_once(
    store: SqliteStore, tmp_path: Path
) -> None:
    seen = _statements_seen(store)
    async with _WorkerHeld(store):
        await asyncio.wait_for(
            asyncio.gather(
                *(
                    store.save_runs(
                        [_run(f"r{n}", f"m{n}")], [("t", "press"), ("t", f"odd{n % 2}")]
                    )
                    for n in range(20)
                )
            ),
            WAIT,
        )
    counter_rows = [sql for sql in seen if sql.startswith("INSERT INTO COUNTERS")]
    assert len(counter_rows) == 3, "one row per counter for the group, not two per press"
    assert _committed_counts(tmp_path / "db.sqlite3") == {"press": 20, "odd0": 10, "odd1": 10}
    # One run per change is one statement: SQLite undoes it alone, no savepoint needed.
    assert not [sql for sql in seen if sql.startswith("SAVEPOINT")]
    assert sum(1 for sql in seen if sql == "COMMIT") == 1


async def test_a_change_of_two_runs_still_has_a_savepoint_of_its_own(store: SqliteStore) -> None:
    seen = _statements_seen(store)
    async with _WorkerHeld(store):
        await asyncio.wait_for(store.save_runs([_run("r1", "m1"), _run("r2", "m1")]), WAIT)
    assert [sql for sql in seen if sql.startswith(("SAVEPOINT", "RELEASE"))] == [
        "SAVEPOINT CHANGE",
        "RELEASE CHANGE",
    ]


async def _refuse_run(store: SqliteStore, run_id: str) -> None:
    trigger = (
        f"CREATE TRIGGER refuse BEFORE INSERT ON runs WHEN NEW.id = '{run_id}'"
        " BEGIN SELECT RAISE(ABORT, 'refused'); END"
    )
    await store._write_on_thread(lambda db: db.execute(trigger))


async def test_a_refused_press_in_a_group_stores_neither_its_run_nor_its_counters(
    store: SqliteStore, tmp_path: Path
) -> None:
    await _refuse_run(store, "r1")
    async with _WorkerHeld(store):
        answers = await asyncio.wait_for(
            asyncio.gather(
                *(store.save_runs([_run(f"r{n}", f"m{n}")], [("t", f"k{n}")]) for n in range(3)),
                return_exceptions=True,
            ),
            WAIT,
        )
    assert answers[0] is None and answers[2] is None
    assert isinstance(answers[1], sqlite3.IntegrityError) and "refused" in str(answers[1])
    assert _committed_counts(tmp_path / "db.sqlite3") == {"k0": 1, "k2": 1}
    assert await store.get_run("r1") is None
    assert await store.get_run("r0") is not None and await store.get_run("r2") is not None


async def test_counters_that_cannot_be_written_fail_the_whole_group(
    store: SqliteStore, tmp_path: Path
) -> None:
    await store._write_on_thread(
        lambda db: db.execute(
            "CREATE TRIGGER full BEFORE INSERT ON counters WHEN NEW.key = 'boom'"
            " BEGIN SELECT RAISE(ABORT, 'no room'); END"
        )
    )
    async with _WorkerHeld(store):
        answers = await asyncio.wait_for(
            asyncio.gather(
                store.save_runs([_run("r0", "m0")], [("t", "fine")]),
                store.save_runs([_run("r1", "m1")], [("t", "boom")]),
                return_exceptions=True,
            ),
            WAIT,
        )
    assert all(isinstance(x, StorageError) for x in answers), "nobody is told it was stored"
    assert _committed_counts(tmp_path / "db.sqlite3") == {}
    assert await store.get_run("r0") is None and await store.get_run("r1") is None


async def test_presses_handed_to_the_worker_store_their_counters_too(
    store: SqliteStore, tmp_path: Path
) -> None:
    path = tmp_path / "db.sqlite3"
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        one = asyncio.create_task(store.save_runs([_run("r1", "m1")], [("t", "a"), ("t", "b")]))
        two = asyncio.create_task(store.save_runs([_run("r2", "m2")], [("t", "a")]))
        await asyncio.sleep(0.1)
        assert not one.done() and not two.done(), "both wait for the lock, on the worker"
        other.execute("COMMIT")
        await asyncio.wait_for(asyncio.gather(one, two), WAIT)
    finally:
        other.close()
    assert _committed_counts(path) == {"a": 2, "b": 1}
    assert await store.get_run("r1") is not None and await store.get_run("r2") is not None
