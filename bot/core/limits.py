"""Per-community rate limits: how fast one community may open check-ins and reload content.

One token bucket per community and per kind of action: a community may spend a full
period's allowance at once (a burst), then one more each `period / count`. Time comes from
the Clock port, so tests move it by hand. A bucket that has refilled is the same as no
bucket, so idle communities' buckets are dropped (`sweep`, run at most once a period):
memory follows the communities active lately, not every community ever seen.

The limits are counted **per process**: nothing is written to the database for them, so
a Send costs no extra statement. With several processes a community may reach the limit
in each process it reaches; on Discord a server's events all come to one process (its
shard), on Slack a load balancer spreads them. See docs/operators.md.

Practice presses (alone or together) are never refused; a community's burst of them waits
its turn (`FairShare`), so the shared store serves another community between them.

A check-in the crisis screen flagged is never refused by the community limit (the desk
lets it through); the per-member rules (one open check-in, the cooldown after closing)
are the desk's own and live in `bot/core/intake.py`.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.clock import Clock

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LimitSettings:
    """Operator settings (bot/config.py); 0 turns a limit off."""

    checkins_per_minute: float = 30.0
    reloads_per_hour: float = 12.0
    # Practice presses of one community handled at once; the rest wait their turn, so a
    # burst in one community queues behind itself, not in front of another community.
    practice_in_flight: int = 8


@dataclass(frozen=True, slots=True)
class Rate:
    count: float  # actions allowed per period, and the largest burst; 0: unlimited
    period: timedelta

    @property
    def burst(self) -> float:
        """A full bucket: a period's allowance, and at least one action."""
        return max(self.count, 1.0)

    @property
    def unlimited(self) -> bool:
        return self.count <= 0


@dataclass(slots=True)
class _Bucket:
    level: float  # tokens left at `at`
    at: datetime


class RateLimiter:
    """Token buckets, one per key, created on first use and dropped once refilled."""

    def __init__(self, rate: Rate, clock: Clock) -> None:
        self.rate = rate
        self._clock = clock
        self._buckets: dict[Hashable, _Bucket] = {}
        self._swept = clock.now()

    def __len__(self) -> int:
        """How many buckets are held (idle ones are dropped at the next sweep)."""
        return len(self._buckets)

    def take(self, key: Hashable) -> timedelta | None:
        """Spend one action of `key`'s allowance: None when allowed, else how long until
        the next one would be."""
        if self.rate.unlimited:
            return None
        now = self._clock.now()
        self.sweep(now)
        bucket = self._buckets.get(key)
        level = self._level(bucket, now)
        if level >= 1:
            self._buckets[key] = _Bucket(level - 1, now)
            return None
        self._buckets[key] = _Bucket(level, now)
        return self._per_token() * (1 - level)

    def sweep(self, now: datetime) -> None:
        """Drop the buckets that have refilled (at most once a period: cheap on each take)."""
        if now - self._swept < self.rate.period:
            return
        self._swept = now
        full = [k for k, b in self._buckets.items() if self._level(b, now) >= self.rate.burst]
        for key in full:
            del self._buckets[key]

    def _level(self, bucket: _Bucket | None, now: datetime) -> float:
        if bucket is None:
            return self.rate.burst
        refilled = (now - bucket.at) / self._per_token()
        return min(self.rate.burst, bucket.level + max(refilled, 0.0))

    def _per_token(self) -> timedelta:
        return self.rate.period / self.rate.count


@dataclass(slots=True)
class _Turns:
    slots: asyncio.Semaphore
    users: int = 0  # requests holding or waiting for a slot


@dataclass(slots=True)
class FairShare:
    """At most `per_community` requests of one community at once (0: no bound). Nothing is
    refused, only queued; a community's entry lives while it has requests in flight."""

    per_community: int
    _turns: dict[str, _Turns] = field(default_factory=dict)

    def __len__(self) -> int:
        """How many communities have requests in flight (the entries held)."""
        return len(self._turns)

    def in_flight(self, community: str) -> int:
        """Requests of `community` holding or waiting for a turn."""
        turns = self._turns.get(community)
        return 0 if turns is None else turns.users

    @asynccontextmanager
    async def turn(self, community: str) -> AsyncIterator[None]:
        if self.per_community <= 0:
            yield
            return
        turns = self._turns.get(community)
        if turns is None:
            turns = self._turns[community] = _Turns(asyncio.Semaphore(self.per_community))
        turns.users += 1
        try:
            async with turns.slots:
                yield
        finally:
            turns.users -= 1
            if turns.users == 0:
                del self._turns[community]


class CommunityLimits:
    """The deployment's per-community limits: opening check-ins (Send), content reloads,
    and practice presses in flight."""

    def __init__(self, clock: Clock, settings: LimitSettings | None = None) -> None:
        settings = settings or LimitSettings()
        self.settings = settings
        self.checkins = RateLimiter(Rate(settings.checkins_per_minute, MINUTE), clock)
        self.reloads = RateLimiter(Rate(settings.reloads_per_hour, HOUR), clock)
        self.practice = FairShare(settings.practice_in_flight)

    def open_checkin(self, community: str) -> timedelta | None:
        """One Send in `community`: None when allowed, else the wait before the next."""
        return self.checkins.take(community)

    def reload(self, community: str) -> timedelta | None:
        """One content reload for `community`: None when allowed, else the wait."""
        return self.reloads.take(community)


def minutes_to_wait(wait: timedelta) -> int:
    """A wait as the whole minutes a member is told (at least one)."""
    return max(1, math.ceil(wait.total_seconds() / 60))


def log_refusal(community: str, what: str, wait: timedelta) -> None:
    """One line per refusal: the community id, never a member or their words."""
    log.warning(
        "community %s: %s refused by the community limit; the next is allowed in %ds",
        community,
        what,
        math.ceil(wait.total_seconds()),
    )
