"""Deleting the bot's own copies of a member's words or name (issue 18.6).

When the outbox delivers a message that carries them (the claimer's details, a relayed
message either way), it records where the message went. Once the check-in is no longer
active (closed, purged, forgotten on /mydata delete), `sweep` turns each record into an
outbox item that deletes the message: at-least-once and retried like any delivery, and
last in the queue, so an erasure never holds up a message to someone.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core import outbound_json
from bot.core.clock import Clock
from bot.core.desk_support import new_id
from bot.core.messages import Destination, Outbound, Reply
from bot.core.models import OutboxItem, SentCopy
from bot.core.ports import CopyStore, PracticeStore

log = logging.getLogger(__name__)

ERASE = "erase"
# What carries a member's words or name. Notices, cards and the rating request do not.
CARRIES_MEMBER_WORDS = frozenset({"details", "relay"})
# Below every delivery (relays are 0): erasures wait for whatever else is due.
ERASE_PRIORITY = -1


def copy_of(item: OutboxItem, outbound: Outbound, ref: str, at: datetime) -> SentCopy:
    """The record of `item`, delivered as `ref`, to delete later."""
    to = outbound.destination
    return SentCopy(
        new_id(), item.checkin_id, to.platform, to.kind, to.user_id, ref, at, to.community
    )


def erase_item(copy: SentCopy, now: datetime) -> OutboxItem:
    destination = Destination(copy.platform, copy.kind, copy.user_id, copy.community)
    outbound = Outbound(destination, Reply(), update_ref=copy.ref)
    return OutboxItem(
        id=new_id(),
        checkin_id=copy.checkin_id,
        purpose=ERASE,
        priority=ERASE_PRIORITY,
        payload=outbound_json.encode(outbound),
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        community=copy.community,
    )


class Erasure:
    def __init__(self, copies: CopyStore, runs: PracticeStore, clock: Clock) -> None:
        self._copies = copies
        self._runs = runs
        self._clock = clock

    async def after_purge(self, runs_before: datetime) -> int:
        """The retention purge's share: practice progress untouched since `runs_before`
        goes with the rest, and every copy still waiting is queued for deletion (one
        recorded after its check-in closed, a relay in flight, is caught here)."""
        runs = await self._runs.purge_runs(runs_before)
        if runs:
            log.info("purged %d practice run(s) past retention", runs)
        return await self.sweep()

    async def sweep(self) -> int:
        """Queue the deletion of every copy whose check-in is no longer active: called on
        close, /mydata delete and purge; a copy recorded late (a relay in flight at the
        close) is caught by the next call."""
        now = self._clock.now()
        queued = await self._copies.queue_erasure(lambda copy: erase_item(copy, now))
        if queued:
            log.info("queued the deletion of %d message(s) that carried a member's words", queued)
        return queued
