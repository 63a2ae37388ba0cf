"""A scenario of the week through real discord.py: `/upstander schedule` by a moderator,
a member refused, the post landing in the channel once (issue 21.2)."""

from __future__ import annotations

from bot.core.clock import ManualClock
from tests.discord.driver import DiscordBot, button, text
from tests.discord_standin import DiscordStandin

ADD = {"action": "add", "weekday": "thursday", "time": "13:30", "zone": "Europe/Madrid"}


async def test_a_scheduled_scenario_is_posted_in_the_channel_once(
    discord_bot: DiscordBot, standin: DiscordStandin
) -> None:
    bot, channel = discord_bot, standin.general.id
    clock = bot.runtime.clock
    assert isinstance(clock, ManualClock)  # Thursday 1 January 2026, 12:00 UTC
    options = {**ADD, "channel": standin.general}
    refused = await bot.command(standin.member, "upstander", options, subcommand="schedule")
    assert refused.ephemeral and "Only moderators can do that." in text(refused)

    added = await bot.command(standin.moderator, "upstander", options, subcommand="schedule")
    assert "Scheduled (" in text(added)
    listed = await bot.command(standin.moderator, "upstander", {}, subcommand="schedule")
    assert f"<#{channel}>" in text(listed) and "next due: 2026-01-01 13:30" in text(listed)

    before = len(standin.sent_messages(channel))
    clock.advance(minutes=30)
    weekly = bot.runtime.app.services.weekly
    assert await weekly.post_due() == 1
    assert await weekly.post_due() == 0
    await bot.drain()
    [post] = (await bot.wait_messages(channel, before + 1))[before:]
    assert "Scenario of the week" in text(post)
    begun = await bot.press(standin.moderator, button(post, "Begin together"), post)
    assert "Votes so far: 0" in text(begun)
    assert len(standin.sent_messages(channel)) == before + 1
