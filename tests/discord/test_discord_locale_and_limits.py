"""The interaction's locale picks the content locale; a rate limit loses nothing."""

from __future__ import annotations

from tests.discord.driver import DiscordBot, button, open_checkin, text
from tests.discord_standin import DiscordStandin


async def test_a_spanish_interaction_gets_spanish_copy(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    it = await standin.send_slash_command(
        standin.member, "practice", {"scenario": "lift-remark"}, locale="es-ES"
    )
    intro = await discord_bot.shown(it)
    assert "Aviso de contenido" in text(intro)
    assert button(intro, "Empezar")


async def test_a_locale_without_content_falls_back_to_english(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    it = await standin.send_slash_command(
        standin.member, "practice", {"scenario": "lift-remark"}, locale="fr"
    )
    intro = await discord_bot.shown(it)
    assert "Content note" in text(intro) and button(intro, "Begin")


async def test_a_rate_limited_card_is_sent_once(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    await open_checkin(discord_bot)
    fault = standin.fail_next("POST", "/channels/*/messages", status=429, retry_after=0.05)
    await discord_bot.drain()
    assert len(fault.hits) == 1
    cards = standin.sent_messages(standin.volunteers_channel.id)
    assert len(cards) == 1 and "Claim" in text(cards[0])
    assert await discord_bot.runtime.store.outbox.pending_outbox_count() == 0
