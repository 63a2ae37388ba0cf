"""The shared spec of outbox leases, job leases and event sightings, as the runtime relies
on it: any store that implements OutboxStore, LeaseStore and EventStore passes these."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.core.models import AuditEntry, OutboxItem
from bot.core.ports import Store
from bot.storage.crypto import Cipher
from bot.storage.memory import MemoryStore
from bot.storage.sqlite import SqliteStore

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "memory":
        made: Store = MemoryStore()
    else:
        made = await SqliteStore.open(tmp_path / "db.sqlite3", Cipher(Fernet.generate_key()))
    yield made
    await made.close_store()


def item(item_id: str, priority: int = 0, due: datetime = T0, created: datetime = T0) -> OutboxItem:
    return OutboxItem(item_id, "c1", "relay", priority, '{"words": "secret"}', 0, due, created)


def ids(items: list[OutboxItem]) -> list[str]:
    return [i.id for i in items]


async def test_lease_takes_due_items_by_priority_then_due_time_and_never_twice(
    store: Store,
) -> None:
    await store.enqueue(
        [
            item("late", due=T0 + timedelta(seconds=5)),
            item("low", due=T0 - timedelta(seconds=9)),
            item("high", priority=2, due=T0),
            item("older", due=T0 - timedelta(seconds=10)),
        ]
    )
    first = await store.lease_due_outbox(T0, 2, "a", T0 + LEASE)
    assert ids(first) == ["high", "older"]
    assert first[0].payload == '{"words": "secret"}'
    assert ids(await store.lease_due_outbox(T0, 10, "b", T0 + LEASE)) == ["low"]
    assert await store.lease_due_outbox(T0, 10, "c", T0 + LEASE) == []


async def test_a_lease_ends_at_its_time_or_when_the_item_is_put_back(store: Store) -> None:
    await store.enqueue([item("x"), item("y")])
    assert len(await store.lease_due_outbox(T0, 10, "a", T0 + LEASE)) == 2
    await store.retry_later("x", 1, T0 + timedelta(seconds=4))
    assert await store.lease_due_outbox(T0 + timedelta(seconds=3), 10, "b", T0 + LEASE) == []
    four = T0 + timedelta(seconds=4)
    [again] = await store.lease_due_outbox(four, 10, "b", four + LEASE)
    assert (again.id, again.attempts) == ("x", 1)
    assert ids(await store.lease_due_outbox(T0 + LEASE, 10, "c", T0 + 2 * LEASE)) == ["y"]


async def test_delivered_and_given_up_items_are_gone_and_giving_up_is_audited(
    store: Store,
) -> None:
    await store.enqueue([item("sent", created=T0), item("refused", created=T0 + timedelta(1))])
    assert await store.oldest_pending_at() == T0
    await store.lease_due_outbox(T0, 10, "a", T0 + LEASE)
    await store.delivered("sent")
    audit = AuditEntry(T0, "c1", "Member 0A0A", "undelivered", "relay")
    await store.give_up("refused", audit)
    assert await store.pending_outbox_count() == 0
    assert await store.oldest_pending_at() is None
    assert await store.audit_entries(10) == [audit]
    later = T0 + 3 * LEASE
    assert await store.lease_due_outbox(later, 10, "b", later + LEASE) == []


async def test_of_concurrent_lease_rounds_each_item_goes_to_one(store: Store) -> None:
    await store.enqueue([item(f"i{n}") for n in range(40)])
    rounds = await asyncio.gather(
        *(store.lease_due_outbox(T0, 7, f"p{n}", T0 + LEASE) for n in range(8))
    )
    taken = [i.id for r in rounds for i in r]
    assert sorted(taken) == sorted(f"i{n}" for n in range(40))


async def test_a_job_lease_has_one_holder_until_it_ends(store: Store) -> None:
    until = T0 + timedelta(minutes=1)
    won = await asyncio.gather(*(store.take_lease("purge", f"p{n}", T0, until) for n in range(5)))
    assert sorted(won) == [False] * 4 + [True]
    assert not await store.take_lease("purge", "p0", until - timedelta(seconds=1), until)
    assert await store.take_lease("escalation", "p0", T0, until), "another job's lease"
    assert await store.take_lease("purge", "p3", until, until + timedelta(minutes=1))


async def test_an_event_is_sighted_first_once_until_forgotten(store: Store) -> None:
    firsts = await asyncio.gather(*(store.first_sighting("slack-event:Ev1", T0) for _ in range(4)))
    assert sorted(firsts) == [False, False, False, True]
    assert await store.first_sighting("slack-event:Ev2", T0 + timedelta(hours=2))
    assert await store.forget_sightings(T0 + timedelta(hours=1)) == 1
    assert await store.first_sighting("slack-event:Ev1", T0 + timedelta(hours=3))
    assert not await store.first_sighting("slack-event:Ev2", T0 + timedelta(hours=3))
