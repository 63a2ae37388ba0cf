"""Discord shards: DISCORD_SHARD_COUNT and DISCORD_SHARD_IDS reach the gateway's IDENTIFY."""

from __future__ import annotations

import asyncio

import pytest

from bot.adapters.discord.run import serve_discord
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
    standin: DiscordStandin, discord_settings: Settings
) -> None:
    # The stand-in serves one gateway session at a time, so this waits for both shards'
    # IDENTIFY rather than for the client to be ready.
    settings = Settings.from_env({**discord_settings.env, "DISCORD_SHARD_COUNT": "2"})
    runtime = await build(settings, store=MemoryStore(), clock=ManualClock())
    stop = asyncio.Event()
    serving = asyncio.create_task(
        serve_discord(runtime, stop, client_options={"guild_ready_timeout": 0.01})
    )
    try:
        await standin.wait_for_gateway(
            lambda f: f.direction == "recv" and f.op == OP_IDENTIFY and f.data["shard"] == [1, 2],
            timeout=15.0,  # discord.py waits 5 s between two shards' IDENTIFY, as Discord asks
        )
    finally:
        stop.set()
        await asyncio.wait_for(serving, 10)
        await runtime.aclose()
    assert identified_shards(standin) == [[0, 2], [1, 2]]


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
