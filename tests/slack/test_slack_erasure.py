"""Deletion reaches the bot's own copies (issue 18.6), through the real slack-bolt app
and Web API client: after a close and after /mydata delete, chat.delete removes the
claimer's details and the relayed messages; notices and the rating request stay."""

from __future__ import annotations

from slack_harness import (
    MEMBER,
    MEMBER_SAYS,
    VOLUNTEER,
    VOLUNTEER_CHANNEL,
    VOLUNTEER_NAME,
    VOLUNTEER_SAYS,
    SlackBot,
    button_valued,
    last_seq,
    open_checkin,
    posted_to,
    press_in_message,
    text_of,
)
from slack_standin import Call

from bot.core.desk_support import CLAIM, CLOSE, CONFIRM
from bot.core.mydata import DELETE_CONFIRM


async def _claimed_with_relays(bot: SlackBot) -> tuple[Call, list[Call]]:
    """A claimed check-in, one relayed message each way: the details and the copies."""
    slack = bot.slack
    await bot.driver.slash_command("/upstander", "volunteer on", user_id=VOLUNTEER)
    summary = await open_checkin(bot)
    await press_in_message(bot, MEMBER, summary, f"{CONFIRM}|")
    await bot.settle()
    [card] = posted_to(slack, VOLUNTEER_CHANNEL)
    before = await press_in_message(bot, VOLUNTEER, card, f"{CLAIM}|", user_name=VOLUNTEER_NAME)
    await bot.settle()
    [details] = posted_to(slack, VOLUNTEER, before)
    before = last_seq(slack)
    assert (await bot.driver.message_im(MEMBER, MEMBER_SAYS)).status == 200
    await bot.settle()
    assert (await bot.driver.message_im(VOLUNTEER, VOLUNTEER_SAYS)).status == 200
    await bot.settle()
    relays = posted_to(slack, VOLUNTEER, before) + posted_to(slack, MEMBER, before)
    assert len(relays) == 2
    return details, relays


def _where(call: Call) -> tuple[str, str]:
    return str(call.response["channel"]), str(call.response["ts"])


def _deleted(call: Call) -> tuple[str, str]:
    return str(call.args["channel"]), str(call.args["ts"])


def _still_there(bot: SlackBot, call: Call) -> bool:
    channel, ts = _where(call)
    return ts in bot.slack.messages.get(channel, {})


async def test_a_close_deletes_the_details_and_both_relays_and_keeps_the_rest(
    bot: SlackBot,
) -> None:
    details, relays = await _claimed_with_relays(bot)
    copies = [details, *relays]
    assert all(_still_there(bot, c) for c in copies)
    before = await press_in_message(bot, VOLUNTEER, details, f"{CLOSE}|")
    await bot.settle()
    assert {_deleted(c) for c in bot.slack.delivered("chat.delete")} == {_where(c) for c in copies}
    assert not any(_still_there(bot, c) for c in copies)
    after_close = posted_to(bot.slack, MEMBER, before)
    assert after_close and all(_still_there(bot, c) for c in after_close), "notices stay"
    assert any("how helpful" in text_of(c.args["blocks"]) for c in after_close)
    assert await bot.runtime.store.outbox.pending_outbox_count() == 0


async def test_mydata_delete_during_a_conversation_deletes_the_copies(bot: SlackBot) -> None:
    details, relays = await _claimed_with_relays(bot)
    ack = await bot.driver.slash_command("/upstander", "mydata delete", user_id=MEMBER)
    erase = button_valued(ack.json()["blocks"], f"{DELETE_CONFIRM}|")
    pressed = await bot.driver.click_button(
        str(erase["action_id"]),
        str(erase["value"]),
        user_id=MEMBER,
        channel_id="C0GENERAL",
        message={"ts": "1700000000.000001"},
        is_ephemeral=True,
    )
    assert pressed.status == 200
    await bot.settle()
    copies = [details, *relays]
    assert {_deleted(c) for c in bot.slack.delivered("chat.delete")} == {_where(c) for c in copies}
    assert not any(_still_there(bot, c) for c in copies)


async def test_a_message_already_gone_counts_as_deleted(bot: SlackBot) -> None:
    details, relays = await _claimed_with_relays(bot)
    channel, ts = _where(details)
    del bot.slack.messages[channel][ts]  # someone removed it first
    await press_in_message(bot, VOLUNTEER, details, f"{CLOSE}|")
    await bot.settle()
    refused = [c for c in bot.slack.calls("chat.delete") if not c.ok]
    assert [_deleted(c) for c in refused] == [(channel, ts)]
    assert await bot.runtime.store.outbox.pending_outbox_count() == 0, "not retried forever"
    assert not any(_still_there(bot, c) for c in relays)
