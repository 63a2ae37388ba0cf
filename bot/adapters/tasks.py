"""The tasks an adapter answers in after acknowledging, kept so that shutdown can let
them finish (bounded) before the HTTP session closes under them.

Not an ``asyncio.TaskGroup``: work is started from library callbacks before anything
enters a group, one failed task must not cancel the others, and shutdown bounds the wait.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class TrackedTasks:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        """How many tracked tasks have not finished yet."""
        return sum(1 for task in self._tasks if not task.done())

    def spawn(self, work: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]:
        """Run ``work`` in a tracked task; what it raises is logged, not lost."""
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def add(self, task: asyncio.Task[Any]) -> None:
        """Track a task someone else started (a library's own task for an event)."""
        self._tasks.add(task)

    def discard(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed", task.get_name(), exc_info=task.exception())

    async def drain(self, timeout: float) -> int:  # noqa: ASYNC109
        """Wait up to ``timeout`` seconds until every tracked task, those started meanwhile
        included, has finished; cancel what is left then and return how many that was."""
        # Tasks created just before (a library's event tasks) get their first step.
        await asyncio.sleep(0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._tasks and (left := deadline - loop.time()) > 0:
            await asyncio.wait(set(self._tasks), timeout=left)
        unfinished = list(self._tasks)
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)
        return len(unfinished)
