"""Many processes on one PostgreSQL: two engines (as two bot processes have) on one schema,
racing for the same rows. Each race is started together and awaited as a whole."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from bot.core.models import AuditEntry, CheckIn, CheckinStatus, OutboxItem
from bot.core.ports import Stores
from bot.storage.crypto import Cipher
from bot.storage.sql import open_sql_store
from tests.conftest import PgDatabase

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=1)


@pytest.fixture
async def two(pg_database: PgDatabase) -> AsyncIterator[tuple[Stores, Stores]]:
    cipher = Cipher(Fernet.generate_key())
    first = await open_sql_store(pg_database.url, cipher, schema=pg_database.schema)
    second = await open_sql_store(pg_database.url, cipher, schema=pg_database.schema)
    yield first, second
    await first.close_store()
    await second.close_store()


def item(n: int) -> OutboxItem:
    return OutboxItem(f"o{n:04d}", "c", "card", n % 3, "{}", 0, T0, T0)


async def test_two_processes_leasing_at_once_never_get_the_same_item(
    two: tuple[Stores, Stores],
) -> None:
    await two[0].outbox.enqueue([item(n) for n in range(300)])

    async def drain(store: Stores, owner: str) -> list[str]:
        taken: list[str] = []
        while batch := await store.outbox.lease_due_outbox(T0, 7, owner, T0 + LEASE):
            taken += [i.id for i in batch]
        return taken

    results = await asyncio.gather(*(drain(s, f"p{n}") for n, s in enumerate(two * 2)))
    every = [i for taken in results for i in taken]
    assert sorted(every) == [f"o{n:04d}" for n in range(300)], "each item once, none lost"
    assert sum(1 for taken in results if taken) >= 2, "the race had more than one winner"


async def test_a_claim_on_two_processes_is_won_once(two: tuple[Stores, Stores]) -> None:
    for n in range(20):
        member = f"m:{n}"
        draft = CheckIn(
            f"c{n}", "p", member, str(n), "", f"Member {n:04}", "other", "today", True,
            "words", False, "en", CheckinStatus.DRAFT, T0,
        )  # fmt: skip
        await two[0].checkins.save_draft(draft)
        await two[1].checkins.open_checkin(draft.id, member, T0, lambda _c: [])
    audit = AuditEntry(T0, "c", "Member", "claimed", "V")

    async def claim(store: Stores, cid: str, who: str) -> bool:
        return await store.checkins.claim(cid, (who, who, who), T0, [], audit)

    for n in range(20):
        won = await asyncio.gather(claim(two[0], f"c{n}", "v:1"), claim(two[1], f"c{n}", "v:2"))
        assert sorted(won) == [False, True]
    assert len(await two[0].audit.audit_entries("p", 100)) == 20


async def test_a_job_lease_and_an_event_have_one_winner_across_processes(
    two: tuple[Stores, Stores],
) -> None:
    for round_ in range(5):
        now = T0 + round_ * LEASE
        taken = await asyncio.gather(
            *(
                s.leases.take_lease("purge", f"p{n}", now, now + LEASE)
                for n, s in enumerate(two * 4)
            )
        )
        assert sum(taken) == 1, f"round {round_}: {taken}"
        seen = await asyncio.gather(
            *(s.events.first_sighting(f"slack:Ev{round_}", now) for s in two * 4)
        )
        assert sum(seen) == 1


async def test_two_sends_of_one_draft_on_two_processes_open_it_once(
    two: tuple[Stores, Stores],
) -> None:
    for n in range(10):
        draft = CheckIn(
            f"c{n}", "p", "m:1", "1", "", "Member 0001", "other", "today", True,
            "words", False, "en", CheckinStatus.DRAFT, T0,
        )  # fmt: skip
        await two[0].checkins.save_draft(draft)

        def card(opened: CheckIn) -> list[OutboxItem]:
            return [
                OutboxItem(f"o-{opened.id}-{id(opened)}", opened.id, "card", 1, "{}", 0, T0, T0)
            ]

        sends = await asyncio.gather(
            *(s.checkins.open_checkin(draft.id, "m:1", T0, card) for s in two)
        )
        assert sorted(o.opened for o in sends) == [False, True]
    assert await two[0].outbox.pending_outbox_count() == 10


async def test_a_press_waiting_for_a_counter_holds_none_that_sorts_after_it(
    two: tuple[Stores, Stores], pg_database: PgDatabase
) -> None:
    """Counters are locked in one order, whatever order a change lists them in: two
    presses moving "a" and "b" can then never each hold one and wait for the other (a
    deadlock, which PostgreSQL ends by failing one press). Another session holds "a"; a
    press listing "b" then "a" waits for "a" without having taken "b"."""
    await two[0].practice.save_runs("p", [], [("m", "a"), ("m", "b")])
    holder = create_async_engine(
        pg_database.url, connect_args={"server_settings": {"search_path": pg_database.schema}}
    )
    try:
        async with holder.connect() as conn:
            me = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            await conn.execute(text("UPDATE counters SET count = count WHERE key = 'a'"))
            press = asyncio.create_task(
                two[1].practice.save_runs("p", [], [("m", "b"), ("m", "a")])
            )
            await _until_blocked_by(conn, me)
            probe = text("SELECT count FROM counters WHERE key = 'b' FOR UPDATE NOWAIT")
            assert (await conn.execute(probe)).scalar_one() == 1, "b is free"
            await conn.commit()
        await press
    finally:
        await holder.dispose()
    assert await two[0].stats.counts("p", "m") == {"a": 2, "b": 2}


async def _until_blocked_by(conn: AsyncConnection, pid: int) -> None:
    """Until another session waits for a lock session `pid` holds (bounded wait)."""
    query = text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))")
    async with asyncio.timeout(30):
        while True:
            if (await conn.execute(query, {"pid": pid})).scalar_one():
                return
            await asyncio.sleep(0.01)  # polling the server's view of who waits on whom
