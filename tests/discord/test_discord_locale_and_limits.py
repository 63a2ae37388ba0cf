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
        standin.member, "practice", {"scenario": "lift-remark"}, locale="de"
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


async def test_copy_names_commands_as_discord_shows_them_in_the_member_s_language(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    english = text(
        await discord_bot.shown(await standin.send_slash_command(standin.member, "help"))
    )
    assert "• /practice:" in english and "/upstander reload" in english
    assert "{cmd" not in english
    it = await standin.send_slash_command(standin.member, "help", locale="es-ES")
    spanish = text(await discord_bot.shown(it))
    # The names the Spanish member sees in Discord's command list (messages/es.yaml).
    assert "• /practicar:" in spanish and "• /recursos:" in spanish
    assert "/practice" not in spanish


async def test_the_commands_synced_at_start_carry_their_translations(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    # DISCORD_SYNC_ON_START: setup_hook sets the translator before it syncs.
    synced = {c["name"]: c for c in standin.guild_commands[standin.guild.id].values()}
    assert synced["mydata"]["name_localizations"]["fr"] == "mesdonnees"
    assert synced["upstander"]["description_localizations"]["es-ES"].startswith("Moderación")


async def test_a_spanish_member_sees_reading_list_topics_in_spanish(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    it = await standin.send_slash_command(standin.member, "resources", locale="es-ES")
    topics = await discord_bot.shown(it)
    assert "Intervención de testigos" in text(topics) and "Bystander intervention" not in text(
        topics
    )
    pressed = await standin.send_button(
        standin.member, button(topics, "Intervención de testigos"), message=topics, locale="es-ES"
    )
    found = await discord_bot.shown(pressed)
    # The heading is the topic in Spanish; the items keep their published titles.
    assert "Intervención de testigos" in text(found)
    assert "The 5Ds of Bystander Intervention" in text(found)

    ac = await standin.send_autocomplete(
        standin.member, "resources", {"topic": "bien"}, focused="topic", locale="es-ES"
    )
    await ac.wait_callback()
    assert [(c["value"], c["name"]) for c in ac.autocomplete_choices() or []] == [
        ("wellbeing-burnout", "Bienestar y desgaste")
    ]
