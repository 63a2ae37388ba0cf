"""The outbox worker against a stand-in platform: bounds, lanes, Retry-After, give-up, wake-up.

`Platform` is a test double of a chat platform (what Discord or Slack would accept or
refuse); the store is the in-memory one and time is a ManualClock: nothing sleeps.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from bot.core import outbound_json
from bot.core.clock import ManualClock
from bot.core.delivery import GAVE_UP, Deliveries, DeliveryPolicy
from bot.core.desk_support import dm, outbox_item, volunteers
from bot.core.erasure import ERASE, Erasure, erase_item
from bot.core.errors import DeliveryError, StorageError
from bot.core.messages import Destination, Outbound, Reply, Section
from bot.core.models import AuditEntry, CheckIn, CheckinStatus, OutboxItem, SentCopy
from bot.core.ports import Stores
from bot.storage.memory import MemoryOutbox, MemoryState, MemoryStore

WAIT = 5.0
Refusal = Callable[[Outbound], DeliveryError | None]


class Platform:
    """A chat platform: records what it accepted; can hold sends at a gate or refuse them."""

    def __init__(self) -> None:
        self.accepted: list[str] = []
        self.tried: list[str] = []
        self.in_flight = 0
        self.peak = 0
        self.gates: dict[Destination, asyncio.Event] = {}
        self.refuse: Refusal = lambda _outbound: None
        self.deleted: list[str] = []
        self.refuse_delete: Callable[[str], DeliveryError | None] = lambda _ref: None
        self._changed = asyncio.Condition()

    async def send(self, outbound: Outbound) -> str:
        text = outbound.reply.text()
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        self.tried.append(text)
        await self._notify()
        try:
            gate = self.gates.get(outbound.destination)
            if gate is not None:
                await gate.wait()
            refusal = self.refuse(outbound)
            if refusal is not None:
                raise refusal
            self.accepted.append(text)
            return f"ref-{len(self.accepted)}"
        finally:
            self.in_flight -= 1
            await self._notify()

    async def delete(self, ref: str) -> None:
        self.tried.append(f"delete {ref}")
        refusal = self.refuse_delete(ref)
        if refusal is not None:
            raise refusal
        self.deleted.append(ref)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), WAIT)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def store() -> Stores:
    return MemoryStore()


@pytest.fixture
def platform() -> Platform:
    return Platform()


def checkin(checkin_id: str, at: datetime) -> CheckIn:
    return CheckIn(
        id=checkin_id,
        platform="chat",
        member="chat:m",
        member_user_id="m",
        member_name="",
        pseudonym=f"Member {checkin_id}",
        category="other",
        urgency="today",
        anonymous=True,
        text="",
        crisis=False,
        locale="en",
        status=CheckinStatus.OPEN,
        created_at=at,
    )


def item(text: str, to: Destination, at: datetime, *, checkin_id: str = "c1") -> OutboxItem:
    outbound = Outbound(to, Reply(sections=(Section(text),)))
    return outbox_item(checkin(checkin_id, at), "relay", outbound, at)


async def queue(store: Stores, clock: ManualClock, *items: tuple[str, Destination, str]) -> None:
    """Queue (text, destination, check-in id) items, one microsecond apart, in that order,
    all due now."""
    for n, (text, to, checkin_id) in enumerate(items):
        at = clock.now() - timedelta(microseconds=len(items) - n)
        if await store.checkins.get_checkin(checkin_id) is None:
            await store.checkins.save_draft(checkin(checkin_id, at))
        await store.outbox.enqueue([item(text, to, at, checkin_id=checkin_id)])


def worker(store: Stores, platform: Platform, clock: ManualClock, **policy: object) -> Deliveries:
    async def wait(seconds: float) -> None:  # the worker's waits pass on the test's clock
        clock.advance(seconds=seconds)

    return Deliveries(
        store.outbox,
        store.checkins,
        {"chat": platform},
        clock,
        owner="test",
        policy=DeliveryPolicy(**policy),  # type: ignore[arg-type]
        copies=store.copies,
        sleep=wait,
    )


async def test_sends_in_flight_stay_within_the_platform_bound(
    store: Stores, platform: Platform, clock: ManualClock
) -> None:
    await queue(store, clock, *((f"m{n}", dm("chat", f"u{n}", "chat"), f"c{n}") for n in range(10)))
    gate = asyncio.Event()
    for n in range(10):
        platform.gates[dm("chat", f"u{n}", "chat")] = gate
    deliveries = worker(store, platform, clock, per_platform=3)
    round_ = asyncio.create_task(deliveries.run_once())
    await platform.wait_until(lambda: platform.in_flight == 3)
    gate.set()
    assert await round_ == 10
    assert platform.peak == 3
    assert await store.outbox.pending_outbox_count() == 0


async def test_sends_to_one_destination_stay_within_its_bound(
    store: Stores, platform: Platform, clock: ManualClock
) -> None:
    channel = volunteers("chat", "chat")
    await queue(store, clock, *((f"card{n}", channel, f"c{n}") for n in range(8)))
    platform.gates[channel] = gate = asyncio.Event()
    round_ = asyncio.create_task(worker(store, platform, clock, per_destination=2).run_once())
    await platform.wait_until(lambda: platform.in_flight == 2)
    gate.set()
    assert await round_ == 8
    assert platform.peak == 2


async def test_a_blocked_destination_does_not_hold_the_others(
    store: Stores, platform: Platform, clock: ManualClock
) -> None:
    stuck, free = dm("chat", "stuck", "chat"), dm("chat", "free", "chat")
    await queue(
        store,
        clock,
        *((f"stuck{n}", stuck, f"s{n}") for n in range(6)),
        *((f"free{n}", free, f"f{n}") for n in range(3)),
    )
    platform.gates[stuck] = gate = asyncio.Event()
    round_ = asyncio.create_task(worker(store, platform, clock, per_platform=8).run_once())
    await platform.wait_until(lambda: {"free0", "free1", "free2"} <= set(platform.accepted))
    assert not any(a.startswith("stuck") for a in platform.accepted)
    gate.set()
    assert await round_ == 9


async def test_a_conversation_arrives_in_order_even_when_a_send_is_slow_or_fails(
    store: Stores, platform: Platform, clock: ManualClock
) -> None:
    to = dm("chat", "volunteer", "chat")
    await queue(store, clock, *((f"relay{n}", to, "c1") for n in range(4)))
    platform.gates[to] = gate = asyncio.Event()
    failures = iter([DeliveryError("HTTP 500")])
    platform.refuse = lambda o: next(failures, None) if o.reply.text() == "relay1" else None
    round_ = asyncio.create_task(worker(store, platform, clock).run_once())
    await platform.wait_until(lambda: platform.in_flight == 1)
    assert platform.tried == ["relay0"], "nothing of the conversation overtakes its first send"
    gate.set()
    assert await round_ == 1  # relay1 failed once: relay2 and relay3 wait behind it
    assert platform.accepted == ["relay0"]
    clock.advance(seconds=3)
    deliveries = worker(store, platform, clock)
    assert await deliveries.drain() == 3
    assert platform.accepted == ["relay0", "relay1", "relay2", "relay3"]


async def test_retry_after_pauses_the_destination_and_spends_no_attempt(
    store: Stores, platform: Platform, clock: ManualClock
) -> None:
    limited, other = volunteers("chat", "chat"), dm("chat", "other", "chat")
    open_at = clock.now() + timedelta(seconds=30)

    def rate_limit(outbound: Outbound) -> DeliveryError | None:
        if outbound.destination == limited and clock.now() < open_at:
            return DeliveryError("429", retry_after=30)
        return None

    platform.refuse = rate_limit
    await queue(store, clock, ("card0", limited, "c0"), ("card1", limited, "c1"))
    await queue(store, clock, ("dm0", other, "c2"))
    deliveries = worker(store, platform, clock, per_destination=1, max_attempts=2)
    assert await deliveries.run_once() == 1
    assert platform.accepted == ["dm0"]
    assert platform.tried.count("card0") + platform.tried.count("card1") == 1
    for _ in range(3):  # more rate limits than max_attempts: a wait is not a failure
        tries = len(platform.tried)
        clock.advance(seconds=29)
        assert await deliveries.drain() == 0
        assert len(platform.tried) == tries, "nothing is sent before Retry-After"
        clock.advance(seconds=1)
        open_at = clock.now() + timedelta(seconds=30)
        assert await deliveries.drain() == 0
    open_at = clock.now()
    clock.advance(seconds=30)
    assert await deliveries.drain() == 2
    assert sorted(platform.accepted) == ["card0", "card1", "dm0"]
    assert (await store.audit.audit_entries("chat", 10)) == []


async def test_an_item_that_keeps_failing_is_given_up_audited_and_logged_once(
    store: Stores, platform: Platform, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    await queue(store, clock, ("words only the member wrote", dm("chat", "u", "chat"), "c1"))
    platform.refuse = lambda _o: DeliveryError("HTTP 500")
    deliveries = worker(store, platform, clock, max_attempts=4)
    with caplog.at_level(logging.INFO, logger="bot.core.delivery"):
        for _ in range(6):
            await deliveries.drain()
            clock.advance(minutes=10)
    assert len(platform.tried) == 4
    assert await store.outbox.pending_outbox_count() == 0
    [entry] = await store.audit.audit_entries("chat", 10)
    assert (entry.action, entry.checkin_id, entry.pseudonym) == (GAVE_UP, "c1", "Member c1")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "gave up" in errors[0].getMessage()
    assert all("member wrote" not in r.getMessage() for r in caplog.records)


async def test_a_permanent_refusal_is_given_up_after_fewer_tries(
    store: Stores, platform: Platform, clock: ManualClock
) -> None:
    await queue(store, clock, ("hello", dm("chat", "closed", "chat"), "c1"))
    platform.refuse = lambda _o: DeliveryError("cannot_dm", permanent=True)
    deliveries = worker(store, platform, clock, permanent_attempts=2, max_attempts=10)
    for _ in range(4):
        await deliveries.drain()
        clock.advance(minutes=10)
    assert platform.tried == ["hello", "hello"]
    assert [e.action for e in await store.audit.audit_entries("chat", 10)] == [GAVE_UP]


async def test_two_processes_never_send_the_same_item(store: Stores, clock: ManualClock) -> None:
    await queue(
        store, clock, *((f"m{n}", dm("chat", f"u{n % 3}", "chat"), f"c{n}") for n in range(30))
    )
    first, second = Platform(), Platform()
    a = Deliveries(store.outbox, store.checkins, {"chat": first}, clock, owner="a")
    b = Deliveries(store.outbox, store.checkins, {"chat": second}, clock, owner="b")
    await asyncio.gather(a.drain(), b.drain())
    sent = first.accepted + second.accepted
    assert sorted(sent) == sorted(f"m{n}" for n in range(30))


async def test_a_lease_left_by_a_dead_process_passes_to_another_when_it_ends(
    store: Stores, platform: Platform, clock: ManualClock
) -> None:
    await queue(store, clock, ("card", volunteers("chat", "chat"), "c1"))
    now = clock.now()
    assert (
        len(await store.outbox.lease_due_outbox(now, 10, "killed", now + timedelta(minutes=2))) == 1
    )
    deliveries = worker(store, platform, clock)
    assert await deliveries.drain() == 0, "still leased to the killed process"
    clock.advance(minutes=2)
    assert await deliveries.drain() == 1
    assert platform.accepted == ["card"]


class OutboxQueueingDuringALease(MemoryOutbox):
    """A member's relay is queued while the worker's lease round is in progress."""

    def __init__(self, state: MemoryState, wake: asyncio.Event, late: OutboxItem) -> None:
        super().__init__(state)
        self.wake, self.late, self.rounds = wake, late, 0

    async def lease_due_outbox(
        self, now: datetime, limit: int, owner: str, lease_until: datetime
    ) -> list[OutboxItem]:
        taken = await super().lease_due_outbox(now, limit, owner, lease_until)
        self.rounds += 1
        if self.rounds == 1:
            await self.enqueue([self.late])
            self.wake.set()
        return taken


async def test_an_item_queued_during_a_round_goes_out_without_waiting_for_a_poll(
    platform: Platform, clock: ManualClock
) -> None:
    wake, stop = asyncio.Event(), asyncio.Event()
    state = MemoryState()
    late = item("late", dm("chat", "v", "chat"), clock.now())
    store = MemoryStore(state, outbox=OutboxQueueingDuringALease(state, wake, late))
    await queue(store, clock, ("early", dm("chat", "v", "chat"), "c0"))
    # An hour between polls: only the wake-up can deliver "late" within the test.
    deliveries = worker(store, platform, clock, idle=3600.0)
    running = asyncio.create_task(deliveries.run_forever(wake, stop))
    await platform.wait_until(lambda: platform.accepted == ["early", "late"])
    await store.outbox.enqueue(
        [item("queued later", dm("chat", "v", "chat"), clock.now(), checkin_id="c2")]
    )
    wake.set()
    await platform.wait_until(lambda: len(platform.accepted) == 3)
    stop.set()
    await asyncio.wait_for(running, WAIT)


async def test_items_for_a_platform_this_process_does_not_serve_go_back_untried(
    store: Stores, platform: Platform, clock: ManualClock
) -> None:
    await queue(store, clock, ("elsewhere", Destination("other", "dm", "u"), "c1"))
    deliveries = worker(store, platform, clock, max_attempts=1)
    assert await deliveries.drain() == 0
    clock.advance(minutes=5)
    assert await deliveries.drain() == 0
    assert await store.outbox.pending_outbox_count() == 1, "kept for a process that serves it"
    assert await store.audit.audit_entries("chat", 10) == []


class OutboxLosingOneRemoval(MemoryOutbox):
    """The database goes away once, just after the platform accepted a message."""

    def __init__(self, state: MemoryState) -> None:
        super().__init__(state)
        self.lose_next = True

    async def delivered(self, item_id: str) -> None:
        if self.lose_next:
            self.lose_next = False
            raise StorageError("connection to the database lost")
        await super().delivered(item_id)


async def test_an_uncommitted_removal_is_the_one_way_a_message_arrives_twice(
    platform: Platform, clock: ManualClock
) -> None:
    state = MemoryState()
    store = MemoryStore(state, outbox=OutboxLosingOneRemoval(state))
    await queue(store, clock, ("card", volunteers("chat", "chat"), "c1"))
    deliveries = worker(store, platform, clock)
    assert await deliveries.drain() == 0
    assert platform.accepted == ["card"]
    assert await deliveries.drain() == 0, "still leased: nobody sends it meanwhile"
    clock.advance(minutes=2)
    assert await deliveries.drain() == 1
    assert platform.accepted == ["card", "card"]
    assert await store.outbox.pending_outbox_count() == 0


async def test_a_destination_holds_a_bounded_backlog_and_the_rest_goes_back_for_later(
    store: Stores, platform: Platform, clock: ManualClock
) -> None:
    channel = volunteers("chat", "chat")
    await queue(store, clock, *((f"card{n}", channel, f"c{n}") for n in range(5)))
    await queue(store, clock, ("dm", dm("chat", "v", "chat"), "d1"))
    deliveries = worker(store, platform, clock, destination_backlog=2)
    assert await deliveries.run_once() == 3
    assert sorted(platform.accepted) == ["card0", "card1", "dm"]
    assert await deliveries.run_once() == 0, "the rest comes back a second later"
    assert await deliveries.drain() == 3, "drain waits for what went back"
    assert platform.accepted[3:] == ["card2", "card3", "card4"]


async def test_a_clean_stop_delivers_what_went_back_for_want_of_room(
    store: Stores, platform: Platform, clock: ManualClock
) -> None:
    gate = asyncio.Event()
    members = [dm("chat", f"u{n}", "chat") for n in range(10)]
    for to in members:
        platform.gates[to] = gate
    await queue(store, clock, *((f"m{n}", to, f"c{n}") for n, to in enumerate(members)))
    deliveries = worker(store, platform, clock, community_backlog=4)
    wake, stop = asyncio.Event(), asyncio.Event()
    serving = asyncio.create_task(deliveries.run_forever(wake, stop))
    await platform.wait_until(lambda: platform.in_flight == 2)
    stop.set()
    gate.set()
    await serving
    assert sorted(platform.accepted) == sorted(f"m{n}" for n in range(10))
    assert await store.outbox.pending_outbox_count() == 0


async def test_caught_up_is_answered_by_the_running_worker_once_the_item_went_out(
    store: Stores, platform: Platform, clock: ManualClock
) -> None:
    wake, stop = asyncio.Event(), asyncio.Event()
    # An hour between polls: only caught_up's wake-up can deliver within the test.
    deliveries = worker(store, platform, clock, idle=3600.0)
    running = asyncio.create_task(deliveries.run_forever(wake, stop))
    await queue(store, clock, ("to someone else", dm("chat", "v", "chat"), "c1"))
    await asyncio.wait_for(deliveries.caught_up(), WAIT)
    assert platform.accepted == ["to someone else"]
    assert await store.outbox.pending_outbox_count() == 0
    stop.set()
    await asyncio.wait_for(running, WAIT)
    assert platform.accepted == ["to someone else"], "sent once"


class OutboxStallingRemoval(MemoryOutbox):
    """The removal of a delivered item hangs (the database stalls), until cancelled."""

    async def delivered(self, item_id: str) -> None:
        await asyncio.Event().wait()


async def test_an_item_sent_when_its_lane_is_cancelled_keeps_its_lease(
    platform: Platform, clock: ManualClock
) -> None:
    state = MemoryState()
    store = MemoryStore(state, outbox=OutboxStallingRemoval(state))
    await queue(
        store,
        clock,
        ("card", volunteers("chat", "chat"), "c1"),
        ("second", volunteers("chat", "chat"), "c1"),
    )
    deliveries = worker(store, platform, clock)
    running = asyncio.create_task(deliveries.run_once())
    await platform.wait_until(lambda: len(platform.accepted) == 1)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    now = clock.now() + timedelta(seconds=1)
    # The platform has "card": only "second", never handed over, is free at once.
    free = await store.outbox.lease_due_outbox(now, 10, "other", now + timedelta(minutes=2))
    assert [outbound_json.decode(i.payload).reply.text() for i in free] == ["second"]
    assert platform.accepted == ["card"]


# -- erasures (issue 18.6): deleting a copy takes the same way as any delivery ----------


async def queue_erasure(store: Stores, clock: ManualClock, ref: str, to: Destination) -> None:
    at = clock.now()
    await store.checkins.save_draft(checkin("c1", at))
    copy = SentCopy(f"copy-{ref}", "c1", to.platform, to.kind, to.user_id, ref, at)
    await store.outbox.enqueue([erase_item(copy, at)])


async def test_a_relay_is_recorded_where_it_went_and_deleted_once_its_check_in_closed(
    store: Stores, platform: Platform, clock: ManualClock
) -> None:
    await queue(store, clock, ("the member's words", dm("chat", "v", "chat"), "c1"))
    deliveries = worker(store, platform, clock)
    assert await deliveries.drain() == 1
    [copy] = await store.copies.copies_of("c1")
    assert (copy.ref, copy.kind, copy.user_id) == ("ref-1", "dm", "v")
    erasure = Erasure(store.copies, store.practice, clock)
    assert await erasure.sweep() == 0, "kept while the conversation is open"
    audit = AuditEntry(clock.now(), "c1", "Member c1", "closed", "the member")
    assert await store.checkins.close("c1", "member", clock.now(), [], audit)
    assert await erasure.sweep() == 1
    assert await deliveries.drain() == 1
    assert platform.deleted == ["ref-1"]
    assert await store.copies.copies_of("c1") == []
    assert await store.outbox.pending_outbox_count() == 0


async def test_an_erasure_waits_out_retry_after_and_its_destination_pauses(
    store: Stores, platform: Platform, clock: ManualClock
) -> None:
    to = dm("chat", "v", "chat")
    open_at = clock.now() + timedelta(seconds=30)
    platform.refuse_delete = lambda _ref: (
        DeliveryError("429", retry_after=30) if clock.now() < open_at else None
    )
    await queue_erasure(store, clock, "ref-9", to)
    deliveries = worker(store, platform, clock, max_attempts=1)
    assert await deliveries.drain() == 0
    await queue(store, clock, ("to the same DM", to, "c2"))
    assert await deliveries.drain() == 0, "the DM is paused for every lane"
    assert platform.tried == ["delete ref-9"]
    clock.advance(seconds=31)
    assert await deliveries.drain() == 2
    assert platform.deleted == ["ref-9"] and platform.accepted == ["to the same DM"]
    assert await store.audit.audit_entries("chat", 10) == [], "a wait is not a failed attempt"


async def test_an_erasure_refused_for_good_is_given_up_and_audited(
    store: Stores, platform: Platform, clock: ManualClock
) -> None:
    platform.refuse_delete = lambda _ref: DeliveryError("missing_scope", permanent=True)
    await queue_erasure(store, clock, "ref-9", dm("chat", "v", "chat"))
    deliveries = worker(store, platform, clock, permanent_attempts=2)
    for _ in range(4):
        await deliveries.drain()
        clock.advance(minutes=10)
    assert platform.tried == ["delete ref-9", "delete ref-9"]
    [entry] = await store.audit.audit_entries("chat", 10)
    assert (entry.action, entry.by) == (GAVE_UP, ERASE)
    assert await store.outbox.pending_outbox_count() == 0


# -- communities: one community's load never holds up another's --------------------------


def channel_of(community: str) -> Destination:
    """The volunteers' channel of a community on the stand-in platform."""
    return Destination("chat", "volunteers", "", community)


async def test_a_rate_limited_community_channel_does_not_pause_another(
    store: Stores, platform: Platform, clock: ManualClock
) -> None:
    busy, other = channel_of("chat:A"), channel_of("chat:B")
    platform.refuse = lambda o: (
        DeliveryError("429", retry_after=60) if o.destination == busy else None
    )
    await queue(store, clock, ("A card0", busy, "a0"), ("A card1", busy, "a1"))
    await queue(store, clock, ("B card", other, "b0"))
    deliveries = worker(store, platform, clock)
    assert await deliveries.run_once() == 1
    assert platform.accepted == ["B card"], "A's pause is A's channel's alone"
    await queue(store, clock, ("B card2", other, "b1"))
    assert await deliveries.drain() == 1
    assert platform.accepted == ["B card", "B card2"]


async def test_a_slow_community_channel_does_not_hold_another_channel(
    store: Stores, platform: Platform, clock: ManualClock
) -> None:
    slow, other = channel_of("chat:A"), channel_of("chat:B")
    await queue(store, clock, *((f"A card{n}", slow, f"a{n}") for n in range(6)))
    await queue(store, clock, ("B card", other, "b0"))
    platform.gates[slow] = gate = asyncio.Event()
    deliveries = worker(store, platform, clock, per_destination=1, destination_backlog=3)
    round_ = asyncio.create_task(deliveries.run_once())
    await platform.wait_until(lambda: "B card" in platform.accepted)
    gate.set()
    await round_
    clock.advance(seconds=2)  # what went back for A's full backlog is due again
    await deliveries.drain()
    assert len(platform.accepted) == 7


async def test_a_burst_in_one_community_does_not_starve_another(
    store: Stores, platform: Platform, clock: ManualClock
) -> None:
    """A's members flood the outbox (60 DMs, every send stuck); B's one message, queued
    last, still goes out: A holds only its share of the sends and of the leased room."""
    flood = [Destination("chat", "dm", f"a{n}", "chat:A") for n in range(60)]
    gate = asyncio.Event()
    for to in flood:
        platform.gates[to] = gate
    await queue(store, clock, *((f"A{n}", to, f"a{n}") for n, to in enumerate(flood)))
    await queue(store, clock, ("B reply", Destination("chat", "dm", "b", "chat:B"), "b0"))
    deliveries = worker(
        store,
        platform,
        clock,
        batch=10,
        backlog=40,
        community_backlog=20,
        per_platform=8,
        per_community=6,
    )
    wake, stop = asyncio.Event(), asyncio.Event()
    serving = asyncio.create_task(deliveries.run_forever(wake, stop))
    await platform.wait_until(lambda: "B reply" in platform.accepted)
    assert platform.in_flight <= 6, "A never takes more than its share of the sends"
    gate.set()
    stop.set()
    await serving
    clock.advance(seconds=2)  # A's items that went back are due again
    await deliveries.drain(rounds=20)
    assert len(platform.accepted) == 61
