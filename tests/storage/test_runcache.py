"""The store's cache of practice runs answers as the database would, after every change."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.core.errors import StorageError
from bot.core.models import PracticeRun, RunStatus
from bot.storage.crypto import Cipher
from bot.storage.runcache import MISS, RunCache
from bot.storage.sqlite import SqliteStore

AT = datetime(2026, 3, 1, 9, tzinfo=UTC)


def _run(run_id: str, member: str = "m1", *, minutes: int = 0) -> PracticeRun:
    at = AT + timedelta(minutes=minutes)
    return PracticeRun(run_id, member, "lunch", "en", "start", (), RunStatus.ACTIVE, at, at)


def _finished(run: PracticeRun, *, minutes: int) -> PracticeRun:
    return replace(run, status=RunStatus.FINISHED, updated_at=AT + timedelta(minutes=minutes))


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "db.sqlite3", Cipher(Fernet.generate_key()))
    yield opened
    await opened.close_store()


def _database_row(path: Path, run_id: str) -> tuple[str, str] | None:
    other = sqlite3.connect(path)
    try:
        row = other.execute("SELECT step_id, status FROM runs WHERE id = ?", [run_id]).fetchone()
        return None if row is None else (str(row[0]), str(row[1]))
    finally:
        other.close()


async def test_a_member_with_two_active_runs_gets_the_other_when_the_newer_ends(
    store: SqliteStore,
) -> None:
    older, newer = _run("older", minutes=1), _run("newer", minutes=2)
    await store.save_runs([older, newer])
    assert await store.active_run("m1") == newer  # looked up: both are known now
    await store.save_run(_finished(newer, minutes=3))
    assert await store.active_run("m1") == older
    await store.save_run(_finished(older, minutes=4))
    assert await store.active_run("m1") is None
    begun = _run("begun", minutes=5)
    await store.save_run(begun)
    assert await store.active_run("m1") == begun


async def test_a_change_that_failed_is_not_what_the_store_answers(
    store: SqliteStore, tmp_path: Path
) -> None:
    def refuse_boom(db: sqlite3.Connection) -> None:
        db.execute(
            "CREATE TRIGGER no_boom BEFORE UPDATE ON runs WHEN NEW.step_id = 'boom'"
            " BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )

    await store._write_on_thread(refuse_boom)
    run = _run("r1")
    await store.save_run(run)
    assert await store.get_run("r1") == run
    with pytest.raises(sqlite3.IntegrityError, match="refused"):
        await store.save_run(replace(run, step_id="boom"))
    assert await store.get_run("r1") == run
    assert await store.active_run("m1") == run
    assert _database_row(tmp_path / "db.sqlite3", "r1") == ("start", "active")


async def test_deleting_a_members_runs_leaves_nothing_to_answer(store: SqliteStore) -> None:
    await store.save_runs([_run("r1"), _run("r2", "m2")])
    assert await store.get_run("r1") is not None
    assert await store.active_run("m1") is not None
    assert await store.delete_member_runs("m1") == 1
    assert await store.get_run("r1") is None
    assert await store.active_run("m1") is None
    assert await store.get_run("r2") == _run("r2", "m2")


async def test_a_closed_store_does_not_answer_from_memory(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "db.sqlite3", Cipher(Fernet.generate_key()))
    await store.save_run(_run("r1"))
    assert await store.get_run("r1") == _run("r1")  # from memory
    await store.close_store()
    with pytest.raises(StorageError, match="closed"):
        await store.get_run("r1")
    with pytest.raises(StorageError, match="closed"):
        await store.active_run("m1")


# -- the cache alone ------------------------------------------------------------------------


def test_a_lookup_that_ran_while_a_change_was_on_its_way_is_not_kept() -> None:
    cache = RunCache()
    since = cache.version
    cache.changing()  # a save was issued meanwhile
    cache.looked_up(_run("r1"), since)
    cache.looked_up_active("m1", [], since)
    assert cache.run("r1") is MISS
    assert cache.active("m1") is MISS


def test_an_unknown_member_is_asked_of_the_database_even_after_a_save() -> None:
    cache = RunCache()
    cache.saved([_run("r1")])
    assert cache.run("r1") == _run("r1")
    # Another active run of theirs may be in the database: only a lookup can tell.
    assert cache.active("m1") is MISS


def test_the_cache_keeps_the_most_recently_used_runs_up_to_its_size() -> None:
    cache = RunCache(size=2)
    cache.saved([_run("r1"), _run("r2")])
    assert cache.run("r1") != MISS  # r1 is now the most recently used
    cache.saved([_run("r3")])
    assert cache.run("r2") is MISS
    assert cache.run("r1") == _run("r1") and cache.run("r3") == _run("r3")


def test_a_member_whose_active_run_left_the_cache_is_asked_again() -> None:
    cache = RunCache(size=1)
    cache.looked_up_active("m1", [_run("r1")], cache.version)
    assert cache.active("m1") == _run("r1")
    cache.saved([_run("other", "m2")])  # pushes r1 out
    assert cache.active("m1") is MISS
