"""Each community's settings, on every store (memory, SQLite, PostgreSQL): none until
saved, one row per community, replaced whole on save."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.ports import Stores
from bot.core.settings import CommunitySettings
from tests.storage.test_store_contract import store  # noqa: F401  (every store)

AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


async def test_settings_are_per_community_and_replaced_whole(store: Stores) -> None:  # noqa: F811
    settings = store.settings
    assert await settings.get("discord") is None
    first = CommunitySettings(volunteers_channel="10", lead_role="7", escalation_minutes=15)
    await settings.save("discord", first, "Ada", AT)
    other = CommunitySettings(volunteers_channel="C1", crisis_region="GB", language="es")
    await settings.save("slack:T2", other, "Bo", AT)
    assert await settings.get("discord") == first
    assert await settings.get("slack:T2") == other
    assert await settings.get("slack") is None

    second = CommunitySettings(volunteers_channel="11", cooldown_minutes=0)
    await settings.save("discord", second, "Ada", AT)
    assert await settings.get("discord") == second, "replaced whole, not merged"
    assert await settings.get("slack:T2") == other
