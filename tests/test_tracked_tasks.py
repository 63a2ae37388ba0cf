"""TrackedTasks: what both adapters use so that shutdown lets answers in flight finish."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.adapters.tasks import TrackedTasks


async def test_drain_waits_for_tasks_started_while_it_waits() -> None:
    tasks = TrackedTasks()
    release = asyncio.Event()
    done: list[str] = []

    async def second() -> None:
        done.append("second")

    async def first() -> None:
        await release.wait()
        tasks.spawn(second(), "second")
        done.append("first")

    tasks.spawn(first(), "first")
    draining = asyncio.create_task(tasks.drain(timeout=60))
    await asyncio.sleep(0)
    assert not draining.done()
    release.set()
    assert await draining == 0
    assert sorted(done) == ["first", "second"]
    assert len(tasks) == 0


async def test_drain_cancels_what_is_left_at_the_deadline_and_counts_it() -> None:
    tasks = TrackedTasks()
    cancelled = asyncio.Event()

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    task = tasks.spawn(forever(), "forever")
    assert await tasks.drain(timeout=0) == 1
    assert cancelled.is_set() and task.cancelled()
    assert len(tasks) == 0


async def test_a_task_started_elsewhere_is_waited_for_until_discarded() -> None:
    tasks = TrackedTasks()
    release = asyncio.Event()

    async def answering() -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            await release.wait()
        finally:
            tasks.discard(task)

    outside = asyncio.create_task(answering())
    await asyncio.sleep(0)
    assert len(tasks) == 1
    draining = asyncio.create_task(tasks.drain(timeout=60))
    await asyncio.sleep(0)
    assert not draining.done()
    release.set()
    assert await draining == 0
    await outside


async def test_a_failing_task_is_logged_and_does_not_stop_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tasks = TrackedTasks()
    finished = asyncio.Event()

    async def fails() -> None:
        raise RuntimeError("boom")

    async def works() -> None:
        finished.set()

    tasks.spawn(fails(), "the failing one")
    tasks.spawn(works(), "the working one")
    with caplog.at_level(logging.ERROR, logger="bot.adapters.tasks"):
        assert await tasks.drain(timeout=60) == 0
    assert finished.is_set()
    assert any(r.getMessage() == "the failing one failed" for r in caplog.records)
