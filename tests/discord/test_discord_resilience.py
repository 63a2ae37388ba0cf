"""Buttons from before a restart, and a gateway drop in the middle of a flow."""

from __future__ import annotations

import asyncio

import discord
import pytest

from bot.adapters.discord.endpoints import current_endpoints
from bot.bootstrap import build
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.storage.memory import MemoryStore
from tests.discord.driver import DiscordBot, button, serve, start_bot, text
from tests.discord_standin import DiscordStandin


async def test_buttons_from_before_a_restart_still_work(
    standin: DiscordStandin, discord_settings: Settings
) -> None:
    clock = ManualClock()
    runtime = await build(discord_settings, clock=clock)  # SQLite in tmp_path
    bot = await start_bot(standin, runtime)
    try:
        intro = await bot.command(standin.member, "practice", {"scenario": "lift-remark"})
        begin = button(intro, "Begin")
        form = await standin.send_slash_command(standin.member, "checkin")
        await form.wait_callback()
        submit = await standin.send_modal_submit(
            standin.member,
            "checkin.form",
            {"category": ["other"], "urgency": ["today"], "identity": ["anonymous"]},
        )
        summary = await bot.shown(submit)
        await bot.press(standin.member, button(summary, "Send to volunteers"), summary)
        await bot.drain()
        (card,) = standin.sent_messages(standin.volunteers_channel.id)
    finally:
        await bot.close()
        await runtime.aclose()

    runtime = await build(discord_settings, clock=clock)  # the same file, a new process
    bot = await start_bot(standin, runtime)
    try:
        assert len(standin.gateway_connects) == 2
        step = await bot.press(standin.member, begin, intro)
        assert "The doors close" in text(step)
        claimed = await bot.press(standin.volunteer, button(card, "Claim"), card)
        assert "You claimed Member" in text(claimed)
        await bot.drain()
        assert any("picked up" in text(m) for m in standin.dm_messages(standin.member))
    finally:
        await bot.close()
        await runtime.aclose()
    assert standin.errors() == []


async def test_a_gateway_drop_mid_flow_resumes_and_loses_nothing(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    intro = await bot.command(standin.member, "practice", {"scenario": "lift-remark"})
    step = await bot.press(standin.member, button(intro, "Begin"), intro)

    mark = len(standin.gateway_frames.items)
    await standin.drop_connection()
    assert not standin.connected
    # Dispatched while the bot is away: replayed on RESUME.
    press = await standin.send_button(
        standin.member, button(step, "Ask the woman which floor"), message=step
    )
    dm = await standin.send_dm(standin.volunteer, "anyone there?")
    after = await bot.shown(press)
    assert "The lift reaches the lobby" in text(after)
    reply = await standin.wait_for_message(lambda m: m.channel_id == dm.channel_id and m.by_bot)
    assert "I only pass messages on during a check-in" in text(reply)
    assert reply.payload.get("allowed_mentions") == {"parse": []}
    await standin.wait_resumed(start=mark)

    frames = standin.gateway_frames.items[mark:]
    received = [f.op for f in frames if f.direction == "recv"]
    assert 6 in received and 2 not in received  # RESUME, not a new IDENTIFY
    recap = await bot.press(standin.member, button(after, "Ask her if she is all right"), after)
    assert "Your recap" in text(recap)
    assert standin.errors() == []


async def test_a_wrong_token_is_reported_and_endpoints_restored(
    standin: DiscordStandin, discord_settings: Settings
) -> None:
    before = current_endpoints()
    settings = Settings.from_env({**discord_settings.env, "DISCORD_TOKEN": "wrong"})
    runtime = await build(settings, store=MemoryStore(), clock=ManualClock())
    try:
        with pytest.raises(discord.LoginFailure):
            await asyncio.wait_for(serve(runtime, asyncio.Event()), 5)
    finally:
        await runtime.aclose()
    assert current_endpoints() == before
