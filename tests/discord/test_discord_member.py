"""Crisis lines first, mydata, and commands used in a DM with the bot."""

from __future__ import annotations

from tests.discord.driver import CB_MODAL, DiscordBot, button, select_values, text
from tests.discord_standin import DiscordStandin


async def test_crisis_lines_come_first_and_stay(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    it = await standin.send_slash_command(standin.member, "checkin")
    assert (await it.wait_callback()).json["type"] == CB_MODAL
    modal = it.modal()
    assert modal is not None
    choices = select_values(modal)
    submit = await standin.send_modal_submit(
        standin.member,
        modal["custom_id"],
        {
            "text": "Honestly I want to die",
            "category": [choices["category"][0]],
            "urgency": [choices["urgency"][0]],
            "identity": ["anonymous"],
        },
    )
    summary = await bot.shown(submit)
    assert summary.content.startswith("**If you are in danger right now**")
    assert "Find A Helpline" in summary.content
    settled, received = await bot.press_settling(
        standin.member, button(summary, "Send to volunteers"), summary
    )
    assert settled.content.startswith("**If you are in danger right now**")
    assert received.content.startswith("**If you are in danger right now**")
    assert "Received and stored safely" in text(received)
    await bot.drain()
    (card,) = standin.sent_messages(standin.volunteers_channel.id)
    assert "Safety concern" in text(card) and "want to die" not in text(card)


async def test_mydata_export_and_delete(standin: DiscordStandin, discord_bot: DiscordBot) -> None:
    bot = discord_bot
    await bot.command(standin.member, "practice", {"scenario": "lift-remark"})
    exported = await bot.command(standin.member, "mydata", {"action": "export"})
    assert "Here is everything I keep about you" in text(exported) and exported.ephemeral
    ask = await bot.command(standin.member, "mydata", {"action": "delete"})
    done = await bot.press(standin.member, button(ask, "Erase my data"), ask)
    assert "Done:" in text(done)


async def test_commands_in_a_dm_with_the_bot(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    helped = await bot.command(standin.member, "help", guild=False)
    assert "/practice" in text(helped)
    menu = await bot.command(standin.member, "practice", guild=False)
    intro = await bot.press(standin.member, button(menu, "A remark in the lift"), menu)
    assert "Begin" in text(intro)
    # A volunteer's status from a DM: the roles are looked up in the guild.
    status = await bot.command(standin.volunteer, "volunteer", {"state": "status"}, guild=False)
    assert "Only volunteers" not in text(status)
    assert any(r.route == "get_member" for r in standin.requests)
