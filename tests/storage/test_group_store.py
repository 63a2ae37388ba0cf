"""GroupPracticeStore: one contract, memory, SQLite and PostgreSQL; one vote per voter
per step."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.core.catalog import Tactic
from bot.core.group_model import GroupMove, GroupSession, GroupStatus
from bot.core.ports import Stores
from bot.storage.crypto import Cipher
from bot.storage.engine import prepare_sqlite_file, sqlite_url
from bot.storage.memory import MemoryStore
from bot.storage.sql import open_sql_store
from tests.conftest import pg_schema

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Stores]:
    cipher = Cipher(Fernet.generate_key())
    if request.param == "memory":
        made = MemoryStore()
    elif request.param == "sqlite":
        made = await open_sql_store(sqlite_url(tmp_path / "db.sqlite3"), cipher)
    else:
        async with pg_schema() as pg:
            made = await open_sql_store(pg.url, cipher, schema=pg.schema)
            yield made
            await made.close_store()
        return
    yield made
    await made.close_store()


def session(sid: str = "g1", status: GroupStatus = GroupStatus.VOTING) -> GroupSession:
    return GroupSession(sid, "lift", "en", "p:starter", "s1", 1, (), status, (), T0, T0)


async def test_a_session_round_trips(store: Stores) -> None:
    moved = replace(
        session(),
        path=(GroupMove("s0", 1, Tactic.DELAY, (0, 3, 1)),),
        tied=(0, 2),
        status=GroupStatus.TIED,
    )
    await store.groups.create_group(moved)
    assert await store.groups.get_group("g1") == moved
    assert await store.groups.get_group("nope") is None


async def test_one_vote_per_voter_per_step_even_when_pressed_together(store: Stores) -> None:
    await store.groups.create_group(session())
    presses = [store.groups.cast_vote("g1", 1, f"p:{n % 5}", n % 3, T0) for n in range(30)]
    counts = await asyncio.gather(*presses)
    assert all(c is not None and 1 <= c <= 5 for c in counts)
    tally = await store.groups.group_tally("g1", 1)
    assert sum(tally.values()) == 5
    # A changed vote replaces the earlier one.
    assert await store.groups.cast_vote("g1", 1, "p:0", 2, T0) == 5
    assert sum((await store.groups.group_tally("g1", 1)).values()) == 5


async def test_a_vote_counts_only_while_its_step_is_voting(store: Stores) -> None:
    await store.groups.create_group(session())
    later = T0 + timedelta(minutes=5)
    assert await store.groups.cast_vote("g1", 2, "p:a", 0, later) is None
    assert await store.groups.cast_vote("g1", 1, "p:a", 0, later) == 1
    stored = await store.groups.get_group("g1")
    assert stored is not None and stored.active_at == later
    tied = replace(session(), status=GroupStatus.TIED, tied=(0, 1))
    assert await store.groups.update_group(tied, GroupStatus.VOTING, 1)
    assert await store.groups.cast_vote("g1", 1, "p:b", 1, later) is None
    assert await store.groups.group_tally("g1", 1) == {0: 1}


async def test_update_is_compare_and_set_and_drops_revealed_votes(store: Stores) -> None:
    await store.groups.create_group(session())
    await store.groups.cast_vote("g1", 1, "p:a", 0, T0)
    step2 = replace(session(), number=2, step_id="s2")
    counts = [("group_tactic", "distract", 3), ("group_tactic", "distract", 1)]
    assert await store.groups.update_group(step2, GroupStatus.VOTING, 1, counts)
    assert not await store.groups.update_group(step2, GroupStatus.VOTING, 1, counts), "stale"
    assert await store.stats.counts("p", "group_tactic") == {"distract": 4}
    assert await store.groups.group_tally("g1", 1) == {}
    await store.groups.cast_vote("g1", 2, "p:a", 1, T0)
    ended = step2.ended(GroupStatus.EXPIRED, T0)
    assert await store.groups.update_group(ended, GroupStatus.VOTING, 2)
    assert await store.groups.group_tally("g1", 2) == {}


async def test_idle_groups_are_the_open_quiet_ones(store: Stores) -> None:
    await store.groups.create_group(session("quiet"))
    await store.groups.create_group(replace(session("busy"), active_at=T0 + timedelta(hours=1)))
    await store.groups.create_group(session("done", GroupStatus.FINISHED))
    found = await store.groups.idle_groups(T0 + timedelta(minutes=30))
    assert [s.id for s in found] == ["quiet"]


async def test_sqlite_keeps_no_voter_id(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    prepare_sqlite_file(path)
    store = await open_sql_store(sqlite_url(path), Cipher(Fernet.generate_key()))
    try:
        await store.groups.create_group(session())
        await store.groups.cast_vote("g1", 1, "discord:424242", 0, T0)
    finally:
        await store.close_store()
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT * FROM group_votes").fetchall()
    finally:
        db.close()
    assert len(rows) == 1 and "424242" not in repr(rows)
