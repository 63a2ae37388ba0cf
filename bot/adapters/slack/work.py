"""What the adapter does after an ack, tracked; and the one HTTP session it talks through.

The bolt app runs with ``process_before_response=True``: a listener acknowledges, hands
the rest of its work to :meth:`Work.spawn` and returns, so that bolt sends the HTTP
response at once (bolt's default runner polls for the ack every 10 ms instead).  The
spawned tasks are tracked so that shutdown can wait for them (:meth:`Work.close`).

Every Web API call (``AsyncWebClient(session=...)``) and every response_url post goes
through :attr:`Work.session`: one connection pool, kept alive, closed on shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

import aiohttp

from bot.adapters.tasks import TrackedTasks

log = logging.getLogger(__name__)

# How long shutdown waits for work in flight before cancelling it.
DRAIN_SECONDS = 10.0
# slack_sdk's own default per-request timeout; with a shared session it is the session's.
HTTP_TIMEOUT_SECONDS = 30.0


def new_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT_SECONDS))


class Work:
    """The tasks spawned after acks (:class:`TrackedTasks`), and the session they talk
    through."""

    def __init__(self, session: aiohttp.ClientSession | None = None) -> None:
        self.session = session if session is not None else new_session()
        self._tasks = TrackedTasks()
        self.closed = False
        self.stopping = asyncio.Event()
        """Set when :meth:`close` starts finishing the work in flight."""

    @property
    def pending(self) -> int:
        """How many spawned tasks have not finished yet."""
        return len(self._tasks)

    def spawn(self, work: Coroutine[Any, Any, None], name: str = "slack work") -> None:
        """Run ``work`` in a task that shutdown waits for; log what it raises."""
        if self.closed:
            work.close()
            log.warning("shutting down: %s dropped", name)
            return
        self._tasks.spawn(work, name)

    async def drain(self, timeout: float = DRAIN_SECONDS) -> bool:  # noqa: ASYNC109
        """Wait until every spawned task (and what they spawn) has finished.

        Cancels what is still running after ``timeout`` seconds; True when none had to be.
        """
        cancelled = await self._tasks.drain(timeout)
        if cancelled:
            log.warning("%d Slack task(s) still running at shutdown: cancelled", cancelled)
        return cancelled == 0

    async def close(self, timeout: float = DRAIN_SECONDS) -> bool:  # noqa: ASYNC109
        """Finish (bounded by ``timeout``) the work in flight, then refuse new work and
        close the session.  True when everything finished in time; closing twice is
        harmless."""
        if self.closed:
            return True
        self.stopping.set()
        finished = await self.drain(timeout)
        self.closed = True
        await self.session.close()
        return finished
