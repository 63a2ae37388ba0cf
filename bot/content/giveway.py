"""Letting the event loop go first while a reload works in a worker thread.

A reload reads and validates every file in a worker thread, but only one thread runs
Python at a time, and the interpreter takes the GIL from a busy thread only after 5 ms.
Each time the event loop let go of it (to wait for sockets, or for the database thread)
it waited up to that long to get it back, so while a large library reloaded the loop got
a quarter of the time or less, and members' requests stalled for 50 ms and more.

A reload is background work: members should not notice it. So the loader calls
`give_way()` between small pieces of work (a file, a list item, a scenario); inside
`giving_way_to(loop)`, every couple of milliseconds of work that waits until the loop has
run everything it had ready, or a few milliseconds if it is busier than that: a reload
still gets a fifth of the time on a loop that is never idle. Elsewhere (start-up, the
command line) it does nothing.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

# Work between two waits: what the loop may have to wait for, on top of one C call.
WORK_SECONDS = 0.002
# The longest wait for the loop: a reload takes at most five times as long as it would
# on an idle loop, however busy the loop is (or if it is closing).
LONGEST_WAIT_SECONDS = 4 * WORK_SECONDS

_local = threading.local()


def give_way() -> None:
    """A point where the calling thread may wait for the event loop (see above)."""
    pacer: _Pacer | None = getattr(_local, "pacer", None)
    if pacer is not None:
        pacer.maybe_wait()


@contextmanager
def giving_way_to(loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """While in this block, `give_way()` in this thread lets `loop` go first."""
    _local.pacer = _Pacer(loop)
    try:
        yield
    finally:
        _local.pacer = None


class _Pacer:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._loop_ran = threading.Event()
        self._worked_since = time.perf_counter()

    def maybe_wait(self) -> None:
        if time.perf_counter() - self._worked_since < WORK_SECONDS:
            return
        self._loop_ran.clear()
        try:
            # Queued behind whatever the loop has ready, so it runs once they have.
            self._loop.call_soon_threadsafe(self._loop_ran.set)
        except RuntimeError:
            return  # the loop is closed: there is nobody to give way to
        self._loop_ran.wait(LONGEST_WAIT_SECONDS)
        self._worked_since = time.perf_counter()
