"""Garbage collection for a long-running bot: call `settle_after_startup` once it is built.

Start-up builds a heap that lives as long as the process: imported modules (discord.py,
Slack's bolt, aiohttp), the validated content, the runtime. CPython's full (generation 2)
collection walks all of it every time, and it runs on the event loop: under load those
collections paused every member's request for 60–100 ms. Freezing what start-up built
moves it out of the collector's sight for good (it is never garbage), so a full
collection walks only what was made since: 17–23 ms → under 1 ms for section c's
runtime (bundled content, the adapters imported); about 15 ms under the end-to-end load.
A content reload freezes the catalog it builds in the same way (`freeze_what_was_built`).
"""

from __future__ import annotations

import gc

# Young-generation threshold: collect generation 0 after this many net new container
# objects instead of CPython's 700. A request allocates hundreds (replies, sections,
# dataclasses, rows), so at 700 the collector ran every couple of requests: 132 young
# collections, 17.6 ms in all, in a 3-second run of section c's workloads. At 10,000 it
# ran 3 times, 3.4 ms in all, each pause under 2 ms; throughput was the same or better.
# Far higher (50,000) buys little more and lets each young pause, and the garbage cycles
# waiting for it, grow. Generations 1 and 2 keep their defaults.
GEN0_THRESHOLD = 10_000


# Whether settle_after_startup froze this process's heap, so that what later builds are
# meant to keep is frozen too. A flag, not gc.get_freeze_count(): that walks every frozen
# object, 4-18 ms for a bot with a large library, holding the GIL.
_keeps_a_frozen_heap = False


def settle_after_startup() -> None:
    """Collect start-up's garbage, freeze what is left, and raise the young threshold.

    Call once, after start-up has built everything long-lived and before serving.
    Collecting first matters: what is frozen is never collected, so start-up's own
    garbage (cycles from imports, content parsing) must go before the freeze.
    """
    global _keeps_a_frozen_heap
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
    _keeps_a_frozen_heap = True


def unsettle(threshold: tuple[int, int, int]) -> None:
    """Undo `settle_after_startup`: everything back in the collector's sight, `threshold`
    restored. For a process that runs one bot after another (the benchmarks, tests)."""
    global _keeps_a_frozen_heap
    gc.unfreeze()
    gc.set_threshold(*threshold)
    _keeps_a_frozen_heap = False


def keeps_a_frozen_heap() -> bool:
    """Whether this process froze what it keeps (`settle_after_startup` ran)."""
    return _keeps_a_frozen_heap


def collect_before_building_to_keep() -> None:
    """Before a build whose result will be frozen (`freeze_what_was_built`): collect now,
    since whatever is garbage when the freeze comes is kept for good."""
    if keeps_a_frozen_heap():
        # Cheap: what start-up built, and earlier builds, are out of the collector's sight.
        gc.collect()


def freeze_what_was_built() -> None:
    """Out of the collector's sight, as start-up's heap is: what a build kept (a reloaded
    catalog). Call it while the collector is paused for the build (`bot.content.gcpause`):
    the build's objects are then still the youngest generation's, and the first young
    collection after the pause would walk all of them in one go, holding the GIL (15-25 ms
    for a 1,000-scenario catalog, a stall of every member's request). Frozen objects are
    still freed when nothing refers to them (the catalog a later reload replaces has no
    reference cycles), so nothing is kept longer than it would be anyway; only a cycle
    that became garbage during the build itself would be. A process that keeps no frozen
    heap (tests, the command line) is left as it is."""
    if keeps_a_frozen_heap():
        gc.freeze()
