"""Scenarios of the week in every store: the claim posts a schedule once (issue 21.2)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

from bot.core.ports import Stores
from bot.core.schedule_model import Schedule, Slot
from tests.storage.test_store_contract import due, item, store  # noqa: F401

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def weekly(sid: str = "s1", platform: str = "slack") -> Schedule:
    return Schedule(
        id=sid,
        platform=platform,
        channel="C123",
        slot=Slot(0, time(9, 30), "Europe/Madrid"),
        topics=("distract", "transport"),
        locale="es",
        created_by="slack:U1",
        paused=False,
        next_due=T0,
    )


def posted(schedule: Schedule, scenario: str) -> Schedule:
    return replace(
        schedule,
        next_due=schedule.next_due + timedelta(weeks=1),
        last_posted_at=T0 + timedelta(minutes=1),
        last_scenario=scenario,
        posted=(*schedule.posted, scenario),
    )


async def test_schedules_round_trip_and_list_per_platform(store: Stores) -> None:  # noqa: F811
    schedules = store.schedules
    await schedules.add_schedule(weekly())
    await schedules.add_schedule(weekly("s2", platform="discord"))
    assert await schedules.get_schedule("s1") == weekly()
    assert [s.id for s in await schedules.list_schedules("slack")] == ["s1"]
    assert await schedules.get_schedule("nope") is None


async def test_a_due_schedule_is_claimed_once_with_its_post(store: Stores) -> None:  # noqa: F811
    schedules = store.schedules
    await schedules.add_schedule(weekly())
    assert await schedules.due_schedules(T0 - timedelta(seconds=1)) == []
    [found] = await schedules.due_schedules(T0)
    claims = await asyncio.gather(
        schedules.claim_schedule(
            posted(found, "bus"), T0, [item("o1", "schedule:s1", "group_post")]
        ),
        schedules.claim_schedule(
            posted(found, "lift"), T0, [item("o2", "schedule:s1", "group_post")]
        ),
    )
    assert sorted(claims) == [False, True]
    [queued] = await due(store, T0 + timedelta(minutes=5))
    kept = await schedules.get_schedule("s1")
    assert kept is not None and kept.next_due == T0 + timedelta(weeks=1)
    assert kept.last_scenario in ("bus", "lift") and kept.posted == (kept.last_scenario,)
    assert queued.id == ("o1" if kept.last_scenario == "bus" else "o2")
    assert await schedules.due_schedules(T0 + timedelta(days=1)) == []
    # A stale copy (read before the claim) claims nothing.
    assert not await schedules.claim_schedule(posted(found, "bus"), T0, [item("o3", "x")])
    assert len(await due(store, T0 + timedelta(minutes=5))) == 1


async def test_paused_is_never_due_and_remove_forgets(store: Stores) -> None:  # noqa: F811
    schedules = store.schedules
    await schedules.add_schedule(weekly())
    assert await schedules.set_schedule_paused("s1", True, T0)
    assert await schedules.due_schedules(T0 + timedelta(weeks=3)) == []
    assert not await schedules.claim_schedule(posted(weekly(), "bus"), T0, [])
    later = T0 + timedelta(weeks=3)
    assert await schedules.set_schedule_paused("s1", False, later)
    [resumed] = await schedules.due_schedules(later)
    assert resumed.next_due == later and not resumed.paused
    assert await schedules.remove_schedule("s1")
    assert not await schedules.remove_schedule("s1")
    assert not await schedules.set_schedule_paused("s1", True, T0)
    assert await schedules.get_schedule("s1") is None
