"""`/upstander setup` through real discord.py: an admin stores settings and sees them back;
everyone else is refused; a channel the bot cannot post in and a role that does not exist
are refused with a reason; a community with no volunteers' channel says so at /checkin."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.settings import CommunitySettings
from tests.discord.driver import DiscordBot, open_checkin, text
from tests.discord_standin import (
    CB_MODAL,
    DiscordStandin,
)
from tests.discord_standin.factories import FakeRole, Perm


async def setup(bot: DiscordBot, user: object, options: dict[str, object]) -> str:
    shown = await bot.command(user, "upstander", options, subcommand="setup")  # type: ignore[arg-type]
    assert shown.ephemeral
    return text(shown)


async def test_an_admin_stores_settings_and_cards_go_to_the_new_channel(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    # No options: the settings in effect, the environment's until an admin stores some.
    current = await setup(bot, standin.moderator, {})
    assert f"<#{standin.volunteers_channel.id}>" in current and "Cooldown" in current
    assert await bot.runtime.store.settings.get("discord") is None

    cards = standin.add_channel("check-in-cards")
    leads = standin.add_role("Leads on call")
    saved = await setup(
        bot,
        standin.moderator,
        {"channel": cards, "lead_role": leads, "escalation_minutes": 15, "region": "gb"},
    )
    assert "Saved" in saved and f"<#{cards.id}>" in saved and f"<@&{leads.id}>" in saved
    stored = await bot.runtime.store.settings.get("discord")
    assert stored is not None and stored.volunteers_channel == str(cards.id)
    assert stored.escalation_minutes == 15 and stored.crisis_region == "GB"
    # What was not changed keeps the environment's value.
    assert stored.volunteer_role == str(standin.volunteer_role.id)

    await bot.command(standin.volunteer, "volunteer", {"state": "on"})
    await open_checkin(bot)
    await bot.drain()
    assert standin.sent_messages(standin.volunteers_channel.id) == []
    (card,) = standin.sent_messages(cards.id)
    assert "Claim" in text(card)


async def test_only_an_admin_may_change_or_see_the_settings(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    cards = standin.add_channel("check-in-cards")
    for user in (standin.volunteer, standin.member):
        refused = await setup(discord_bot, user, {"channel": cards})
        assert "Only this community's admins" in refused
        assert "Only this community's admins" in await setup(discord_bot, user, {})
    assert await discord_bot.runtime.store.settings.get("discord") is None


async def test_a_channel_the_bot_cannot_post_in_is_refused_with_the_reason(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    g = standin.guild
    private = standin.add_channel(
        "private",
        permission_overwrites=[
            {"id": str(g.id), "type": 0, "allow": "0", "deny": str(Perm.VIEW_CHANNEL)},
        ],
    )
    refused = await setup(discord_bot, standin.moderator, {"channel": private})
    assert "Nothing was changed" in refused
    assert "I cannot post in that channel" in refused and "send messages" in refused
    assert await discord_bot.runtime.store.settings.get("discord") is None


async def test_a_role_that_does_not_exist_and_bad_numbers_are_refused(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    gone = FakeRole(name="Deleted role")  # never added to the server
    refused = await setup(
        discord_bot,
        standin.moderator,
        {"volunteer_role": gone, "cooldown_minutes": -1, "region": "ZZ", "language": "xx"},
    )
    assert "The volunteer role: there is no such role" in refused
    assert "The cooldown must be from 0 to 1440 minutes" in refused
    assert "no crisis lines for the region ZZ" in refused
    assert "no content in the language xx" in refused
    assert await discord_bot.runtime.store.settings.get("discord") is None


async def test_checkin_where_no_volunteers_channel_is_set_is_honest_crisis_lines_first(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    await discord_bot.runtime.app.services.setup.book.save(
        "discord", CommunitySettings(), "test", at
    )
    it = await standin.send_slash_command(standin.member, "checkin")
    callback = await it.wait_callback()
    assert callback.json["type"] != CB_MODAL, "no form where nothing can be sent"
    message = it.response_message()
    assert message is not None and message.ephemeral
    shown = text(message)
    assert "not set up in this community" in shown
    assert shown.index("emergency") < shown.index("not set up"), "crisis lines first"


async def test_region_and_language_are_offered_from_the_content(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    ac = await standin.send_autocomplete(
        standin.moderator, "upstander", {"region": "g"}, focused="region", subcommand="setup"
    )
    await ac.wait_callback()
    assert "GB" in [c["value"] for c in ac.autocomplete_choices() or []]
    ac = await standin.send_autocomplete(
        standin.moderator, "upstander", {"language": ""}, focused="language", subcommand="setup"
    )
    await ac.wait_callback()
    assert [c["value"] for c in ac.autocomplete_choices() or []] == ["en", "es", "fr"]
