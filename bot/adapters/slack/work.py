"""What the adapter does after an ack, tracked; and the one HTTP session it talks through.

The bolt app runs with ``process_before_response=True``: a listener acknowledges, hands
the rest of its work to :meth:`Work.spawn` and returns, so that bolt sends the HTTP
response at once (bolt's default runner polls for the ack every 10 ms instead).  The
spawned tasks are kept here so that shutdown can wait for them (:meth:`Work.close`).

Every Web API call (``AsyncWebClient(session=...)``) and every response_url post goes
through :attr:`Work.session`: one connection pool, kept alive, closed on shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

import aiohttp

log = logging.getLogger(__name__)

# How long shutdown waits for work in flight before cancelling it.
DRAIN_SECONDS = 10.0
# slack_sdk's own default per-request timeout; with a shared session it is the session's.
HTTP_TIMEOUT_SECONDS = 30.0


def new_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT_SECONDS))


class Work:
    def __init__(self, session: aiohttp.ClientSession | None = None) -> None:
        self.session = session if session is not None else new_session()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self.stopping = asyncio.Event()
        """Set when :meth:`close` starts finishing the work in flight."""

    @property
    def pending(self) -> int:
        """How many spawned tasks have not finished yet."""
        return sum(1 for task in self._tasks if not task.done())

    @property
    def closed(self) -> bool:
        return self._closed

    def spawn(self, work: Coroutine[Any, Any, None], name: str = "slack work") -> None:
        """Run ``work`` in a task that shutdown waits for; log what it raises."""
        if self._closed:
            work.close()
            log.warning("shutting down: %s dropped", name)
            return
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("%s failed", task.get_name(), exc_info=exc)

    async def drain(self, timeout: float = DRAIN_SECONDS) -> bool:  # noqa: ASYNC109
        """Wait until every spawned task (and what they spawn) has finished.

        Cancels what is still running after ``timeout`` seconds; True when none had to be.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._tasks:
            remaining = deadline - loop.time()
            if remaining <= 0:
                left = list(self._tasks)
                log.warning("%d Slack task(s) still running at shutdown: cancelled", len(left))
                for task in left:
                    task.cancel()
                await asyncio.gather(*left, return_exceptions=True)
                return False
            await asyncio.wait(list(self._tasks), timeout=remaining)
        return True

    async def close(self, timeout: float = DRAIN_SECONDS) -> bool:  # noqa: ASYNC109
        """Finish (bounded by ``timeout``) the work in flight, then refuse new work and
        close the session.  True when everything finished in time; closing twice is
        harmless."""
        if self._closed:
            return True
        self.stopping.set()
        finished = await self.drain(timeout)
        self._closed = True
        await self.session.close()
        return finished
