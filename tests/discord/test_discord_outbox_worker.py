"""The outbox worker as `python -m bot run` runs it, against the Discord stand-in: what is
queued goes out at once (nothing here polls: the worker would wait an hour), and a
volunteers' channel that does not answer holds up neither DMs nor relays."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from bot.bootstrap import build
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.storage.memory import MemoryStore
from tests.discord.driver import TIMEOUT, button, open_checkin, start_bot, text
from tests.discord_standin import DiscordStandin


async def test_cards_and_relays_go_out_when_queued_and_a_held_channel_holds_only_itself(
    standin: DiscordStandin, discord_settings: Settings
) -> None:
    runtime = await build(discord_settings, store=MemoryStore(), clock=ManualClock())
    runtime.deliveries.policy = replace(runtime.deliveries.policy, idle=3600.0)
    runtime.start_background()
    bot = await start_bot(standin, runtime)
    channel = standin.volunteers_channel.id
    held = standin.hold_next("PATCH", f"/channels/{channel}/messages/*")
    try:
        await bot.command(standin.volunteer, "volunteer", {"state": "on"})
        await open_checkin(bot)
        [card] = await bot.wait_messages(channel, 1)
        await bot.press(standin.volunteer, button(card, "Claim"), card)
        # The card's update is held by Discord; the claimer's details and the member's
        # notice do not wait for it.
        await asyncio.wait_for(held.reached.wait(), TIMEOUT)
        member_dm = standin.dm_channel_for(standin.member).id
        volunteer_dm = standin.dm_channel_for(standin.volunteer).id
        await bot.wait_messages(member_dm, 1, lambda m: "picked up" in text(m))
        await bot.wait_messages(volunteer_dm, 1, lambda m: "mocking my accent" in text(m))
        await standin.send_dm(standin.member, "It happens every evening")
        await bot.wait_messages(volunteer_dm, 1, lambda m: "every evening" in text(m))
        assert card.edits == 0, "the card's update is still held"
        held.release.set()
        await runtime.flush_outbox()
        assert standin.messages[card.id].edits == 1
        assert await runtime.store.outbox.pending_outbox_count() == 0
    finally:
        held.release.set()
        await bot.close()
        await runtime.aclose()
    assert standin.errors() == []
