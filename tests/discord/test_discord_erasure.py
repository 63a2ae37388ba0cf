"""Deletion reaches the bot's own copies (issue 18.6), through the real discord.py client:
after a close and after /mydata delete, the claimer's details DM and the relayed messages
are deleted with DELETE /channels/{id}/messages/{id}; notices and the rating stay."""

from __future__ import annotations

from bot.core.delivery import GAVE_UP
from tests.discord.driver import DiscordBot, button, dm_and_deliver, open_checkin, text
from tests.discord_standin import DiscordStandin
from tests.discord_standin.server import StoredMessage

DETAILS = "mocking my accent"  # the member's words, in the claimer's details DM


async def _claimed_with_relays(standin: DiscordStandin, bot: DiscordBot) -> StoredMessage:
    """A claimed check-in with one relayed message each way; the member's joined notice."""
    await bot.command(standin.volunteer, "volunteer", {"state": "on"})
    await open_checkin(bot)
    await bot.drain()
    (card,) = standin.sent_messages(standin.volunteers_channel.id)
    await bot.press(standin.volunteer, button(card, "Claim"), card)
    await bot.drain()
    await dm_and_deliver(bot, standin.volunteer, "I'm here. Tell me more?")
    await dm_and_deliver(bot, standin.member, "It happens every evening.")
    assert any(DETAILS in text(m) for m in standin.dm_messages(standin.volunteer))
    (joined, _relayed) = standin.dm_messages(standin.member)
    return joined


def _deleted_texts(standin: DiscordStandin) -> list[str]:
    deletes = [r for r in standin.requests if r.route == "delete_message"]
    assert all(r.status == 204 for r in deletes), [r.status for r in deletes]
    return [text(standin.messages[int(r.params["message_id"])]) for r in deletes]


def _everything_said(standin: DiscordStandin) -> str:
    mine = standin.dm_messages(standin.member) + standin.dm_messages(standin.volunteer)
    return "\n".join(text(m) for m in mine)


async def test_a_close_deletes_the_details_and_both_relays_and_keeps_the_notices(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    joined = await _claimed_with_relays(standin, bot)
    await bot.press(standin.member, button(joined, "End conversation"), joined)
    await bot.drain()
    deleted = _deleted_texts(standin)
    assert len(deleted) == 3
    assert sum(DETAILS in t for t in deleted) == 1
    assert sum("Tell me more?" in t for t in deleted) == 1
    assert sum("every evening" in t for t in deleted) == 1
    left = _everything_said(standin)
    assert DETAILS not in left and "Tell me more?" not in left and "every evening" not in left
    assert "how helpful" in left and "closed the conversation" in left, "notices stay"
    # The member's own DM to the bot is theirs: a bot cannot delete it and never tries.
    theirs = [m for m in standin.messages.values() if not m.by_bot and "every evening" in text(m)]
    assert theirs and not any(m.deleted for m in theirs)
    assert await bot.runtime.store.outbox.pending_outbox_count() == 0
    await bot.runtime.escalation.purge()  # a later purge finds nothing left to delete
    await bot.drain()
    assert len(_deleted_texts(standin)) == 3


async def test_mydata_delete_during_a_conversation_deletes_the_copies(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    await _claimed_with_relays(standin, bot)
    ask = await bot.command(standin.member, "mydata", {"action": "delete"})
    done = await bot.press(standin.member, button(ask, "Erase my data"), ask)
    assert "Done" in text(done)
    await bot.drain()
    deleted = _deleted_texts(standin)
    assert len(deleted) == 3 and sum(DETAILS in t for t in deleted) == 1
    left = _everything_said(standin)
    assert DETAILS not in left and "every evening" not in left


async def test_a_message_already_gone_counts_as_deleted(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    joined = await _claimed_with_relays(standin, bot)
    [details] = [m for m in standin.dm_messages(standin.volunteer) if DETAILS in text(m)]
    details.deleted = True  # someone removed it first
    await bot.press(standin.member, button(joined, "End conversation"), joined)
    await bot.drain()
    deletes = [r for r in standin.requests if r.route == "delete_message"]
    assert sorted(r.status for r in deletes) == [204, 204, 404], "each tried once"
    [gone] = [r for r in deletes if r.status == 404]
    assert int(gone.params["message_id"]) == details.id
    assert await bot.runtime.store.outbox.pending_outbox_count() == 0, "not retried"
    audit = await bot.runtime.store.audit.audit_entries("discord", 20)
    assert GAVE_UP not in [e.action for e in audit], "a success, not a give-up"
