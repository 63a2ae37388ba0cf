"""The check-in through real discord.py: modal, card, claim, relay, close; anonymity."""

from __future__ import annotations

from typing import Any

from tests.discord.driver import (
    WORDS,
    DiscordBot,
    button,
    dm_and_deliver,
    open_checkin,
    requests_to_channels,
    select_values,
    strings_in,
    text,
)
from tests.discord_standin import DiscordStandin
from tests.discord_standin.server import StoredMessage


async def test_checkin_card_claim_relay_close_and_anonymity(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    on = await bot.command(standin.volunteer, "volunteer", {"state": "on"})
    assert on.ephemeral

    await open_checkin(bot)
    assert standin.sent_messages(standin.volunteers_channel.id) == [], "nothing before drain"
    await bot.drain()
    (card,) = standin.sent_messages(standin.volunteers_channel.id)
    assert "Claim" in text(card) and "mocking my accent" not in text(card)

    # A member without the volunteer role cannot claim; the server checks, not the button.
    refused = await bot.press(standin.moderator, button(card, "Claim"), card)
    assert "Only volunteers can do that." in text(refused)

    claimed = await bot.press(standin.volunteer, button(card, "Claim"), card)
    assert "You claimed Member" in text(claimed) and claimed.ephemeral
    await bot.drain()
    details = standin.dm_messages(standin.volunteer)
    assert any("mocking my accent" in text(m) for m in details), "the claimer gets the words"
    (joined,) = standin.dm_messages(standin.member)
    assert "picked up" in text(joined)

    await dm_and_deliver(bot, standin.volunteer, "I'm here. Do you want to tell me more?")
    assert any("tell me more" in text(m) for m in standin.dm_messages(standin.member))
    await dm_and_deliver(bot, standin.member, "It happens every evening. @everyone <@&1>")
    assert any("every evening" in text(m) for m in standin.dm_messages(standin.volunteer))

    # The member closes from the button in their DM.
    closed = await bot.press(standin.member, button(joined, "End conversation"), joined)
    assert "Closed" in text(closed)
    await bot.drain()
    assert any("closed the conversation" in text(m) for m in standin.dm_messages(standin.volunteer))
    assert any("how helpful" in text(m) for m in standin.dm_messages(standin.member))
    assert await bot.runtime.store.outbox.pending_outbox_count() == 0

    # Anonymity: nothing that reached the volunteers' side names the member.
    volunteer_dm = standin.dm_channels[standin.volunteer.id].id
    bodies = requests_to_channels(standin, {standin.volunteers_channel.id, volunteer_dm})
    # ...and what the bot answered to the volunteer's own interactions.
    theirs = [i for i in standin.interactions.values() if i.user.id == standin.volunteer.id]
    ids, tokens = {str(i.id) for i in theirs}, {i.token for i in theirs}
    bodies += [
        r.json
        for r in standin.requests
        if r.json is not None
        and (r.params.get("interaction_id") in ids or r.params.get("token") in tokens)
    ]
    assert len(bodies) >= 8
    member = standin.member
    secrets = {
        str(member.id),
        member.username,
        *([member.global_name] if member.global_name else []),
    }
    for body in bodies:
        for string in strings_in(body):
            for secret in secrets:
                assert secret.lower() not in string.lower(), (secret, string)

    # User text never pings: every message was sent with mentions disabled.
    for body in requests_to_channels(standin, {standin.volunteers_channel.id, volunteer_dm}):
        assert body.get("allowed_mentions") == {"parse": []}, body
    words = [m for m in details if "@everyone" in text(m)]
    assert words, "the member's words reached the volunteer as typed"
    assert standin.pings() == []
    assert standin.errors() == []


async def test_everyone_in_the_checkin_text_never_pings(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    received = await open_checkin(bot, identity="named")
    await bot.drain()
    (card,) = standin.sent_messages(standin.volunteers_channel.id)
    await bot.press(standin.volunteer, button(card, "Claim"), card)
    await bot.drain()
    sent_words = [
        r
        for r in standin.requests
        if r.route == "create_message" and WORDS in " ".join(strings_in(r.json))
    ]
    assert sent_words, "the words went to the volunteer"
    for r in sent_words:
        assert r.json["allowed_mentions"] == {"parse": []}
    interaction_bodies: list[Any] = [
        r.json for r in standin.requests if r.route == "interaction_callback"
    ]
    for body in interaction_bodies:
        data = body.get("data") or {}
        if WORDS in " ".join(strings_in(data)):
            assert data["allowed_mentions"] == {"parse": []}
    assert received.ephemeral
    assert standin.pings() == []


async def test_member_closes_with_the_command(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    await open_checkin(bot)
    await bot.drain()
    closed = await bot.command(standin.member, "checkin", {"action": "close"})
    assert "Closed" in text(closed) and closed.ephemeral
    await bot.drain()
    (card,) = standin.sent_messages(standin.volunteers_channel.id)
    assert card.edits == 1 and "Claim" not in text(card)


DANGER = "I do not feel safe going to work, he keeps following me"
CRISIS_TITLE = "**If you are in danger right now**"


async def crisis_summary(bot: DiscordBot) -> StoredMessage:
    standin = bot.standin
    it = await standin.send_slash_command(standin.member, "checkin")
    await it.wait_callback()
    modal = it.modal()
    assert modal is not None
    choices = select_values(modal)
    submit = await standin.send_modal_submit(
        standin.member,
        modal["custom_id"],
        {
            "text": DANGER,
            "category": [choices["category"][0]],
            "urgency": [choices["urgency"][0]],
            "identity": ["anonymous"],
        },
    )
    summary = await bot.shown(submit)
    assert summary.content.startswith(CRISIS_TITLE)
    return summary


async def test_send_settles_the_summary_and_a_stale_second_press_is_harmless(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    catalog = bot.runtime.content.current
    summary = await crisis_summary(bot)
    send = button(summary, "Send to volunteers")
    settled, received = await bot.press_settling(standin.member, send, summary)
    # The summary now says what happened, keeps the lines on top, and has no buttons left.
    assert settled.content.startswith(CRISIS_TITLE)
    assert catalog.text("en", "crisis.stage_sent") in settled.content
    assert catalog.text("en", "crisis.stage_draft") not in settled.content
    assert "Sent to the volunteers as Member" in text(settled)
    assert not settled.payload.get("components")
    assert received.content.startswith(CRISIS_TITLE) and received.ephemeral
    assert "Received and stored safely" in text(received)

    # A client that still shows the old buttons: the press is answered, nothing is resent.
    again = await bot.standin.send_button(standin.member, send)
    assert (await again.wait_callback()).ok
    await again.wait_followup(lambda r: r.route == "webhook_followup")
    assert any("Already sent" in text(m) for m in again.messages())
    await bot.drain()
    assert len(standin.sent_messages(standin.volunteers_channel.id)) == 1
    assert standin.errors() == []


async def test_dont_send_settles_the_summary_and_says_nothing_was_sent(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    catalog = bot.runtime.content.current
    summary = await crisis_summary(bot)
    settled, answer = await bot.press_settling(
        standin.member, button(summary, "Don't send"), summary
    )
    assert settled.content.startswith(CRISIS_TITLE) and not settled.payload.get("components")
    assert "Not sent." in text(settled)
    for message in (settled, answer):
        assert catalog.text("en", "crisis.stage_not_sent") in message.content
        assert catalog.text("en", "crisis.stage_sent") not in message.content
    assert answer.content.startswith(CRISIS_TITLE)
    assert "Not sent, and nothing was kept" in text(answer)
    await bot.drain()
    assert standin.sent_messages(standin.volunteers_channel.id) == []
