"""A reload's worker thread lets the event loop go first, and never waits on it for long."""

from __future__ import annotations

import asyncio
import time

from bot.content.giveway import WORK_SECONDS, give_way, giving_way_to


def _work(seconds: float) -> None:
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        pass


async def test_after_a_few_milliseconds_of_work_the_worker_waits_for_the_loop() -> None:
    loop = asyncio.get_running_loop()
    order: list[str] = []

    def worker() -> None:
        with giving_way_to(loop):
            _work(WORK_SECONDS * 1.5)
            loop.call_soon_threadsafe(order.append, "loop")
            give_way()
            order.append("worker")

    await asyncio.to_thread(worker)
    assert order == ["loop", "worker"]


def test_outside_a_reload_it_does_nothing() -> None:
    _work(WORK_SECONDS * 1.5)
    give_way()  # no loop to wait for: returns at once, whatever the machine's speed


def test_a_loop_that_never_gets_round_to_it_is_waited_for_briefly() -> None:
    idle = asyncio.new_event_loop()  # never runs: the callback is never called
    try:
        with giving_way_to(idle):
            _work(WORK_SECONDS * 1.5)
            give_way()  # bounded by LONGEST_WAIT_SECONDS: it returns rather than hangs
    finally:
        idle.close()
    closed = asyncio.new_event_loop()
    closed.close()
    with giving_way_to(closed):
        _work(WORK_SECONDS * 1.5)
        give_way()  # a closed loop refuses the callback: nothing to wait for
