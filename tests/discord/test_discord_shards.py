"""Discord shards: DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS reach the gateway's IDENTIFY."""

from __future__ import annotations

import discord
import pytest

from bot.adapters.discord.client import client_for
from bot.adapters.discord.settings import DiscordSettings, DiscordSettingsError
from bot.bootstrap import build
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.storage.memory import MemoryStore
from tests.discord.driver import start_bot
from tests.discord_standin import DiscordStandin

OP_IDENTIFY = 2


def identified_shards(standin: DiscordStandin) -> list[list[int] | None]:
    return [
        f.data.get("shard")
        for f in standin.gateway_frames.items
        if f.direction == "recv" and f.op == OP_IDENTIFY
    ]


async def run_with(standin: DiscordStandin, settings: Settings, **env: str) -> None:
    sharded = Settings.from_env({**settings.env, **env})
    runtime = await build(sharded, store=MemoryStore(), clock=ManualClock())
    bot = await start_bot(standin, runtime)
    try:
        await standin.wait_identified()
    finally:
        await bot.close()
        await runtime.aclose()


async def test_one_shard_of_two_identifies_as_that_shard(
    standin: DiscordStandin, discord_settings: Settings
) -> None:
    await run_with(standin, discord_settings, DISCORD_SHARD_COUNT="2", DISCORD_SHARD_IDS="1")
    assert identified_shards(standin) == [[1, 2]]


async def test_a_count_alone_runs_every_shard_in_this_process(
    discord_settings: Settings,
) -> None:
    settings = Settings.from_env({**discord_settings.env, "DISCORD_SHARD_COUNT": "2"})
    runtime = await build(settings, store=MemoryStore(), clock=ManualClock())
    client = client_for(runtime.app, runtime.content, DiscordSettings.from_env(settings.env))
    assert isinstance(client, discord.AutoShardedClient)
    assert (client.shard_count, client.shard_ids) == (2, None)
    await runtime.aclose()
    # Not connected here: the stand-in serves one gateway session at a time, and
    # discord.py identifies each further shard 5 s after the previous one.


def test_several_ids_run_those_shards_in_this_process(discord_settings: Settings) -> None:
    env = {**discord_settings.env, "DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "3, 1"}
    settings = DiscordSettings.from_env(env)
    assert settings.sharded
    assert settings.shard_options() == {"shard_ids": [1, 3], "shard_count": 4}


async def test_no_shard_settings_identify_without_a_shard(
    standin: DiscordStandin, discord_settings: Settings
) -> None:
    await run_with(standin, discord_settings)
    assert identified_shards(standin) == [None]


@pytest.mark.parametrize(
    ("count", "ids"),
    [("", "0"), ("0", ""), ("two", ""), ("2", "2"), ("2", "0,x")],
)
def test_shard_settings_that_cannot_work_are_refused_by_name(count: str, ids: str) -> None:
    env = {"DISCORD_TOKEN": "t", "DISCORD_VOLUNTEER_CHANNEL_ID": "1"}
    with pytest.raises(DiscordSettingsError, match="DISCORD_SHARD"):
        DiscordSettings.from_env({**env, "DISCORD_SHARD_COUNT": count, "DISCORD_SHARD_IDS": ids})
