"""Pausing the cyclic garbage collector while a content tree loads.

Loading a large library allocates hundreds of thousands of objects that all stay alive
until the catalog is built, and nearly none of them are in reference cycles. The collector
cannot know that: it kept scanning the growing heap, which was about a third of the load
time in profiles, and each full scan holds the GIL and so stalls the event loop even
though the load runs in a worker thread. Nothing is leaked: refcounting still frees what
the load drops, and any cycle made meanwhile is collected once the pause ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Nested and concurrent uses are counted: the last one out restores the collector."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
