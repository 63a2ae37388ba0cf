"""Handover through real discord.py: off duty hands a claimed check-in back, leads return
one to the queue, and an anonymous volunteer is "a volunteer" to the member."""

from __future__ import annotations

from tests.discord.driver import (
    WORDS,
    DiscordBot,
    button,
    dm_and_deliver,
    open_checkin,
    text,
)
from tests.discord_standin import DiscordStandin
from tests.discord_standin.server import StoredMessage


def cards(standin: DiscordStandin) -> list[StoredMessage]:
    """What the bot posted in the volunteers' channel for all to see."""
    return [m for m in standin.sent_messages(standin.volunteers_channel.id) if not m.ephemeral]


async def test_off_duty_hands_back_and_a_lead_returns_to_the_queue(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    lead = standin.add_user("lea", roles=["Volunteer", "Volunteer Lead"])
    await bot.command(standin.volunteer, "volunteer", {"state": "on"})
    await open_checkin(bot)
    await bot.drain()
    (card,) = cards(standin)
    await bot.press(standin.volunteer, button(card, "Claim"), card)
    await bot.drain()
    await dm_and_deliver(bot, standin.member, "It happens every evening.")

    asked = await bot.command(standin.volunteer, "volunteer", {"state": "off"})
    assert asked.ephemeral and "Hand it back so that another volunteer" in text(asked)
    handed = await bot.press(standin.volunteer, button(asked, "Hand it back"), asked)
    assert "is back in the queue" in text(handed)
    await bot.drain()

    old, new = cards(standin)
    assert "Back in the queue" in text(old) and "Claim" not in text(old), "the old card says so"
    assert "Claim" in text(new) and WORDS not in text(new)
    assert any("had to step away" in text(m) for m in standin.dm_messages(standin.member))

    # The lead claims the re-posted card and gets the member's words privately.
    claimed = await bot.press(lead, button(new, "Claim"), new)
    assert "You claimed Member" in text(claimed)
    await bot.drain()
    assert any("mocking my accent" in text(m) for m in standin.dm_messages(lead))
    await dm_and_deliver(bot, standin.member, "Thank you for picking this up.")
    assert any("picking this up" in text(m) for m in standin.dm_messages(lead))

    # Only a lead may return it to the queue: the server refuses anyone else.
    (_, claimed_card) = cards(standin)
    refused = await bot.press(standin.volunteer, button(claimed_card, "Return to queue"))
    assert "Only volunteer leads can do that." in text(refused)
    ask = await bot.press(lead, button(claimed_card, "Return to queue"))
    assert "Return Member" in text(ask) and ask.ephemeral
    done = await bot.press(lead, button(ask, "Return to queue"), ask)
    assert "is back in the queue" in text(done)
    await bot.drain()
    posted = cards(standin)
    assert len(posted) == 3 and "Claim" in text(posted[-1])
    actions = [(e.action, e.by) for e in await bot.runtime.store.audit.audit_entries("discord", 20)]
    assert ("handed_back", "vic") in {(a, b.lower()) for a, b in actions}
    assert "requeued" in [a for a, _ in actions]


async def test_an_anonymous_volunteer_is_a_volunteer_to_the_member(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    said = await bot.command(standin.volunteer, "volunteer", {"state": "anonymous-on"})
    assert "Members see you as “a volunteer”" in text(said)
    await bot.command(standin.volunteer, "volunteer", {"state": "on"})
    await open_checkin(bot)
    await bot.drain()
    (card,) = cards(standin)
    await bot.press(standin.volunteer, button(card, "Claim"), card)
    await bot.drain()
    await dm_and_deliver(bot, standin.volunteer, "I'm here. Do you want to tell me more?")
    to_member = [text(m) for m in standin.dm_messages(standin.member)]
    assert any("A volunteer has picked up" in t for t in to_member)
    assert any("tell me more" in t for t in to_member)
    names = {n for n in (standin.volunteer.username, standin.volunteer.global_name) if n}
    for shown in to_member:
        for name in names:
            assert name.lower() not in shown.lower(), (name, shown)
