"""Garbage collection for a long-running bot: call `settle_after_startup` once it is built.

Start-up builds a heap that lives as long as the process: imported modules (discord.py,
Slack's bolt, aiohttp), the validated content, the runtime. CPython's full collection walks
all of it every time, on the event loop, and under load those walks paused every member's
request. Freezing what start-up built moves it out of the collector's sight for good (it
is never garbage), so a full collection walks only what was made since.
"""

from __future__ import annotations

import gc

# Young-generation threshold, instead of CPython's 700: a request allocates hundreds of
# objects, so at 700 the collector ran every couple of requests (bench section c).
GEN0_THRESHOLD = 10_000


def settle_after_startup() -> None:
    """Collect start-up's garbage, freeze what is left, and raise the young threshold.

    Call after start-up has built what lives long (the imports, then the runtime) and
    before serving; each call freezes what was built since the last. Collecting first
    matters: what is frozen is never collected, so start-up's own garbage must go first.
    """
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)


def unsettle(threshold: tuple[int, int, int]) -> None:
    """Undo `settle_after_startup`: everything back in the collector's sight, `threshold`
    restored. For a process that runs one bot after another (the benchmarks, tests)."""
    gc.unfreeze()
    gc.set_threshold(*threshold)
