"""A process reads a community's settings once per freshness window (each request asked
for them up to four times); its own changes show at once, another process's within it."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.desk_support import DeskSettings
from bot.core.settings import FRESH_SECONDS, CommunitySettings, SettingsBook
from bot.storage.memory import MemoryStore

AT = datetime(2026, 1, 1, tzinfo=UTC)
WORKSPACE = "slack:T1"


async def test_a_change_shows_at_once_where_made_and_elsewhere_within_the_window() -> None:
    store = MemoryStore()
    now = [100.0]
    here = SettingsBook(store.settings, DeskSettings(), clock=lambda: now[0])
    there = SettingsBook(store.settings, DeskSettings(), clock=lambda: now[0])
    assert not await here.checkins_ready(WORKSPACE)

    await there.save(WORKSPACE, CommunitySettings(volunteers_channel="C1"), "Ada", AT)
    assert (await there.get(WORKSPACE)).volunteers_channel == "C1", "at once where made"
    assert not await here.checkins_ready(WORKSPACE), "here, what was read a moment ago"

    now[0] += FRESH_SECONDS
    assert await here.checkins_ready(WORKSPACE)
    assert (await here.get(WORKSPACE)).volunteers_channel == "C1"


async def test_a_community_with_nothing_stored_is_read_once_per_window() -> None:
    store = MemoryStore()
    now = [0.0]
    book = SettingsBook(store.settings, DeskSettings(), clock=lambda: now[0])
    assert await book.stored(WORKSPACE) is None
    await store.settings.save(WORKSPACE, CommunitySettings(volunteers_channel="C2"), "Bo", AT)
    assert await book.stored(WORKSPACE) is None, "the empty answer is remembered too"
    now[0] += FRESH_SECONDS
    stored = await book.stored(WORKSPACE)
    assert stored is not None and stored.volunteers_channel == "C2"
