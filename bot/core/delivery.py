"""The outbox worker: leases due items and delivers them concurrently, in order where it matters.

Each process leases items under its own owner id (`lease_due_outbox`), so two processes
never send the same item at once; an item leaves the outbox only once the platform
accepted it, so a crash or a failing platform delays a message but never loses it
(at-least-once). Leased items go into lanes, one per conversation and destination (a
channel or a DM of one community), each delivered in the order it was queued. Lanes run
concurrently, bounded per destination, per community and per platform: a slow or
rate-limited destination holds only its own lanes, and one community's burst holds at
most its share of the sends in flight and of the items leased, so another community's
messages still go out. A 429 pauses its destination until Retry-After, without counting as a
failed attempt; an item the platform refuses for good, or that keeps failing, is given up,
audited and logged in one line without its content. An erasure item (`erasure.ERASE`)
deletes the message it names and takes the same way: lanes, bounds, retries, give-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core import outbound_json as wire
from bot.core.clock import Clock
from bot.core.erasure import CARRIES_MEMBER_WORDS, ERASE, copy_of
from bot.core.errors import DeliveryError
from bot.core.messages import Outbound
from bot.core.models import AuditEntry, OutboxItem
from bot.core.ports import CheckinStore, CopyStore, Messenger, OutboxStore

log = logging.getLogger(__name__)

BASE_DELAY = 2.0
MAX_DELAY = 300.0
# Why an item went back without being tried: not a failed attempt.
BUSY_DELAY = timedelta(seconds=1)
NO_MESSENGER_DELAY = timedelta(seconds=2)
GAVE_UP = "undelivered"  # the audit action of an item given up
PUT_BACK_SECONDS = 5.0  # at shutdown, for lanes to put back what they did not send

Destination = tuple[str, str, str, str]  # platform, community, kind, user id
Community = tuple[str, str]  # platform, community
LaneKey = tuple[str, str, str, str, str]  # the destination, then the check-in


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Seconds before the next try: the platform's hint if it gave one, else doubling."""
    if retry_after is not None and retry_after > 0:
        return min(retry_after, MAX_DELAY)
    return float(min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY))


def new_owner_id() -> str:
    """Names this process in leases: host, pid and a random part (a pid can be reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    batch: int = 50  # items leased per round
    # Items held leased at most, all lanes together: more give delivery more of the event
    # loop's turns in a burst (bench f), and more to wait out a lease after a crash.
    backlog: int = 400
    # Cards of different check-ins go to one channel in lanes of their own: enough of
    # them in flight that the volunteers' channel keeps pace with a burst of check-ins
    # (a 429 still pauses the channel until Retry-After).
    per_destination: int = 32  # sends in flight to one channel or DM
    per_platform: int = 64  # sends in flight to one platform
    # Sends in flight for one community: below per_platform, so others always have room.
    per_community: int = 48
    destination_backlog: int = 200  # items held for one destination; the rest go back
    # Room one community's lanes may take of the backlog (counted as `backlog` is); the
    # rest of its items go back, so another community's items are still leased.
    community_backlog: int = 200
    lease: timedelta = timedelta(minutes=2)
    send_timeout: float = 30.0  # a send that takes longer is counted as failed
    max_attempts: int = 12  # transient failures (about 25 minutes of backoff)
    permanent_attempts: int = 3  # refusals the platform calls permanent
    idle: float = 1.0  # seconds between polls when nothing wakes the worker


@dataclass(slots=True)
class _Entry:
    item: OutboxItem
    outbound: Outbound
    destination: Destination
    leased_until: datetime
    # Handed to the platform: it may have it, so it never goes back before its lease ends.
    sent: bool = False


@dataclass(slots=True)
class _Lane:
    destination: Destination
    entries: list[_Entry] = field(default_factory=list)
    task: asyncio.Task[None] | None = None


def _destination(outbound: Outbound) -> Destination:
    d = outbound.destination
    return (d.platform, d.community, d.kind, d.user_id)


class Deliveries:
    def __init__(
        self,
        outbox: OutboxStore,
        checkins: CheckinStore,
        messengers: Mapping[str, Messenger],
        clock: Clock,
        *,
        owner: str = "",
        policy: DeliveryPolicy | None = None,
        copies: CopyStore | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._outbox = outbox
        self._sleep = sleep
        # Where messages carrying a member's words went, to delete them later.
        self._copies = copies
        # The check-ins its cards and card updates refer to.
        self._checkins = checkins
        self._messengers = messengers
        self._clock = clock
        self.owner = owner or new_owner_id()
        self.policy = policy or DeliveryPolicy()
        self._lanes: dict[LaneKey, _Lane] = {}
        # A lane put back until a time (a failed item waits): later items queue behind it.
        self._holds: dict[LaneKey, tuple[datetime, int]] = {}
        self._paused: dict[Destination, datetime] = {}  # rate-limited until
        self._destination_slots: dict[Destination, asyncio.Semaphore] = {}
        self._community_slots: dict[Community, asyncio.Semaphore] = {}
        self._platform_slots: dict[str, asyncio.Semaphore] = {}
        self._freed = asyncio.Event()
        # When the items last put back for want of room are due again.
        self._crowded_until: datetime | None = None
        self._delivered = 0
        self._warned: set[str] = set()
        # Set while run_forever serves; who waits in caught_up is answered after a round.
        self._wake: asyncio.Event | None = None
        self._waiting: list[asyncio.Future[None]] = []
        self._removals = _Removals(outbox)

    # -- rounds ------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Lease what is due now and deliver it; return how many were delivered."""
        before = self._delivered
        await self._lease_round()
        await self.settle()
        return self._delivered - before

    async def drain(self, rounds: int = 10) -> int:
        """Deliver until nothing due is left (bounded): the console and tests use it."""
        total = 0
        for _ in range(rounds):
            count = await self.run_once()
            total += count
            if count == 0 and not await self._wait_for_crowded():
                break
        return total

    async def _wait_for_crowded(self) -> bool:
        """Wait until the items put back for want of room are due again; False if there
        are none. A clean stop once left them behind, though its lanes were all done."""
        until, self._crowded_until = self._crowded_until, None
        if until is None:
            return False
        await self._sleep(max(0.0, (until - self._clock.now()).total_seconds()))
        return True

    async def settle(self) -> None:
        """Wait until every lane has finished (delivered, or put its items back)."""
        while self._lanes:
            tasks = [lane.task for lane in self._lanes.values() if lane.task is not None]
            await asyncio.gather(*tasks, return_exceptions=True)

    async def caught_up(self) -> None:
        """Return once what is due now has been delivered, by the worker when it runs (so
        nothing is sent twice), else here: the console waits so a message to someone else
        prints before the next prompt."""
        if self._wake is None:
            await self.drain()
            return
        answered = asyncio.get_running_loop().create_future()
        self._waiting.append(answered)
        self._wake.set()
        await answered

    async def run_forever(self, wake: asyncio.Event, stop: asyncio.Event) -> None:
        """Deliver until `stop`; `wake` (set when items are queued) starts a round at once."""
        self._wake = wake
        try:
            while not stop.is_set():
                # Cleared before the round: an item queued during it wakes the next one.
                wake.clear()
                self._freed.clear()
                full = await self._round()
                room = self._room()
                if full and room:
                    continue  # a full batch: more may be due
                # Full up: a lane that finishes makes room for the next round.
                events = (wake, stop) if room else (wake, stop, self._freed)
                await _first_of(*events, timeout=self.policy.idle)
            await self.drain()
        finally:
            self._wake = None
            _answer(self._waiting)
            await self._cancel_lanes()

    async def _round(self) -> bool:
        """Lease what there is room for; True if that filled the room. When someone waits
        in caught_up: deliver all that is due, then answer whoever asked before."""
        waiting, self._waiting = self._waiting, []
        try:
            if waiting:
                await self.drain()
                return False
            return await self._lease_round()
        except Exception:
            log.exception("outbox round failed; retrying")
            return False
        finally:
            _answer(waiting)

    def _room(self) -> int:
        held = sum(len(lane.entries) + 1 for lane in self._lanes.values())
        return max(0, min(self.policy.batch, self.policy.backlog - held))

    async def _lease_round(self) -> bool:
        """Lease as many due items as there is room for; True if that filled the room."""
        now = self._clock.now()
        self._forget_expired(now)
        room = self._room()
        if room == 0:
            return False
        until = now + self.policy.lease
        items = await self._outbox.lease_due_outbox(now, room, self.owner, until)
        # Oldest first within a lane: a conversation arrives in the order it was written.
        for item in sorted(items, key=lambda i: i.created_at):
            await self._route(item, until)
        return len(items) == room

    def _forget_expired(self, now: datetime) -> None:
        self._holds = {k: v for k, v in self._holds.items() if v[0] > now}
        self._paused = {k: v for k, v in self._paused.items() if v > now}
        busy = {lane.destination for lane in self._lanes.values()}
        self._destination_slots = {k: v for k, v in self._destination_slots.items() if k in busy}
        communities = {d[:2] for d in busy}
        self._community_slots = {k: v for k, v in self._community_slots.items() if k in communities}

    # -- lanes -------------------------------------------------------------------------

    async def _route(self, item: OutboxItem, leased_until: datetime) -> None:
        try:
            outbound = wire.decode(item.payload)
        except (ValueError, KeyError, TypeError) as exc:
            await self._give_up(item, "?", item.attempts, f"unreadable ({type(exc).__name__})")
            return
        destination = _destination(outbound)
        key: LaneKey = (*destination, item.checkin_id)
        lane = self._lanes.get(key)
        if lane is None:
            # A running lane takes it, in order, whatever holds it up; otherwise it may
            # have to go back.
            back = self._put_back_time(key, destination)
            if back is not None:
                await self._outbox.retry_later(item.id, item.attempts, back)
                return
            lane = self._lanes[key] = _Lane(destination)
        lane.entries.append(_Entry(item, outbound, destination, leased_until))
        if lane.task is None:
            lane.task = asyncio.create_task(self._run_lane(key, lane))

    def _put_back_time(self, key: LaneKey, destination: Destination) -> datetime | None:
        """When an item just leased must go back instead of into a new lane: the time it
        is due again, after whatever of its lane went back before it."""
        now = self._clock.now()
        crowded = False
        if key in self._holds:
            until = self._holds[key][0]
            crowded = until <= now + BUSY_DELAY  # behind an item that went back for room
        elif destination in self._paused:
            until = self._paused[destination]
        elif destination[0] not in self._messengers:
            self._warn_no_messenger(destination[0])
            until = now + NO_MESSENGER_DELAY
        elif self._full(destination):
            until, crowded = now + BUSY_DELAY, True
        else:
            return None
        back = self._next_in_hold(key, until)
        if crowded:
            self._crowded_until = max(back, self._crowded_until or back)
        return back

    def _full(self, destination: Destination) -> bool:
        """Whether the destination holds all the items it may, or its community all the
        room it may (counted as `_room` counts it)."""
        lanes = self._lanes.values()
        queued = sum(len(lane.entries) for lane in lanes if lane.destination == destination)
        community = destination[:2]
        held = sum(len(lane.entries) + 1 for lane in lanes if lane.destination[:2] == community)
        policy = self.policy
        return queued >= policy.destination_backlog or held >= policy.community_backlog

    def _next_in_hold(self, key: LaneKey, until: datetime) -> datetime:
        """A time after every item already put back in this lane: they stay in order."""
        held_until, count = self._holds.get(key, (until, 0))
        base = max(until, held_until)
        self._holds[key] = (base, count + 1)
        return base + timedelta(microseconds=count + 1)

    def _warn_no_messenger(self, platform: str) -> None:
        if platform not in self._warned:
            self._warned.add(platform)
            log.warning(
                "no messenger for platform %s here; its items go back for another", platform
            )

    async def _run_lane(self, key: LaneKey, lane: _Lane) -> None:
        try:
            while lane.entries:
                async with self._slots(lane.destination):
                    back = self._blocked_until(key, lane.entries[0])
                    if back is None:
                        # Popped once tried; cancelled before its send began, it goes back.
                        back = await self._attempt(lane.entries[0])
                        lane.entries.pop(0)
                if back is not None:
                    await self._put_back(key, lane, back)
        except asyncio.CancelledError:
            await self._put_back(key, lane, self._clock.now())
            raise
        except Exception:
            # The store failed under this lane: its items return when their lease ends.
            log.exception(
                "an outbox lane stopped; %d item(s) wait for their lease", len(lane.entries)
            )
        finally:
            self._lanes.pop(key, None)
            self._freed.set()

    def _blocked_until(self, key: LaneKey, entry: _Entry) -> datetime | None:
        now = self._clock.now()
        hold = self._holds.get(key)
        if hold is not None and hold[0] > now:
            return hold[0]
        paused = self._paused.get(entry.destination)
        if paused is not None and paused > now:
            return paused
        # Too close to the end of the lease to start a send: another process may take it.
        if entry.leased_until - timedelta(seconds=self.policy.send_timeout) <= now:
            return now
        return None

    async def _put_back(self, key: LaneKey, lane: _Lane, until: datetime) -> None:
        """Every item left in the lane goes back, due in order from `until` on, but one
        whose send began: it keeps its lease (at-least-once, never at once twice)."""
        while lane.entries:
            entry = lane.entries.pop(0)
            if entry.sent:
                continue
            at = self._next_in_hold(key, until)
            await self._outbox.retry_later(entry.item.id, entry.item.attempts, at)

    @contextlib.asynccontextmanager
    async def _slots(self, destination: Destination) -> AsyncIterator[None]:
        per_destination = self._destination_slots.get(destination)
        if per_destination is None:
            per_destination = asyncio.Semaphore(self.policy.per_destination)
            self._destination_slots[destination] = per_destination
        per_community = self._community_slots.get((destination[0], destination[1]))
        if per_community is None:
            per_community = asyncio.Semaphore(self.policy.per_community)
            self._community_slots[(destination[0], destination[1])] = per_community
        per_platform = self._platform_slots.get(destination[0])
        if per_platform is None:
            per_platform = asyncio.Semaphore(self.policy.per_platform)
            self._platform_slots[destination[0]] = per_platform
        async with per_destination, per_community, per_platform:
            yield

    async def _cancel_lanes(self) -> None:
        """Stop every lane; each puts its unsent items back (bounded: the store may be
        what failed, and then their leases end on their own)."""
        tasks = [lane.task for lane in self._lanes.values() if lane.task is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=PUT_BACK_SECONDS)

    # -- one item ----------------------------------------------------------------------

    async def _attempt(self, entry: _Entry) -> datetime | None:
        """Send one item; None when it is done with (delivered or given up), else the
        time it is due again (the rest of its lane waits behind it)."""
        item = entry.item
        messenger = self._messengers.get(entry.destination[0])
        if messenger is None:
            return self._clock.now() + NO_MESSENGER_DELAY
        try:
            outbound = await self._resolve_update(item, entry.outbound)
            entry.sent = True
            async with asyncio.timeout(self.policy.send_timeout):
                ref = await _hand_over(messenger, item.purpose, outbound)
        except DeliveryError as exc:
            return await self._failed(entry, exc)
        except TimeoutError:
            return await self._failed(entry, DeliveryError("no answer in time"))
        except Exception as exc:
            # A bug or an unexpected platform answer: keep the message, log without content.
            log.exception("delivery of %s (%s) raised", item.id, item.purpose)
            return await self._failed(entry, DeliveryError(type(exc).__name__))
        if item.purpose in ("card", "escalation") and ref:
            await self._checkins.set_card_ref(item.checkin_id, ref)
        if item.purpose in CARRIES_MEMBER_WORDS and ref and self._copies is not None:
            await self._copies.record_copy(copy_of(item, outbound, ref, self._clock.now()))
        await self._removals.remove(item.id)
        self._delivered += 1
        return None

    async def _resolve_update(self, item: OutboxItem, outbound: Outbound) -> Outbound:
        if item.purpose != "card_update":
            return outbound
        checkin = await self._checkins.get_checkin(item.checkin_id)
        ref = checkin.card_ref if checkin else ""
        return Outbound(outbound.destination, outbound.reply, outbound.mention_leads, ref)

    async def _failed(self, entry: _Entry, exc: DeliveryError) -> datetime | None:
        item, now = entry.item, self._clock.now()
        if exc.retry_after is not None and not exc.permanent:
            # The platform asks to wait: the destination pauses; no attempt is spent.
            until = now + timedelta(seconds=backoff(item.attempts, exc.retry_after))
            self._paused[entry.destination] = max(until, self._paused.get(entry.destination, until))
            await self._outbox.retry_later(item.id, item.attempts, until)
            log.info(
                "%s %s of %s rate-limited for %.1fs",
                entry.destination[0],
                entry.destination[2],
                entry.destination[1],
                (until - now).total_seconds(),
            )
            return until
        attempts = item.attempts + 1
        limit = self.policy.permanent_attempts if exc.permanent else self.policy.max_attempts
        if attempts >= limit:
            await self._give_up(item, entry.destination[2], attempts, str(exc))
            return None
        at = now + timedelta(seconds=backoff(attempts))
        await self._outbox.retry_later(item.id, attempts, at)
        log.warning(
            "delivery of %s (%s) failed, attempt %d: %s", item.id, item.purpose, attempts, exc
        )
        return at

    async def _give_up(self, item: OutboxItem, kind: str, attempts: int, reason: str) -> None:
        checkin = await self._checkins.get_checkin(item.checkin_id)
        pseudonym = checkin.pseudonym if checkin is not None else ""
        at = self._clock.now()
        audit = AuditEntry(at, item.checkin_id, pseudonym, GAVE_UP, item.purpose, item.community)
        await self._outbox.give_up(item.id, audit)
        log.error(
            "gave up on outbox item %s (%s of check-in %s, to a %s) after %d attempt(s): %s",
            item.id,
            item.purpose,
            item.checkin_id,
            kind,
            attempts,
            reason,
        )


async def _hand_over(messenger: Messenger, purpose: str, outbound: Outbound) -> str:
    """Send `outbound`, or for an erasure delete the message it names (`update_ref`); the
    sent message's reference, "" for a deletion."""
    if purpose == ERASE:
        await messenger.delete(outbound.update_ref)
        return ""
    return await messenger.send(outbound)


class _Removals:
    """Delivered items leave the outbox together: each lane waits until its item's
    deletion is committed, as if it had deleted it alone, but the lanes that finish
    while one deletion is being committed share the next one (one transaction)."""

    def __init__(self, outbox: OutboxStore) -> None:
        self._outbox = outbox
        self._waiting: list[tuple[str, asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    async def remove(self, item_id: str) -> None:
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((item_id, done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._commit_all())
        await done

    async def _commit_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self._outbox.delivered(*(item_id for item_id, _ in batch))
            except Exception as exc:  # each waiting lane fails as its own delete would
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)


def _answer(waiting: list[asyncio.Future[None]]) -> None:
    for answered in waiting:
        if not answered.done():
            answered.set_result(None)


async def _first_of(*events: asyncio.Event, timeout: float) -> None:  # noqa: ASYNC109
    """Return when any of `events` is set, or after `timeout` seconds."""
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
