"""What only the SQLite store has: WAL, migrations, keys, a database that is busy."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from pathlib import Path

import aiosqlite
import pytest
from cryptography.fernet import Fernet

from bot.core.errors import StorageError
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
            await store.bump("tactic", "delay")
        assert "database is busy" in caplog.text
        blocker.rollback()
        await store.bump("tactic", "delay")  # and it recovers once the lock is gone
        assert dict(await store.counts("tactic")) == {"delay": 1}
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


async def test_a_request_cancelled_mid_transaction_leaves_the_store_working(
    tmp_path: Path,
) -> None:
    # A platform may cancel a request's task at any moment (a timeout, a disconnect).
    store = await SqliteStore.open(tmp_path / "db.sqlite3", Cipher(Fernet.generate_key()))
    try:
        for _ in range(5):
            task = asyncio.create_task(store.bump("tactic", "delay"))
            await asyncio.sleep(0)  # under way: its transaction has been asked for
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await store.bump("tactic", "direct")
        assert (await store.counts("tactic"))["direct"] == 1
    finally:
        await store.close_store()
