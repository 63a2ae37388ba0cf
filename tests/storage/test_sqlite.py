"""What only the SQLite store has: WAL, private files, keys, a database that is busy."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from bot.core.errors import StorageError
from bot.core.models import CheckIn, CheckinStatus, OutboxItem, PracticeRun, RunStatus
from bot.core.ports import Stores
from bot.storage.crypto import KEY_FILE_NAME, Cipher, load_key, load_old_keys
from bot.storage.engine import make_engine, prepare_sqlite_file, sqlite_url
from bot.storage.migrations.legacy import FIRST_RELEASE_SCRIPTS, LEGACY_SCRIPTS
from bot.storage.sql import open_sql_store
from tests.storage.older_tokens import v2_token

WAIT = 10  # seconds: a broken store fails these tests instead of hanging them
KEY = Fernet.generate_key()  # the deployment's: a database opens only with its own key


async def open_store(path: Path, busy_ms: int | None = None) -> Stores:
    prepare_sqlite_file(path)
    return await open_sql_store(sqlite_url(path), Cipher(KEY), busy_ms=busy_ms)


async def test_wal_private_files_and_migrations_recorded_once(tmp_path: Path) -> None:
    path = tmp_path / "data" / "db.sqlite3"
    store = await open_store(path)
    await store.stats.bump("p", "tactic", "delay")
    wal = path.with_name(path.name + "-wal")
    assert wal.exists() and wal.stat().st_mode & 0o777 == 0o600, "SQLite's files too"
    await store.close_store()
    store = await open_store(path)  # opening again runs nothing twice
    await store.close_store()
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert path.stat().st_mode & 0o777 == 0o600
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        versions = db.execute("SELECT version_num FROM alembic_version").fetchall()
        assert versions == [("0012",)]


async def test_practice_runs_are_kept_under_the_fingerprint_not_the_id(tmp_path: Path) -> None:
    path = tmp_path / "data" / "db.sqlite3"
    store = await open_store(path)
    try:
        at = datetime(2026, 3, 1, tzinfo=UTC)
        run = PracticeRun(
            "r1", "discord:4242", "s1", "en", "start", (), RunStatus.ACTIVE, at, at, "discord"
        )
        await store.practice.save_run(run)
        assert await store.practice.active_run("discord:4242") == run
    finally:
        await store.close_store()
    with contextlib.closing(sqlite3.connect(path)) as db:
        [(member,)] = db.execute("SELECT member FROM runs").fetchall()
    assert "4242" not in member and len(member) == 32


async def test_every_connection_overwrites_what_it_deletes(tmp_path: Path) -> None:
    """secure_delete is set explicitly (issue 18.8): deleted words leave no free page."""
    path = tmp_path / "data" / "db.sqlite3"
    prepare_sqlite_file(path)
    engine = make_engine(sqlite_url(path))
    try:
        for _ in range(2):  # whichever connection the pool hands out
            async with engine.connect() as conn:
                assert (await conn.execute(text("PRAGMA secure_delete"))).scalar() == 1
    finally:
        await engine.dispose()


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
    with pytest.raises(StorageError, match="UPSTANDER_SECRET_KEY must be a Fernet key"):
        load_key("not-a-key", tmp_path)
    with pytest.raises(StorageError, match="each key in UPSTANDER_OLD_SECRET_KEYS must be"):
        load_old_keys(f"{Fernet.generate_key().decode()}, not-a-key")
    assert len(load_old_keys(f" {Fernet.generate_key().decode()} ,")) == 1


async def test_a_second_writer_holding_the_lock_makes_a_write_fail_cleanly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "db.sqlite3"
    # A short busy timeout keeps the test quick.
    store = await open_store(path, busy_ms=100)
    blocker = sqlite3.connect(path, timeout=0)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        with pytest.raises(StorageError, match="busy"):
            await store.stats.bump("p", "tactic", "delay")
        assert "database is busy" in caplog.text
        blocker.rollback()
        await store.stats.bump("p", "tactic", "delay")  # and it recovers once the lock is gone
        assert dict(await store.stats.counts("p", "tactic")) == {"delay": 1}
    finally:
        blocker.close()
        await store.close_store()


HERE = ("checkins", "c1", "text_enc")


async def test_wrong_key_cannot_read_text(tmp_path: Path) -> None:
    writer = Cipher(Fernet.generate_key())
    assert writer.open(writer.seal("hello", HERE), HERE) == "hello"
    with pytest.raises(StorageError, match="cannot be decrypted"):
        Cipher(Fernet.generate_key()).open(writer.seal("hello", HERE), HERE)
    assert writer.fingerprint("a") == writer.fingerprint("a") != writer.fingerprint("b")


def test_text_is_sealed_with_aes_gcm_and_older_tokens_still_open() -> None:
    key = Fernet.generate_key()
    cipher = Cipher(key)
    words = "Someone keeps making remarks about my accent. 🙁"
    sealed = cipher.seal(words, HERE)
    assert sealed.startswith("v3.") and words not in sealed
    assert cipher.seal(words, HERE) != sealed, "a fresh nonce every time"
    assert cipher.open(sealed, HERE) == words
    written_before = Fernet(key).encrypt(words.encode()).decode()  # an older database's
    assert cipher.open(written_before, HERE) == words
    assert cipher.open(v2_token(key, words), HERE) == words  # sealed without a place
    with pytest.raises(StorageError, match="cannot be decrypted"):
        Cipher(Fernet.generate_key()).open(sealed, HERE)
    tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises(StorageError, match="cannot be decrypted"):
        cipher.open(tampered, HERE)
    with pytest.raises(StorageError, match="cannot be decrypted"):
        cipher.open("v3.not base64!", HERE)


def test_a_sealed_value_opens_only_in_its_own_table_row_and_column() -> None:
    cipher = Cipher(Fernet.generate_key())
    sealed = cipher.seal("private words", HERE)
    for elsewhere in (
        ("checkins", "c2", "text_enc"),
        ("checkins", "c1", "member_enc"),
        ("outbox", "c1", "text_enc"),
    ):
        with pytest.raises(StorageError, match="cannot be decrypted"):
            cipher.open(sealed, elsewhere)


def test_old_keys_open_and_find_but_never_seal() -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    before = Cipher(old)
    sealed, fp = before.seal("words", HERE), before.fingerprint("m:1")
    rotating = Cipher(new, [old])
    assert rotating.open(sealed, HERE) == "words"
    assert rotating.fingerprints("m:1") == (Cipher(new).fingerprint("m:1"), fp)
    assert Cipher(new).open(rotating.seal("words", HERE), HERE) == "words"
    assert rotating.key_id == Cipher(new).key_id != before.key_id
    assert old.decode() not in rotating.key_id and new.decode() not in rotating.key_id


async def test_a_request_cancelled_mid_transaction_leaves_the_store_working(
    tmp_path: Path,
) -> None:
    # A platform may cancel a request's task at any moment (a timeout, a disconnect).
    store = await open_store(tmp_path / "db.sqlite3")
    try:
        for _ in range(5):
            task = asyncio.create_task(store.stats.bump("p", "tactic", "delay"))
            await asyncio.sleep(0)  # under way: its transaction has been asked for
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await store.stats.bump("p", "tactic", "direct")
        assert (await store.stats.counts("p", "tactic"))["direct"] == 1
    finally:
        await store.close_store()


@pytest.fixture
async def group_store(tmp_path: Path) -> AsyncIterator[tuple[Stores, Path]]:
    path = tmp_path / "db.sqlite3"
    store = await open_store(path)
    yield store, path
    await store.close_store()


async def test_concurrent_sends_are_each_committed_once(
    group_store: tuple[Stores, Path],
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
    store = await open_store(tmp_path / "db.sqlite3")
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


async def test_the_handover_migration_keeps_an_older_databases_checkins_and_volunteers(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for version, script in enumerate(LEGACY_SCRIPTS[:FIRST_RELEASE_SCRIPTS], start=1):
        db.executescript(script)
        db.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
    db.execute(
        "INSERT INTO checkins (id, platform, member_fp, member_enc, pseudonym, category,"
        " urgency, anonymous, text_enc, crisis, locale, status, created_at, opened_at,"
        " claimed_at, claimed_by) VALUES ('c1', 'p', '', '', 'Member 0001', 'other', 'today',"
        " 1, '', 0, 'en', 'claimed', ?, ?, ?, 'p:v')",
        ("2026-01-01T09:00:00+00:00",) * 3,
    )
    db.execute("INSERT INTO volunteers (volunteer, platform, available) VALUES ('p:v', 'p', 1)")
    db.commit()
    db.close()
    store = await open_store(path)
    try:
        [quiet] = await store.handover.idle_claimed(datetime(2026, 1, 2, tzinfo=UTC))
        assert quiet.id == "c1" and quiet.last_activity_at is None
        assert quiet.idle_reminded_at is None
        assert await store.volunteers.is_available("p:v")
        assert not await store.volunteers.volunteer_anonymous("p:v")
    finally:
        await store.close_store()


async def test_each_statement_is_one_call_into_aiosqlites_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read is one call to aiosqlite's thread and a one-statement change two (it and the
    commit): each call wakes a thread and then the event loop, which is what costs."""
    import aiosqlite

    store = await open_store(tmp_path / "data" / "db.sqlite3")
    calls: list[object] = []
    execute = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: object, *args: object) -> object:
        calls.append(fn)
        return await execute(self, fn, *args)  # type: ignore[no-untyped-call]

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    try:
        at = datetime(2026, 3, 1, tzinfo=UTC)
        run = PracticeRun(
            "r1", "discord:4242", "s1", "en", "start", (), RunStatus.ACTIVE, at, at, "discord"
        )
        await store.practice.save_run(run)
        calls.clear()
        assert await store.practice.active_run("discord:4242") == run
        assert len(calls) == 1, "a read: one call"
        calls.clear()
        await store.checkins.set_card_ref("nobody", "ref")
        assert len(calls) == 2, "a change of one statement: the statement and the commit"
    finally:
        await store.close_store()
