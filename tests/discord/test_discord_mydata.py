"""/mydata delete through the real discord.py client: the question can be declined."""

from __future__ import annotations

from tests.discord.driver import DiscordBot, button, text
from tests.discord_standin import DiscordStandin


async def test_mydata_delete_can_be_cancelled(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    intro = await bot.command(standin.member, "practice", {"scenario": "lift-remark"})
    await bot.press(standin.member, button(intro, "Begin"), intro)
    ask = await bot.command(standin.member, "mydata", {"action": "delete"})
    kept = await bot.press(standin.member, button(ask, "Cancel, keep my data"), ask)
    assert "Nothing was erased" in text(kept)
    menu = await bot.command(standin.member, "practice")
    assert "Resume: A remark in the lift" in text(menu), "the run is still there"
