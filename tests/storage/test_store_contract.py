"""One contract, three stores: the in-memory fake, SQLite and PostgreSQL behave alike."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.core.catalog import Tactic
from bot.core.community import community_of_key
from bot.core.models import (
    AuditEntry,
    CheckIn,
    CheckinStatus,
    Move,
    Opening,
    OutboxItem,
    PracticeRun,
    RunStatus,
    SentCopy,
)
from bot.core.ports import Stores
from bot.storage.crypto import Cipher
from bot.storage.engine import sqlite_url
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


async def due(store: Stores, now: datetime, limit: int = 10) -> list[OutboxItem]:
    """What is due at `now`, leased only for that instant: the next call sees it again."""
    return await store.outbox.lease_due_outbox(now, limit, "test", now)


def run(run_id: str, member: str = "m:1", at: datetime = T0) -> PracticeRun:
    community = community_of_key(member)
    return PracticeRun(run_id, member, "s1", "en", "start", (), RunStatus.ACTIVE, at, at, community)


def checkin(cid: str, member: str = "m:1", crisis: bool = False) -> CheckIn:
    return CheckIn(
        id=cid,
        platform="p",
        member=member,
        member_user_id=member.split(":")[1],
        member_name="Ann",
        pseudonym=f"Member {cid[:4].upper()}",
        category="other",
        urgency="today",
        anonymous=True,
        text="private words",
        crisis=crisis,
        locale="en",
        status=CheckinStatus.DRAFT,
        created_at=T0,
    )


def item(
    iid: str, cid: str, purpose: str = "card", priority: int = 1, at: datetime = T0
) -> OutboxItem:
    return OutboxItem(iid, cid, purpose, priority, '{"x": 1}', 0, at, at)


def audit(cid: str, action: str) -> AuditEntry:
    return AuditEntry(T0, cid, "Member X", action, "Val")


async def open_draft(
    store: Stores, cid: str, member: str = "m:1", items: tuple[OutboxItem, ...] = ()
) -> Opening:
    return await store.checkins.open_checkin(cid, member, T0, lambda _opened: list(items))


async def test_runs_round_trip_and_the_latest_active_one_wins(store: Stores) -> None:
    first = run("r1")
    await store.practice.save_run(first)
    later = replace(
        run("r2", at=T0 + timedelta(minutes=1)), moves=(Move("start", 1, Tactic.DELAY),)
    )
    await store.practice.save_run(later)
    assert await store.practice.get_run("r2", "m:1") == later
    assert await store.practice.get_run("r2", "m:2") is None  # someone else's: not found
    assert (await store.practice.active_run("m:1")) == later
    await store.practice.save_run(replace(later, status=RunStatus.FINISHED))
    assert (await store.practice.active_run("m:1")) == first
    assert [r.id for r in await store.practice.member_runs("m:1")] == ["r1", "r2"]
    assert await store.practice.delete_member_runs("m:1") == 2
    assert await store.practice.get_run("r1", "m:1") is None


async def test_counters_add_up(store: Stores) -> None:
    await store.stats.bump("p", "tactic", "delay")
    await store.stats.bump("p", "tactic", "delay", 2)
    await store.stats.bump("p", "tactic", "direct")
    assert dict(await store.stats.counts("p", "tactic")) == {"delay": 3, "direct": 1}
    assert dict(await store.stats.counts("p", "nothing")) == {}


async def test_runs_and_their_counters_are_saved_together(store: Stores) -> None:
    first = run("r1")
    await store.practice.save_runs("p", [first], [("runs_started", "s1")])
    moved = replace(first, moves=(Move("start", 0, Tactic.DIRECT),), step_id="next")
    replaced = run("r2", at=T0 + timedelta(minutes=1))
    await store.practice.save_runs(
        "p",
        [replace(moved, status=RunStatus.ABANDONED), replaced],
        [("tactic", "direct"), ("tactic", "direct"), ("runs_started", "s1")],
    )
    assert await store.practice.get_run("r1", "m:1") == replace(moved, status=RunStatus.ABANDONED)
    assert await store.practice.active_run("m:1") == replaced
    assert dict(await store.stats.counts("p", "tactic")) == {"direct": 2}
    assert dict(await store.stats.counts("p", "runs_started")) == {"s1": 2}
    await store.practice.save_runs("p", [], [("resource_views", "guide")])
    assert dict(await store.stats.counts("p", "resource_views")) == {"guide": 1}
    await store.practice.save_runs("p", [replace(replaced, status=RunStatus.FINISHED)])
    assert await store.practice.active_run("m:1") is None


async def test_open_is_atomic_with_its_outbox_and_happens_once(store: Stores) -> None:
    await store.checkins.save_draft(checkin("c1"))
    assert await store.checkins.get_checkin("c1") == checkin("c1")
    seen: list[CheckIn] = []

    def card(opened: CheckIn) -> list[OutboxItem]:
        seen.append(opened)
        return [item(f"o{len(seen)}", opened.id)]

    first = await store.checkins.open_checkin("c1", "m:1", T0, card)
    expected = replace(checkin("c1"), status=CheckinStatus.OPEN, opened_at=T0)
    assert first == Opening(expected, True, False)
    assert seen == [expected], "the outbox is made from the check-in as it is opened"
    again = await store.checkins.open_checkin("c1", "m:1", T0, card)
    assert again == Opening(expected, False, False), "a second Send opens nothing"
    assert len(seen) == 1 and await store.outbox.pending_outbox_count() == 1
    assert await store.checkins.get_checkin("c1") == expected
    assert (await store.checkins.active_checkin("m:1")) == expected


async def test_only_the_member_can_open_their_draft(store: Stores) -> None:
    await store.checkins.save_draft(checkin("c1"))
    for member in ("m:2", ""):
        assert await store.checkins.open_checkin(
            "c1", member, T0, lambda c: [item("o1", c.id)]
        ) == (Opening(None, False, False))
    assert await open_draft(store, "nope") == Opening(None, False, False)
    assert await store.checkins.get_checkin("c1") == checkin("c1")
    assert await store.outbox.pending_outbox_count() == 0


async def test_open_says_whether_a_volunteer_on_its_platform_is_on_duty(store: Stores) -> None:
    await store.volunteers.set_availability("v:1", "p", False)
    await store.volunteers.set_availability("v:2", "q", True)
    await store.checkins.save_draft(checkin("c1"))
    assert not (await open_draft(store, "c1")).volunteers_on_duty
    await store.volunteers.set_availability("v:1", "p", True)
    await store.checkins.save_draft(checkin("c2"))
    assert (await open_draft(store, "c2")).volunteers_on_duty
    assert (await open_draft(store, "c1")).volunteers_on_duty, "also when already open"


async def test_an_open_whose_outbox_cannot_be_made_changes_nothing(store: Stores) -> None:
    await store.checkins.save_draft(checkin("c1"))

    def broken(opened: CheckIn) -> list[OutboxItem]:
        raise ValueError("the card cannot be rendered")

    with pytest.raises(ValueError, match="cannot be rendered"):
        await store.checkins.open_checkin("c1", "m:1", T0, broken)
    assert await store.checkins.get_checkin("c1") == checkin("c1")
    assert await store.outbox.pending_outbox_count() == 0
    assert (await open_draft(store, "c1", items=(item("o1", "c1"),))).opened


async def test_claim_is_won_once(store: Stores) -> None:
    await store.checkins.save_draft(checkin("c1"))
    await open_draft(store, "c1")
    assert await store.checkins.claim(
        "c1", ("v:1", "1", "Val"), T0, [item("o1", "c1")], audit("c1", "claimed")
    )
    assert not await store.checkins.claim(
        "c1", ("v:2", "2", "Vic"), T0, [item("o2", "c1")], audit("c1", "claimed")
    )
    claimed = await store.checkins.active_claim("v:1")
    assert claimed is not None and claimed.claimed_by_name == "Val"
    assert await store.outbox.pending_outbox_count() == 1
    assert [a.action for a in await store.audit.audit_entries("p", 10)] == ["claimed"]


async def test_close_drops_pending_relays_and_allows_one_rating(store: Stores) -> None:
    await store.checkins.save_draft(checkin("c1"))
    await open_draft(store, "c1")
    await store.outbox.enqueue([item("r1", "c1", "relay", 0)])
    assert await store.checkins.close(
        "c1", "member", T0, [item("n1", "c1", "notice")], audit("c1", "closed")
    )
    waiting = await due(store, T0)
    assert [i.id for i in waiting] == ["n1"]
    assert await store.checkins.last_closed_at("m:1") == T0
    assert await store.checkins.rate("c1", 4) and not await store.checkins.rate("c1", 2)
    figures = await store.checkins.checkin_figures("p")
    assert [(f.opened_at, f.closed_at, f.rating) for f in figures] == [(T0, T0, 4)]


async def test_outbox_orders_by_priority_then_age_and_respects_retry_times(store: Stores) -> None:
    await store.outbox.enqueue(
        [item("low", "c", priority=0), item("high", "c", priority=2, at=T0 + timedelta(seconds=1))]
    )
    assert [i.id for i in await due(store, T0 + timedelta(seconds=1))] == ["high", "low"]
    await store.outbox.retry_later("high", 1, T0 + timedelta(minutes=1))
    assert [i.id for i in await due(store, T0 + timedelta(seconds=30))] == ["low"]
    later = await due(store, T0 + timedelta(minutes=2))
    assert [(i.id, i.attempts) for i in later] == [("high", 1), ("low", 0)]
    await store.outbox.delivered("high")
    assert await store.outbox.pending_outbox_count() == 1


async def test_escalation_raises_a_level_once(store: Stores) -> None:
    await store.checkins.save_draft(checkin("c1"))
    await open_draft(store, "c1")
    assert await store.checkins.escalate(
        "c1", 1, T0, [item("e1", "c1", "escalation")], audit("c1", "escalated")
    )
    assert not await store.checkins.escalate("c1", 1, T0, [], audit("c1", "escalated"))
    [waiting] = await store.checkins.unclaimed()
    assert waiting.escalation_level == 1 and waiting.last_escalated_at == T0


async def test_unclaimed_puts_crisis_first(store: Stores) -> None:
    for cid, crisis in (("a1", False), ("b2", True)):
        await store.checkins.save_draft(checkin(cid, member=f"m:{cid}", crisis=crisis))
        await open_draft(store, cid, member=f"m:{cid}")
    assert [c.id for c in await store.checkins.unclaimed()] == ["b2", "a1"]


async def test_volunteers_blocks_and_purge(store: Stores) -> None:
    await store.volunteers.set_availability("v:1", "p", True)
    await store.volunteers.set_availability("v:2", "p", False)
    await store.volunteers.set_availability("v:3", "q", True)
    assert await store.volunteers.available_volunteers("p") == ["v:1"]
    assert await store.volunteers.is_available("v:1") and not await store.volunteers.is_available(
        "v:9"
    )
    await store.volunteers.block("m:1", T0 + timedelta(days=1), "p")
    assert await store.volunteers.blocked_until("m:1") == T0 + timedelta(days=1)
    assert await store.volunteers.blocked_until("m:2") is None

    await store.checkins.save_draft(checkin("old"))
    await open_draft(store, "old")
    await store.checkins.close("old", "member", T0, [], audit("old", "closed"))
    await store.checkins.save_draft(checkin("draft", member="m:2"))
    assert await store.checkins.purge_draft("draft") and not await store.checkins.purge_draft(
        "draft"
    )
    await store.checkins.save_draft(checkin("stale", member="m:3"))
    purged = await store.checkins.purge(
        closed_before=T0 + timedelta(days=1), drafts_before=T0 + timedelta(hours=2)
    )
    assert purged == 2
    kept = await store.checkins.get_checkin("old")
    assert kept is not None and kept.member == "" and kept.text == "" and kept.member_name == ""
    assert await store.checkins.get_checkin("stale") is None
    assert await store.checkins.member_checkins("m:1") == []


async def test_forget_member_clears_identity_and_words(store: Stores) -> None:
    await store.checkins.save_draft(checkin("c1"))
    await open_draft(store, "c1")
    await store.outbox.enqueue([item("r1", "c1", "relay", 0)])
    assert await store.checkins.forget_member("m:1") == 1
    left = await store.checkins.get_checkin("c1")
    assert left is not None and (left.member, left.text, left.member_name) == ("", "", "")
    assert await store.outbox.pending_outbox_count() == 0


async def test_items_queued_together_keep_their_order(store: Stores) -> None:
    # A close queues "the volunteer closed this" before "how helpful was it?".
    await store.outbox.enqueue([item("zz-first", "c"), item("aa-second", "c")])
    assert [i.id for i in await due(store, T0)] == ["zz-first", "aa-second"]


async def test_opening_state_is_the_block_the_open_checkin_and_the_last_close(
    store: Stores,
) -> None:
    empty = await store.checkins.opening_state("m:1")
    assert (empty.blocked_until, empty.active, empty.last_closed_at) == (None, None, None)
    await store.checkins.save_draft(checkin("c1"))
    assert (await store.checkins.opening_state("m:1")).active is None, "a draft is not open"
    await open_draft(store, "c1")
    active = (await store.checkins.opening_state("m:1")).active
    assert active is not None and active.id == "c1"
    await store.checkins.close("c1", "member", T0 + timedelta(minutes=1), [], audit("c1", "closed"))
    await store.volunteers.block("m:1", T0 + timedelta(days=1), "p")
    state = await store.checkins.opening_state("m:1")
    assert state.active is None
    assert state.last_closed_at == T0 + timedelta(minutes=1)
    assert state.blocked_until == T0 + timedelta(days=1)
    assert (await store.checkins.opening_state("m:2")).blocked_until is None


# -- outbox leases, job leases, event sightings (shared spec) ---------------------------

LEASE = timedelta(minutes=1)


async def test_a_leased_item_is_nobody_else_s_until_its_lease_ends(store: Stores) -> None:
    await store.outbox.enqueue([item("a", "c"), item("b", "c", priority=2)])
    first = await store.outbox.lease_due_outbox(T0, 10, "p1", T0 + LEASE)
    assert [i.id for i in first] == ["b", "a"]
    assert await store.outbox.lease_due_outbox(T0 + timedelta(seconds=30), 10, "p2", T0) == []
    # The holder died: once its lease has ended, another process takes the items over.
    later = T0 + LEASE
    taken = await store.outbox.lease_due_outbox(later, 10, "p2", later + LEASE)
    assert [i.id for i in taken] == ["b", "a"]
    assert await store.outbox.pending_outbox_count() == 2


async def test_a_lease_takes_at_most_limit_items_by_priority_then_due_time(store: Stores) -> None:
    await store.outbox.enqueue([item("late", "c", at=T0 + timedelta(seconds=2))])
    await store.outbox.enqueue([item("early", "c", at=T0 + timedelta(seconds=1))])
    await store.outbox.enqueue([item("urgent", "c", priority=3, at=T0 + timedelta(seconds=3))])
    now = T0 + timedelta(seconds=5)
    first = await store.outbox.lease_due_outbox(now, 2, "p1", now + LEASE)
    assert [i.id for i in first] == ["urgent", "early"]
    rest = await store.outbox.lease_due_outbox(now, 2, "p2", now + LEASE)
    assert [i.id for i in rest] == ["late"]


async def test_retry_later_ends_the_lease_and_delivered_removes_the_item(store: Stores) -> None:
    await store.outbox.enqueue([item("a", "c")])
    [leased] = await store.outbox.lease_due_outbox(T0, 10, "p1", T0 + LEASE)
    retry_at = T0 + timedelta(seconds=5)
    await store.outbox.retry_later(leased.id, 1, retry_at)
    assert await store.outbox.lease_due_outbox(T0 + timedelta(seconds=4), 10, "p2", T0) == []
    [again] = await store.outbox.lease_due_outbox(retry_at, 10, "p2", retry_at + LEASE)
    assert (again.id, again.attempts) == ("a", 1), "free again before the first lease ended"
    await store.outbox.delivered("a")
    assert await store.outbox.pending_outbox_count() == 0
    assert await store.outbox.oldest_pending_at() is None


async def test_delivered_removes_several_items_at_once_and_only_those(store: Stores) -> None:
    await store.outbox.enqueue([item("a", "c"), item("b", "c"), item("kept", "c")])
    await store.outbox.delivered("a", "b")
    await store.outbox.delivered()
    [left] = await store.outbox.lease_due_outbox(T0, 10, "p1", T0 + LEASE)
    assert left.id == "kept"


async def test_give_up_deletes_the_item_and_audits_it(store: Stores) -> None:
    await store.outbox.enqueue([item("old", "c"), item("new", "c", at=T0 + timedelta(hours=1))])
    assert await store.outbox.oldest_pending_at() == T0
    await store.outbox.give_up("old", audit("c", "gave up"))
    assert await store.outbox.pending_outbox_count() == 1
    assert await store.outbox.oldest_pending_at() == T0 + timedelta(hours=1)
    assert [a.action for a in await store.audit.audit_entries("p", 10)] == ["gave up"]


async def test_a_job_lease_is_taken_once_until_it_ends(store: Stores) -> None:
    until = T0 + LEASE
    assert await store.leases.take_lease("purge", "p1", T0, until)
    assert not await store.leases.take_lease("purge", "p2", T0 + timedelta(seconds=59), until)
    assert await store.leases.take_lease("escalate", "p2", T0, until), "leases are by name"
    assert await store.leases.take_lease("purge", "p2", until, until + LEASE)
    assert not await store.leases.take_lease("purge", "p1", until, until + LEASE)


async def test_an_event_is_sighted_first_once_and_sightings_are_forgotten(store: Stores) -> None:
    assert await store.events.first_sighting("slack:Ev1", T0)
    assert not await store.events.first_sighting("slack:Ev1", T0 + timedelta(seconds=1))
    assert await store.events.first_sighting("slack:Ev2", T0 + timedelta(hours=2))
    assert await store.events.forget_sightings(T0 + timedelta(hours=1)) == 1
    assert not await store.events.first_sighting("slack:Ev2", T0 + timedelta(hours=3))


async def test_items_queued_apart_at_the_same_time_keep_the_queue_s_order(store: Stores) -> None:
    # The worker keeps a conversation in the order the store gives items of equal times.
    for n in range(3):
        await store.outbox.enqueue([item(f"z{n}a", "c"), item(f"a{n}b", "c")])
    order = [i.id for i in await store.outbox.lease_due_outbox(T0, 10, "p1", T0 + LEASE)]
    assert order == ["z0a", "a0b", "z1a", "a1b", "z2a", "a2b"]


async def test_released_leases_are_free_at_once(store: Stores) -> None:
    await store.outbox.enqueue([item("a", "c"), item("b", "c")])
    await store.outbox.lease_due_outbox(T0, 1, "dead", T0 + LEASE)
    assert await store.outbox.release_outbox_leases() == 1
    assert [i.id for i in await store.outbox.lease_due_outbox(T0, 10, "p", T0 + LEASE)] == [
        "a",
        "b",
    ]


async def test_of_concurrent_lease_rounds_each_item_goes_to_one(store: Stores) -> None:
    await store.outbox.enqueue([item(f"i{n}", "c") for n in range(40)])
    rounds = await asyncio.gather(
        *(store.outbox.lease_due_outbox(T0, 7, f"p{n}", T0 + LEASE) for n in range(8))
    )
    taken = [i.id for r in rounds for i in r]
    assert sorted(taken) == sorted(f"i{n}" for n in range(40))


async def test_of_concurrent_takers_of_a_job_lease_one_wins(store: Stores) -> None:
    won = await asyncio.gather(
        *(store.leases.take_lease("purge", f"p{n}", T0, T0 + LEASE) for n in range(5))
    )
    assert sorted(won) == [False] * 4 + [True]


async def test_of_concurrent_sightings_of_an_event_one_is_first(store: Stores) -> None:
    firsts = await asyncio.gather(*(store.events.first_sighting("slack:Ev1", T0) for _ in range(4)))
    assert sorted(firsts) == [False, False, False, True]
    assert await store.events.forget_sightings(T0 + timedelta(seconds=1)) == 1
    assert await store.events.first_sighting("slack:Ev1", T0 + timedelta(hours=1)), "forgotten"


# -- handover and idle close (issue 18.4) ---------------------------------------------


async def claimed_checkin(store: Stores, cid: str = "c1", at: datetime = T0) -> None:
    await store.checkins.save_draft(checkin(cid))
    await open_draft(store, cid)
    assert await store.checkins.claim(cid, ("v:1", "1", "Val"), at, [], audit(cid, "claimed"))


async def test_requeue_reopens_only_the_claimers_checkin_and_keeps_queued_relays(
    store: Stores,
) -> None:
    await claimed_checkin(store)
    await store.outbox.enqueue([item("r1", "c1", "relay", 0)])
    later = T0 + timedelta(hours=1)
    assert not await store.handover.requeue("c1", "v:2", later, [], audit("c1", "handed_back"))
    assert await store.handover.requeue(
        "c1", "v:1", later, [item("card2", "c1")], audit("c1", "handed_back")
    )
    again = await store.checkins.get_checkin("c1")
    assert again is not None and again.status is CheckinStatus.OPEN
    assert (again.claimed_by, again.claimed_by_user_id, again.claimed_by_name) == ("", "", "")
    assert again.claimed_at is None and again.escalation_level == 0
    assert again.last_escalated_at == later, "escalation counts again from the handover"
    assert again.text == "private words" and again.member == "m:1", "nothing is lost"
    assert await store.checkins.active_claim("v:1") is None
    assert [c.id for c in await store.checkins.unclaimed()] == ["c1"]
    assert sorted(i.id for i in await due(store, later, 10)) == ["card2", "r1"]
    assert sorted(a.action for a in await store.audit.audit_entries("p", 10)) == [
        "claimed",
        "handed_back",
    ]
    assert not await store.handover.requeue("c1", "v:1", later, [], audit("c1", "handed_back"))
    # The next volunteer claims it as any open check-in.
    assert await store.checkins.claim("c1", ("v:2", "2", "Vic"), later, [], audit("c1", "claimed"))


async def test_idle_claimed_follows_the_last_relay_and_a_relay_withdraws_the_reminder(
    store: Stores,
) -> None:
    await claimed_checkin(store)
    hour = timedelta(hours=1)
    assert [c.id for c in await store.handover.idle_claimed(T0 + hour)] == ["c1"], (
        "quiet since the claim"
    )
    assert await store.handover.idle_claimed(T0) == []
    assert await store.handover.remind_idle(
        "c1", T0 + hour, [item("n1", "c1", "notice")], audit("c1", "x")
    )
    assert not await store.handover.remind_idle("c1", T0 + hour, [], audit("c1", "x")), "once"
    reminded = await store.checkins.get_checkin("c1")
    assert reminded is not None and reminded.idle_reminded_at == T0 + hour
    await store.handover.relay("c1", [item("r1", "c1", "relay", 0)], T0 + 2 * hour)
    touched = await store.checkins.get_checkin("c1")
    assert touched is not None and touched.last_activity_at == T0 + 2 * hour
    assert touched.idle_reminded_at is None
    assert await store.handover.idle_claimed(T0 + 2 * hour) == []
    assert [c.id for c in await store.handover.idle_claimed(T0 + 3 * hour)] == ["c1"]
    assert "r1" in {i.id for i in await due(store, T0 + 2 * hour, 10)}


async def test_close_idle_closes_only_a_checkin_still_quiet(store: Stores) -> None:
    await claimed_checkin(store)
    await store.handover.relay("c1", [item("r1", "c1", "relay", 0)], T0 + timedelta(hours=5))
    at = T0 + timedelta(hours=6)
    assert not await store.handover.close_idle(
        "c1", T0 + timedelta(hours=4), at, [], audit("c1", "x")
    )
    assert await store.handover.close_idle(
        "c1", T0 + timedelta(hours=6), at, [item("n1", "c1", "notice")], audit("c1", "idle")
    )
    closed = await store.checkins.get_checkin("c1")
    assert closed is not None and closed.status is CheckinStatus.CLOSED
    assert closed.closed_by == "system" and closed.closed_at == at
    assert [i.id for i in await due(store, at, 10)] == ["n1"], "relays are dropped"
    assert not await store.handover.close_idle("c1", at, at, [], audit("c1", "idle"))


async def test_volunteer_anonymity_is_kept_apart_from_availability(store: Stores) -> None:
    assert not await store.volunteers.volunteer_anonymous("v:1")
    await store.volunteers.set_volunteer_anonymous("v:1", "p", True)
    assert await store.volunteers.volunteer_anonymous("v:1")
    assert not await store.volunteers.is_available("v:1"), "choosing anonymity does not go on duty"
    await store.volunteers.set_availability("v:1", "p", True)
    assert await store.volunteers.volunteer_anonymous(
        "v:1"
    ) and await store.volunteers.is_available("v:1")
    await store.volunteers.set_volunteer_anonymous("v:1", "p", False)
    assert not await store.volunteers.volunteer_anonymous(
        "v:1"
    ) and await store.volunteers.is_available("v:1")


async def test_the_members_region_is_kept_and_forgotten_with_them(store: Stores) -> None:
    await store.checkins.save_draft(replace(checkin("c1"), region="GB"))
    await store.checkins.save_draft(replace(checkin("c2", member="m:2"), region="AU"))
    kept = await store.checkins.get_checkin("c1")
    assert kept is not None and kept.region == "GB"
    await open_draft(store, "c1")
    assert await store.checkins.forget_member("m:1") == 1
    left = await store.checkins.get_checkin("c1")
    assert left is not None and left.region == ""
    await open_draft(store, "c2", member="m:2")
    await store.checkins.close("c2", "member", T0, [], audit("c2", "closed"))
    await store.checkins.purge(closed_before=T0 + timedelta(days=1), drafts_before=T0)
    purged = await store.checkins.get_checkin("c2")
    assert purged is not None and purged.region == ""


def sent_copy(copy_id: str, cid: str, at: datetime = T0) -> SentCopy:
    return SentCopy(copy_id, cid, "p", "dm", "u" + copy_id, f"chan:{copy_id}", at)


def erase_of(copy: SentCopy) -> OutboxItem:
    return OutboxItem("e-" + copy.id, copy.checkin_id, "erase", -1, copy.ref, 0, T0, T0)


async def test_copies_of_an_active_checkin_wait_and_a_closed_ones_are_queued_once(
    store: Stores,
) -> None:
    for cid in ("c1", "c2"):
        await store.checkins.save_draft(checkin(cid, member=f"m:{cid}"))
        await open_draft(store, cid, member=f"m:{cid}")
    for copy in (
        sent_copy("a", "c1"),
        sent_copy("b", "c1", T0 + timedelta(1)),
        sent_copy("z", "c2"),
    ):
        await store.copies.record_copy(copy)
    assert await store.copies.copies_of("c1") == [
        sent_copy("a", "c1"),
        sent_copy("b", "c1", T0 + timedelta(1)),
    ]
    assert await store.copies.queue_erasure(erase_of) == 0  # both check-ins still open
    await store.checkins.close("c1", "member", T0, [], audit("c1", "closed"))
    assert await store.copies.queue_erasure(erase_of) == 2
    assert await store.copies.copies_of("c1") == []
    assert await store.copies.copies_of("c2") == [sent_copy("z", "c2")]
    queued = {i.id: i.payload for i in await due(store, T0) if i.purpose == "erase"}
    assert queued == {"e-a": "chan:a", "e-b": "chan:b"}
    assert await store.copies.queue_erasure(erase_of) == 0  # each copy is queued once


async def test_copies_of_a_gone_or_forgotten_checkin_are_queued(store: Stores) -> None:
    await store.copies.record_copy(sent_copy("a", "never-stored"))
    await store.checkins.save_draft(checkin("c1"))
    await open_draft(store, "c1")
    await store.copies.record_copy(sent_copy("b", "c1"))
    await store.checkins.close("c1", "member", T0, [], audit("c1", "closed"))
    await store.checkins.forget_member("m:1")
    assert await store.copies.queue_erasure(erase_of) == 2


async def test_a_failing_erase_builder_queues_nothing_and_keeps_the_copies(
    store: Stores,
) -> None:
    await store.copies.record_copy(sent_copy("a", "gone"))

    def broken(copy: SentCopy) -> OutboxItem:
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError):
        await store.copies.queue_erasure(broken)
    assert await store.copies.copies_of("gone") == [sent_copy("a", "gone")]
    assert await store.outbox.pending_outbox_count() == 0


async def test_a_pseudonym_is_in_use_while_active_and_recently_closed(store: Stores) -> None:
    await store.checkins.save_draft(checkin("c1"))  # pseudonym "Member C1"
    await open_draft(store, "c1")
    week = timedelta(days=7)
    assert await store.checkins.pseudonym_in_use("p", "Member C1", T0 - week)
    assert not await store.checkins.pseudonym_in_use("p", "Member C2", T0 - week)
    assert not await store.checkins.pseudonym_in_use("other", "Member C1", T0 - week)
    await store.checkins.close("c1", "member", T0, [], audit("c1", "closed"))
    assert await store.checkins.pseudonym_in_use("p", "Member C1", T0 - week)  # recent
    assert not await store.checkins.pseudonym_in_use("p", "Member C1", T0 + week)  # long ago


async def test_runs_untouched_since_the_cutoff_are_purged(store: Stores) -> None:
    await store.practice.save_run(run("old", at=T0))
    await store.practice.save_run(run("new", member="m:2", at=T0 + timedelta(days=2)))
    assert await store.practice.purge_runs(T0 + timedelta(days=1)) == 1
    assert await store.practice.member_runs("m:1") == []
    assert [r.id for r in await store.practice.member_runs("m:2")] == ["new"]
