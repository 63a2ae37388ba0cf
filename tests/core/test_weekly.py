"""A scenario of the week (issue 21.2) on the in-memory store, driven by a test clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.bootstrap import Runtime, build
from bot.config import Settings
from bot.core.access import StaticDirectory
from bot.core.actors import Actor, Role
from bot.core.clock import ManualClock
from bot.core.messages import Destination, Outbound
from bot.core.ports import Stores
from bot.core.schedule_model import Slot
from bot.storage.memory import MemoryStore

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = "test"
MODERATOR = Actor(PLATFORM, "mo")
MEMBER = Actor(PLATFORM, "ben")
ROOM = Destination(PLATFORM, "channel", "weekly-room")
# Monday 2 March 2026, 08:00 UTC: 09:00 in Madrid (CET).
MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class Channel:
    """The platform: records what the outbox delivers."""

    def __init__(self) -> None:
        self.sent: list[Outbound] = []

    async def send(self, outbound: Outbound) -> str:
        self.sent.append(outbound)
        return f"ref-{len(self.sent)}"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env(
        {
            "UPSTANDER_DATA_DIR": str(tmp_path / "data"),
            "UPSTANDER_CONTENT_DIR": str(ROOT / "scripts_content"),
            "UPSTANDER_RESOURCES": str(ROOT / "resources.yaml"),
        }
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY)


@pytest.fixture
def channel() -> Channel:
    return Channel()


async def started(settings: Settings, store: Stores, clock: ManualClock, ch: Channel) -> Runtime:
    runtime = await build(settings, store=store, clock=clock)
    directory = StaticDirectory({"mo": frozenset({Role.MODERATOR})})
    runtime.register_platform(PLATFORM, directory, ch)
    return runtime


@pytest.fixture
async def runtime(
    settings: Settings, clock: ManualClock, channel: Channel
) -> AsyncIterator[Runtime]:
    runtime = await started(settings, MemoryStore(), clock, channel)
    yield runtime
    await runtime.aclose()


async def weekly_tick(runtime: Runtime) -> int:
    """What the job does each minute, then the outbox worker's round."""
    posted = await runtime.app.services.weekly.post_due()
    await runtime.deliveries.drain()
    return posted


async def schedule(runtime: Runtime, words: str = "weekly-room monday 09:30 Europe/Madrid") -> str:
    reply = await runtime.app.schedule(MODERATOR, f"add {words}")
    assert "Scheduled (" in reply.text(), reply.text()
    return reply.text().split("(", 1)[1].split(")", 1)[0]


async def test_it_fires_once_at_its_time_in_the_channel(
    runtime: Runtime, clock: ManualClock, channel: Channel
) -> None:
    await schedule(runtime)
    assert await weekly_tick(runtime) == 0
    clock.advance(minutes=29, seconds=59)
    assert await weekly_tick(runtime) == 0 and channel.sent == []
    clock.advance(seconds=1)  # 09:30 in Madrid
    assert await weekly_tick(runtime) == 1
    [post] = channel.sent
    assert post.destination == ROOM and not post.reply.private
    assert "Scenario of the week" in post.reply.text()
    assert any(a.label == "Begin together" for a in post.reply.actions)
    clock.advance(minutes=1)
    assert await weekly_tick(runtime) == 0
    clock.advance(days=6)
    assert await weekly_tick(runtime) == 0 and len(channel.sent) == 1
    listing = (await runtime.app.schedule(MODERATOR, "list")).text()
    assert "last posted:" in listing and "(2026-03-02 09:30)" in listing
    assert "next due: 2026-03-09 09:30" in listing


async def test_after_three_weeks_down_it_posts_once_and_moves_to_the_next_slot(
    runtime: Runtime, clock: ManualClock, channel: Channel
) -> None:
    await schedule(runtime)
    clock.advance(weeks=3, hours=2)  # Monday 23 March, 11:00 in Madrid: four slots missed
    assert await weekly_tick(runtime) == 1
    assert await weekly_tick(runtime) == 0
    assert len(channel.sent) == 1
    [kept] = await runtime.store.schedules.list_schedules(PLATFORM)
    assert kept.next_due == datetime(2026, 3, 30, 7, 30, tzinfo=UTC)  # 09:30 CEST


@pytest.mark.parametrize(
    ("zone", "weekday", "first", "expected"),
    [
        # Madrid moves to summer time on Sunday 29 March and back on Sunday 25 October.
        ("Europe/Madrid", 0, datetime(2026, 3, 23, 8, 30, tzinfo=UTC), (8, 7, 7)),
        ("Europe/Madrid", 0, datetime(2026, 10, 19, 7, 30, tzinfo=UTC), (7, 8, 8)),
        ("Europe/Madrid", 6, datetime(2026, 3, 22, 8, 30, tzinfo=UTC), (8, 7, 7)),
        # New York moves on Sunday 8 March and back on Sunday 1 November.
        ("America/New_York", 0, datetime(2026, 3, 2, 14, 30, tzinfo=UTC), (14, 13, 13)),
        ("America/New_York", 6, datetime(2026, 10, 25, 13, 30, tzinfo=UTC), (13, 14, 14)),
    ],
)
def test_local_time_holds_across_daylight_saving(
    zone: str, weekday: int, first: datetime, expected: tuple[int, int, int]
) -> None:
    slot = Slot(weekday, time(9, 30), zone)
    due = slot.next_after(first - timedelta(days=1))
    hours = []
    for _ in range(3):
        hours.append(due.hour)
        assert due.minute == 30 and due.weekday() == weekday
        due = slot.next_after(due)
    assert due.tzinfo is not None
    assert tuple(hours) == expected


async def test_the_job_follows_madrid_summer_time(
    runtime: Runtime, clock: ManualClock, channel: Channel
) -> None:
    clock.advance(weeks=3)  # Monday 23 March, 09:00 in Madrid, winter time
    await schedule(runtime)
    clock.advance(minutes=30)
    assert await weekly_tick(runtime) == 1
    clock.advance(weeks=1, minutes=-61)  # Monday 30 March 07:29 UTC: 09:29 in summer time
    assert await weekly_tick(runtime) == 0
    clock.advance(minutes=1)
    assert await weekly_tick(runtime) == 1
    assert len(channel.sent) == 2


async def test_two_runtimes_on_one_store_post_once(
    settings: Settings, clock: ManualClock, channel: Channel
) -> None:
    store = MemoryStore()
    first = await started(settings, store, clock, channel)
    second = await started(settings, store, clock, channel)
    try:
        await schedule(first)
        clock.advance(hours=1)
        # Under the job's lease only one runs; without it, the claim still posts once.
        await asyncio.gather(first.jobs.run_due(), second.jobs.run_due())
        await asyncio.gather(
            first.app.services.weekly.post_due(), second.app.services.weekly.post_due()
        )
        await first.deliveries.drain()
        await second.deliveries.drain()
        assert len(channel.sent) == 1
    finally:
        await first.aclose()
        await second.aclose()


async def test_pause_resume_and_remove(
    runtime: Runtime, clock: ManualClock, channel: Channel
) -> None:
    sid = await schedule(runtime)
    paused = await runtime.app.schedule(MODERATOR, f"pause {sid}")
    assert "Paused" in paused.text()
    assert "paused" in (await runtime.app.schedule(MODERATOR, "list")).text()
    clock.advance(weeks=2)  # Monday 16 March 08:00 UTC: two slots passed while paused
    assert await weekly_tick(runtime) == 0
    resumed = await runtime.app.schedule(MODERATOR, f"resume {sid}")
    assert "Resumed" in resumed.text()
    assert await weekly_tick(runtime) == 0, "no catch-up for the weeks it was paused"
    clock.advance(minutes=30)
    assert await weekly_tick(runtime) == 1
    removed = await runtime.app.schedule(MODERATOR, f"remove {sid}")
    assert "Removed" in removed.text()
    clock.advance(weeks=1)
    assert await weekly_tick(runtime) == 0 and len(channel.sent) == 1
    assert "No scenario of the week" in (await runtime.app.schedule(MODERATOR, "list")).text()
    gone = await runtime.app.schedule(MODERATOR, f"pause {sid}")
    assert f"no schedule {sid}" in gone.text()


async def test_a_member_cannot_schedule_list_or_change(runtime: Runtime) -> None:
    sid = await schedule(runtime)
    for words in (
        "add weekly-room monday 09:30 Europe/Madrid",
        "list",
        f"pause {sid}",
        f"remove {sid}",
        "nonsense",
    ):
        refused = await runtime.app.schedule(MEMBER, words)
        assert refused.text() == "Only moderators can do that.", words
    [kept] = await runtime.store.schedules.list_schedules(PLATFORM)
    assert not kept.paused


async def test_wrong_slot_words_are_named(runtime: Runtime) -> None:
    app = runtime.app
    bad_day = await app.schedule(MODERATOR, "add room someday 09:30 Europe/Madrid")
    assert "is not a weekday" in bad_day.text()
    bad_time = await app.schedule(MODERATOR, "add room monday 9h30 Europe/Madrid")
    assert "is not a time" in bad_time.text()
    bad_zone = await app.schedule(MODERATOR, "add room monday 09:30 Mars/Olympus")
    assert "is not a time zone" in bad_zone.text()
    assert await runtime.store.schedules.list_schedules(PLATFORM) == []


async def test_each_week_brings_a_scenario_not_yet_posted_there(
    runtime: Runtime, clock: ManualClock, channel: Channel
) -> None:
    await schedule(runtime, "weekly-room monday 09:30 Europe/Madrid distract")
    catalog = runtime.content.current
    with_distract = [
        s.id for s in catalog.scenario_list("en") if "distract" in {t.value for t in s.focus}
    ]
    assert len(with_distract) >= 3
    sessions = []
    for _ in range(3):
        clock.advance(weeks=1)
        assert await weekly_tick(runtime) == 1
        [kept] = await runtime.store.schedules.list_schedules(PLATFORM)
        sessions.append(kept.last_scenario)
    assert sessions == with_distract[:3], "in order, each new to the channel"
    assert len(channel.sent) == 3
