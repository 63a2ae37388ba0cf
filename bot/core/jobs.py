"""Periodic jobs that run once per period across every process sharing the store.

Before it runs, a job takes the lease named after it (`LeaseStore.take_lease`) until the
end of its period: of all the processes asking, one wins, and the others skip it until
the lease ends. Each job runs in its own task: a job that raises is logged and runs
again next period, and one that hangs holds up only itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.core.clock import Clock
from bot.core.communities import Communities
from bot.core.ports import LeaseStore

log = logging.getLogger(__name__)

# How often each process asks whether a job's lease is free: a job runs at most this
# long after its period ends.
TICK_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Job:
    name: str  # the lease's name: the same in every process
    period: timedelta
    run: Callable[[], Awaitable[object]]


# How often removed communities past their grace are looked for.
COMMUNITY_PURGE_PERIOD = timedelta(hours=1)


def community_purge_job(
    communities: Communities, period: timedelta = COMMUNITY_PURGE_PERIOD
) -> Job:
    """Purges the communities that removed the bot once their grace has passed."""
    return Job("community-purge", period, communities.purge_removed)


class JobRunner:
    def __init__(
        self,
        leases: LeaseStore,
        clock: Clock,
        jobs: Sequence[Job],
        *,
        owner: str,
        tick: float = TICK_SECONDS,
    ) -> None:
        self._leases = leases
        self._clock = clock
        self.jobs = tuple(jobs)
        self._owner = owner
        self._tick = tick

    async def run_due(self) -> list[str]:
        """Run every job whose lease this process wins now; the names of those that ran."""
        ran = [job.name for job in self.jobs if await self.run_if_due(job)]
        return ran

    async def run_if_due(self, job: Job) -> bool:
        """Take `job`'s lease and run it; False if another process holds the lease."""
        now = self._clock.now()
        try:
            if not await self._leases.take_lease(job.name, self._owner, now, now + job.period):
                return False
        except Exception:
            log.exception("could not ask for the lease of job %s; asking again soon", job.name)
            return False
        # One line per run, naming its period: runs can be counted across processes.
        log.info(
            "job %s runs for %s to %s", job.name, now.isoformat(), (now + job.period).isoformat()
        )
        try:
            await job.run()
        except Exception:
            log.exception("job %s failed; it runs again next period", job.name)
        return True

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Each job in its own loop until `stop`."""
        await asyncio.gather(*(self._loop(job, stop) for job in self.jobs))

    async def _loop(self, job: Job, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.run_if_due(job)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._tick)
