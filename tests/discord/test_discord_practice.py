"""Practice, reading lists, autocomplete and moderator commands through real discord.py."""

from __future__ import annotations

from bot.core.practice import CHOOSE
from tests.discord.driver import DiscordBot, button, text
from tests.discord_standin import CB_AUTOCOMPLETE_RESULT, DiscordStandin


async def test_commands_are_synced_with_the_moderator_group_hidden(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    commands = standin.guild_commands[standin.guild.id]
    by_name = {c["name"]: c for c in commands.values()}
    assert {"practice", "resources", "checkin", "volunteer", "mydata", "upstander"} <= set(by_name)
    admin = by_name["upstander"]
    assert int(admin["default_member_permissions"]) == 1 << 5  # Manage Server
    names = sorted(o["name"] for o in admin["options"])
    assert names == ["audit", "content", "reload", "schedule", "setup", "stats"]
    identify = standin.gateway_frames.find(lambda f: f.direction == "recv" and f.op == 2)
    assert identify is not None
    assert identify.data["intents"] == (1 << 0) | (1 << 12)  # guilds, direct messages


async def test_a_whole_practice_run_by_buttons_ends_in_a_private_recap(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    menu = await bot.command(standin.member, "practice")
    assert menu.ephemeral and "A remark in the lift" in text(menu)

    intro = await bot.press(standin.member, button(menu, "A remark in the lift"), menu)
    assert "Content note" in text(intro) and intro.ephemeral
    step = await bot.press(standin.member, button(intro, "Begin"), intro)
    assert "The doors close" in text(step)

    step = await bot.press(standin.member, button(step, "Ask the woman which floor"), step)
    assert "shifts the moment" in text(step) and "The lift reaches the lobby" in text(step)
    assert all(cid.startswith(("practice.", "library.")) for cid in step.custom_ids())
    recap = await bot.press(standin.member, button(step, "Ask her if she is all right"), step)
    assert "Your recap" in text(recap)
    assert "Distract" in text(recap) and recap.ephemeral
    assert not any(cid.startswith(CHOOSE) for cid in recap.custom_ids())
    assert standin.errors() == []


async def test_scenario_and_topic_autocomplete(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    ac = await standin.send_autocomplete(
        standin.member, "practice", {"scenario": "lift"}, focused="scenario"
    )
    callback = await ac.wait_callback()
    assert callback.json["type"] == CB_AUTOCOMPLETE_RESULT
    assert [c["value"] for c in ac.autocomplete_choices() or []] == ["lift-remark"]

    ac = await standin.send_autocomplete(
        standin.member, "resources", {"topic": "well"}, focused="topic"
    )
    await ac.wait_callback()
    assert [c["value"] for c in ac.autocomplete_choices() or []] == ["wellbeing-burnout"]

    picked = await discord_bot.command(standin.member, "practice", {"scenario": "lift-remark"})
    assert "Content note" in text(picked)


async def test_resources_search_and_paging(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    first = await bot.command(standin.member, "resources", {"search": "together"})
    assert "Page 1 of 3" in text(first) and first.ephemeral
    second = await bot.press(standin.member, button(first, "Next"), first)
    assert "Page 2 of 3" in text(second)
    third = await bot.press(standin.member, button(second, "Next"), second)
    assert "Page 3 of 3" in text(third)
    back = await bot.press(standin.member, button(third, "Previous"), third)
    assert "Page 2 of 3" in text(back)

    topics = await bot.command(standin.member, "resources")
    found = await bot.press(standin.member, button(topics, "Bystander intervention"), topics)
    assert "The 5Ds of Bystander Intervention" in text(found)


async def test_moderator_commands_are_checked_by_role(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    refused = await bot.command(standin.member, "upstander", subcommand="stats")
    assert "Only moderators can do that." in text(refused) and refused.ephemeral

    allowed = await bot.command(standin.moderator, "upstander", subcommand="stats")
    assert "Only moderators can do that." not in text(allowed)

    # The role alone is enough, without the Manage Server permission.
    plain_mod = standin.add_user("quiet-mod", roles=[standin.moderator_role.id], permissions=0)
    standin.moderator_role.permissions = 0
    allowed = await bot.command(plain_mod, "upstander", subcommand="stats")
    assert "Only moderators can do that." not in text(allowed)
