"""The outbox worker: delivers queued messages with retry and exponential backoff.

Items leave the outbox only after the platform accepted them, so a crash or a platform
failure delays a message but never loses it (at-least-once delivery).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Mapping
from datetime import timedelta

from bot.core import outbound_json as wire
from bot.core.clock import Clock
from bot.core.erasure import CARRIES_MEMBER_WORDS, ERASE, copy_of
from bot.core.errors import DeliveryError
from bot.core.messages import Outbound
from bot.core.models import OutboxItem
from bot.core.ports import CheckinStore, CopyStore, Messenger, OutboxStore

log = logging.getLogger(__name__)

BASE_DELAY = 2.0
MAX_DELAY = 300.0
BATCH = 50
# Items taken are this process's for a minute; if it dies, another takes them after.
OWNER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
LEASE = timedelta(minutes=1)


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Seconds before the next try: the platform's hint if it gave one, else doubling."""
    if retry_after is not None and retry_after > 0:
        return min(retry_after, MAX_DELAY)
    return float(min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY))


class Deliveries:
    def __init__(
        self,
        outbox: OutboxStore,
        checkins: CheckinStore,
        messengers: Mapping[str, Messenger],
        clock: Clock,
        copies: CopyStore | None = None,
    ) -> None:
        self._copies = copies
        self._outbox = outbox
        self._store = checkins
        self._messengers = messengers
        self._clock = clock
        # Set while run_forever serves; who waits in caught_up is answered after a round.
        self._wake: asyncio.Event | None = None
        self._waiting: list[asyncio.Future[None]] = []

    async def run_once(self) -> int:
        """Deliver what is due now; return how many were delivered."""
        delivered = 0
        now = self._clock.now()
        leased = await self._outbox.lease_due_outbox(now, BATCH, OWNER, now + LEASE)
        for item in leased:
            if await self._deliver(item):
                delivered += 1
        return delivered

    async def drain(self, rounds: int = 10) -> int:
        """Deliver until nothing due is left (bounded): the console and tests use it."""
        total = 0
        for _ in range(rounds):
            count = await self.run_once()
            total += count
            if count == 0:
                break
        return total

    async def _deliver(self, item: OutboxItem) -> bool:
        outbound = wire.decode(item.payload)
        messenger = self._messengers.get(outbound.destination.platform)
        if messenger is None:
            log.error(
                "no messenger for platform %s; outbox item %s waits",
                outbound.destination.platform,
                item.id,
            )
            await self._retry(item, None)
            return False
        outbound = await self._resolve_update(item, outbound)
        try:
            ref = ""
            if item.purpose == ERASE:
                await messenger.delete(outbound.update_ref)
            else:
                ref = await messenger.send(outbound)
        except DeliveryError as exc:
            log.warning(
                "delivery of %s (%s) failed, attempt %d: %s",
                item.id,
                item.purpose,
                item.attempts + 1,
                exc,
            )
            await self._retry(item, exc.retry_after)
            return False
        except Exception:
            # A bug or an unexpected platform answer: keep the message, log without content.
            log.exception("delivery of %s (%s) raised; will retry", item.id, item.purpose)
            await self._retry(item, None)
            return False
        if item.purpose in ("card", "escalation") and ref:
            await self._store.set_card_ref(item.checkin_id, ref)
        if item.purpose in CARRIES_MEMBER_WORDS and ref and self._copies is not None:
            await self._copies.record_copy(copy_of(item, outbound, ref, self._clock.now()))
        await self._outbox.delivered(item.id)
        return True

    async def _resolve_update(self, item: OutboxItem, outbound: Outbound) -> Outbound:
        if item.purpose != "card_update":
            return outbound
        checkin = await self._store.get_checkin(item.checkin_id)
        ref = checkin.card_ref if checkin else ""
        return Outbound(outbound.destination, outbound.reply, outbound.mention_leads, ref)

    async def _retry(self, item: OutboxItem, retry_after: float | None) -> None:
        attempts = item.attempts + 1
        delay = backoff(attempts, retry_after)
        await self._outbox.retry_later(
            item.id, attempts, self._clock.now() + timedelta(seconds=delay)
        )

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

    async def run_forever(
        self, wake: asyncio.Event, stop: asyncio.Event, idle: float = 1.0
    ) -> None:
        self._wake = wake
        try:
            while not stop.is_set():
                wake.clear()
                await self._round()
                waiters = {asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait())}
                _, pending = await asyncio.wait(
                    waiters, timeout=idle, return_when=asyncio.FIRST_COMPLETED
                )
                for task in pending:
                    task.cancel()
            await self._round()
        finally:
            self._wake = None
            self._answer(self._waiting)

    async def _round(self) -> None:
        """Deliver what is due (all of it when someone waits), then answer whoever asked
        before the round began."""
        waiting, self._waiting = self._waiting, []
        try:
            await (self.drain() if waiting else self.run_once())
        except Exception:
            log.exception("outbox round failed; retrying")
        finally:
            self._answer(waiting)

    @staticmethod
    def _answer(waiting: list[asyncio.Future[None]]) -> None:
        for answered in waiting:
            if not answered.done():
                answered.set_result(None)
