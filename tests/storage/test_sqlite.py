"""What only the SQLite store has: WAL, migrations, keys, a database that is busy."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import pytest
from cryptography.fernet import Fernet

from bot.core.errors import StorageError
from bot.core.models import CheckIn, CheckinStatus, OutboxItem
from bot.storage.crypto import KEY_FILE_NAME, Cipher, load_key
from bot.storage.migrations import MIGRATIONS
from bot.storage.sqlite import SqliteStore


async def test_wal_and_migrations_are_recorded_once(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    cipher = Cipher(Fernet.generate_key())
    store = await SqliteStore.open(path, cipher)
    await store.close_store()
    store = await SqliteStore.open(path, cipher)  # opening again runs nothing twice
    await store.close_store()
    async with aiosqlite.connect(path) as db:
        async with db.execute("PRAGMA journal_mode") as cur:
            assert (await cur.fetchone()) == ("wal",)
        async with db.execute("SELECT version FROM schema_version ORDER BY version") as cur:
            assert [r[0] for r in await cur.fetchall()] == list(range(1, len(MIGRATIONS) + 1))


def test_a_key_file_is_created_once_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    key = load_key(None, tmp_path)
    assert (tmp_path / KEY_FILE_NAME).stat().st_mode & 0o777 == 0o600
    assert "UPSTANDER_SECRET_KEY" in caplog.text
    assert load_key(None, tmp_path) == key
    env_key = Fernet.generate_key().decode()
    assert load_key(env_key, tmp_path) == env_key.encode()


def test_a_malformed_key_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="must be a Fernet key"):
        load_key("not-a-key", tmp_path)


async def test_a_second_writer_holding_the_lock_makes_a_write_fail_cleanly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "db.sqlite3"
    # A short busy timeout keeps the test quick.
    store = await SqliteStore.open(path, Cipher(Fernet.generate_key()), busy_timeout_ms=100)
    blocker = sqlite3.connect(path, timeout=0)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        with pytest.raises(StorageError, match="busy"):
            await store.stats.bump("tactic", "delay")
        assert "database is busy" in caplog.text
        blocker.rollback()
        await store.stats.bump("tactic", "delay")  # and it recovers once the lock is gone
        assert dict(await store.stats.counts("tactic")) == {"delay": 1}
    finally:
        blocker.close()
        await store.close_store()


async def test_wrong_key_cannot_read_text(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    writer = Cipher(Fernet.generate_key())
    assert writer.decrypt(writer.encrypt("hello")) == "hello"
    with pytest.raises(StorageError, match="cannot be decrypted"):
        Cipher(Fernet.generate_key()).decrypt(writer.encrypt("hello"))
    assert writer.fingerprint("a") == writer.fingerprint("a") != writer.fingerprint("b")
    del path


def test_text_is_sealed_with_aes_gcm_and_older_fernet_tokens_still_open() -> None:
    key = Fernet.generate_key()
    cipher = Cipher(key)
    words = "Someone keeps making remarks about my accent. 🙁"
    sealed = cipher.encrypt(words)
    assert sealed.startswith("v2.") and words not in sealed
    assert cipher.encrypt(words) != sealed, "a fresh nonce every time"
    assert cipher.decrypt(sealed) == words
    written_before = Fernet(key).encrypt(words.encode()).decode()  # an older database's
    assert cipher.decrypt(written_before) == words
    with pytest.raises(StorageError, match="cannot be decrypted"):
        Cipher(Fernet.generate_key()).decrypt(sealed)
    tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises(StorageError, match="cannot be decrypted"):
        cipher.decrypt(tampered)
    with pytest.raises(StorageError, match="cannot be decrypted"):
        cipher.decrypt("v2.not base64!")


async def test_a_request_cancelled_mid_transaction_leaves_the_store_working(
    tmp_path: Path,
) -> None:
    # A platform may cancel a request's task at any moment (a timeout, a disconnect).
    store = await SqliteStore.open(tmp_path / "db.sqlite3", Cipher(Fernet.generate_key()))
    try:
        for _ in range(5):
            task = asyncio.create_task(store.stats.bump("tactic", "delay"))
            await asyncio.sleep(0)  # under way: its transaction has been asked for
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await store.stats.bump("tactic", "direct")
        assert (await store.stats.counts("tactic"))["direct"] == 1
    finally:
        await store.close_store()


# -- group commit: write transactions queued while the worker is busy share one COMMIT --
# (the worker's path: a change the loop cannot make at once, and every big one)


WAIT = 10  # seconds: a broken worker fails these tests instead of hanging them


class _Held:
    """Keeps the store's worker busy until released, so that writes queue up behind it."""

    def __init__(self, store: SqliteStore) -> None:
        self._gate = threading.Event()
        self._started = threading.Event()
        self._store = store
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> _Held:
        def hold() -> None:
            self._started.set()
            self._gate.wait(10)

        self.task = asyncio.create_task(self._store._worker.call(hold))
        await asyncio.to_thread(self._started.wait, 10)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._gate.set()
        assert self.task is not None
        await asyncio.wait_for(self.task, WAIT)


async def _until_queued(store: SqliteStore, count: int) -> None:
    """Wait, turn by turn, until `count` calls are queued behind the held worker."""
    for _ in range(10_000):
        if store._worker._jobs.qsize() >= count:
            return
        await asyncio.sleep(0)  # one loop turn: lets the tasks above make their calls
    raise AssertionError(f"{count} calls never queued")


def _insert(value: str, *, then_fail: bool = False) -> Callable[[sqlite3.Connection], int]:
    def body(db: sqlite3.Connection) -> int:
        cursor = db.execute("INSERT INTO counters (metric, key, count) VALUES ('t', ?, 1)", [value])
        if then_fail:
            raise ValueError(f"{value} failed after writing")
        return int(cursor.lastrowid or 0)

    return body


def _committed(path: Path) -> list[str]:
    """What another connection sees: only what was committed."""
    other = sqlite3.connect(path)
    try:
        return [r[0] for r in other.execute("SELECT key FROM counters ORDER BY key")]
    finally:
        other.close()


@pytest.fixture
async def group_store(tmp_path: Path) -> AsyncIterator[tuple[SqliteStore, Path]]:
    path = tmp_path / "db.sqlite3"
    store = await SqliteStore.open(path, Cipher(Fernet.generate_key()))
    yield store, path
    await store.close_store()


async def test_a_failed_write_in_a_group_rolls_back_only_its_own_changes(
    group_store: tuple[SqliteStore, Path],
) -> None:
    store, path = group_store
    async with _Held(store):
        writes = [
            asyncio.create_task(store._write_on_thread(_insert(v, then_fail=v == "b")))
            for v in ("a", "b", "c")
        ]
        await _until_queued(store, 3)
        assert not any(w.done() for w in writes), "nothing answered before the commit"
    a, b, c = await asyncio.wait_for(asyncio.gather(*writes, return_exceptions=True), WAIT)
    assert isinstance(b, ValueError) and "b failed" in str(b)
    assert isinstance(a, int) and isinstance(c, int)
    assert _committed(path) == ["a", "c"]


async def test_a_group_whose_commit_fails_tells_every_caller_nothing_was_stored(
    group_store: tuple[SqliteStore, Path],
) -> None:
    store, path = group_store

    def schema(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        db.execute(
            "CREATE TABLE child (parent INTEGER REFERENCES parent(id)"
            " DEFERRABLE INITIALLY DEFERRED)"
        )

    await store._write_on_thread(schema)

    def orphan(db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO child VALUES (42)")  # refused only at COMMIT

    async with _Held(store):
        writes = [
            asyncio.create_task(store._write_on_thread(_insert("a"))),
            asyncio.create_task(store._write_on_thread(orphan)),
            asyncio.create_task(store._write_on_thread(_insert("c"))),
        ]
        await _until_queued(store, 3)
    answers = await asyncio.wait_for(asyncio.gather(*writes, return_exceptions=True), WAIT)
    assert all(isinstance(x, StorageError) and "commit failed" in str(x) for x in answers)
    assert _committed(path) == []
    await store.stats.bump("t", "after")  # the connection is out of the failed transaction
    assert _committed(path) == ["after"]


async def test_a_read_queued_between_writes_sees_the_earlier_ones_committed(
    group_store: tuple[SqliteStore, Path],
) -> None:
    store, _ = group_store
    async with _Held(store):
        first = asyncio.create_task(store._write_on_thread(_insert("a")))
        read = asyncio.create_task(store.stats.counts("t"))
        later = asyncio.create_task(store._write_on_thread(_insert("b")))
        await _until_queued(store, 3)
    await asyncio.wait_for(asyncio.gather(first, later), WAIT)
    assert dict(await read) == {"a": 1}
    assert dict(await store.stats.counts("t")) == {"a": 1, "b": 1}


async def test_a_write_cancelled_while_queued_is_not_made(
    group_store: tuple[SqliteStore, Path],
) -> None:
    store, path = group_store
    async with _Held(store):
        writes = [asyncio.create_task(store._write_on_thread(_insert(v))) for v in ("a", "b", "c")]
        await _until_queued(store, 3)
        writes[1].cancel()
    await asyncio.wait_for(asyncio.gather(*writes, return_exceptions=True), WAIT)
    assert writes[1].cancelled()
    assert _committed(path) == ["a", "c"]


async def test_concurrent_sends_are_each_committed_once(
    group_store: tuple[SqliteStore, Path],
) -> None:
    store, _ = group_store
    drafts: list[CheckIn] = []
    for n in range(40):
        draft = CheckIn(
            f"c{n}", "p", f"p:{n}", str(n), "", f"Member {n:04}", "other", "today", True,
            "words", False, "en", CheckinStatus.DRAFT, datetime(2026, 3, 1, tzinfo=UTC),
        )  # fmt: skip
        await store.checkins.save_draft(draft)
        drafts.append(draft)
    at = datetime(2026, 3, 1, 9, tzinfo=UTC)

    def card(opened: CheckIn) -> list[OutboxItem]:
        return [OutboxItem(f"o-{opened.id}", opened.id, "card", 1, "{}", 0, at, at)]

    async def send(draft: CheckIn) -> bool:
        return (await store.checkins.open_checkin(draft.id, draft.member, at, card)).opened

    # Each member presses Send twice at once: exactly one of the two opens it.
    sends = [send(d) for d in drafts for _ in range(2)]
    results = await asyncio.wait_for(asyncio.gather(*sends), WAIT)
    assert sum(results) == 40
    assert await store.outbox.pending_outbox_count() == 40
    assert all(c.status is CheckinStatus.OPEN for c in await store.checkins.unclaimed())
    assert len(await store.checkins.unclaimed()) == 40


async def test_a_closed_store_refuses_calls_at_once_and_closes_twice_harmlessly(
    tmp_path: Path,
) -> None:
    store = await SqliteStore.open(tmp_path / "db.sqlite3", Cipher(Fernet.generate_key()))
    await store.close_store()
    # A request arriving after shutdown gets a clear error, not a wait that never ends.
    with pytest.raises(StorageError, match="closed"):
        await asyncio.wait_for(store.outbox.pending_outbox_count(), 2.0)
    with pytest.raises(StorageError, match="closed"):
        draft = CheckIn(
            "c1", "p", "p:1", "1", "", "Member 0001", "other", "today", True,
            "words", False, "en", CheckinStatus.DRAFT, datetime(2026, 3, 1, tzinfo=UTC),
        )  # fmt: skip
        await asyncio.wait_for(store.checkins.save_draft(draft), 2.0)
    await asyncio.wait_for(store.close_store(), 2.0)
