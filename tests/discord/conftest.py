"""The real Upstander Discord adapter, served by ``serve_discord`` against the stand-in.

``discord_bot`` starts the whole bot (core + adapter) connected to a loopback Discord and
gives the test a :class:`DiscordBot` to drive it as members, volunteers and moderators.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from bot.bootstrap import build
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.storage.memory import MemoryStore
from tests.discord.driver import DiscordBot, start_bot
from tests.discord_standin import DiscordStandin, finish_client_tasks

EXTRA_READING = 12  # enough for three pages of five


def write_resources(source: Path, target: Path) -> None:
    """The fixture reading lists plus a topic long enough to page through."""
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["topics"].append(
        {
            "id": "working-together",
            "title": "Working together",
            "summary": "Acting as a group.",
            "resources": [
                {
                    "id": f"together-{n:02d}",
                    "title": f"Together, part {n}",
                    "author": "Upstander tests",
                    "kind": "article",
                    "url": f"https://example.org/together/{n}",
                    "summary": "Standing together against harassment.",
                    "audience": "everyone",
                    "last_reviewed": "2026-11-21",
                }
                for n in range(1, EXTRA_READING + 1)
            ],
        }
    )
    target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


@pytest.fixture
async def standin() -> AsyncIterator[DiscordStandin]:
    async with DiscordStandin() as s:
        yield s
    # Nothing the bot did may have hit a route the stand-in does not know.
    assert s.unknown_routes() == []


@pytest.fixture
def discord_settings(tmp_path: Path, content_dir: Path, standin: DiscordStandin) -> Settings:
    resources = tmp_path / "discord-resources.yaml"
    write_resources(tmp_path / "resources.yaml", resources)
    return Settings.from_env(
        {
            "UPSTANDER_DATA_DIR": str(tmp_path / "data"),
            "UPSTANDER_CONTENT_DIR": str(content_dir),
            "UPSTANDER_RESOURCES": str(resources),
            "DISCORD_TOKEN": standin.token,
            "DISCORD_APPLICATION_ID": str(standin.application_id),
            "DISCORD_GUILD_ID": str(standin.guild.id),
            "DISCORD_VOLUNTEER_CHANNEL_ID": str(standin.volunteers_channel.id),
            "DISCORD_VOLUNTEER_ROLE_ID": str(standin.volunteer_role.id),
            "DISCORD_LEAD_ROLE_ID": str(standin.lead_role.id),
            "DISCORD_MODERATOR_ROLE_ID": str(standin.moderator_role.id),
            "DISCORD_API_BASE": standin.api_base,
            "DISCORD_GATEWAY_URL": standin.gateway_url,
            "DISCORD_SYNC_ON_START": "1",
        }
    )


@pytest.fixture
async def discord_bot(
    standin: DiscordStandin, discord_settings: Settings
) -> AsyncIterator[DiscordBot]:
    runtime = await build(discord_settings, store=MemoryStore(), clock=ManualClock())
    bot = await start_bot(standin, runtime)
    try:
        yield bot
    finally:
        await bot.close()
        await runtime.aclose()
        await finish_client_tasks()
