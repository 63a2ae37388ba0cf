"""Slack's retries and replays of one event relay the member's message once, and a
refusal Slack calls permanent is given up, audited, never retried for long."""

from __future__ import annotations

from typing import cast

from slack_harness import (
    MEMBER,
    VOLUNTEER,
    VOLUNTEER_CHANNEL,
    VOLUNTEER_NAME,
    SlackBot,
    last_seq,
    open_checkin,
    posted_to,
    press_in_message,
)

from bot.core.clock import ManualClock
from bot.core.delivery import GAVE_UP
from bot.core.desk_support import CLAIM, CONFIRM

SAYS = "I am still here, it happened again today"


async def claimed_checkin(bot: SlackBot) -> None:
    await bot.driver.slash_command("/upstander", "volunteer on", user_id=VOLUNTEER)
    summary = await open_checkin(bot)
    await press_in_message(bot, MEMBER, summary, f"{CONFIRM}|")
    await bot.settle()
    [card] = posted_to(bot.slack, VOLUNTEER_CHANNEL)
    await press_in_message(bot, VOLUNTEER, card, f"{CLAIM}|", user_name=VOLUNTEER_NAME)
    await bot.settle()


def relays_received(bot: SlackBot, after: int) -> list[str]:
    return [
        str(c.args["blocks"])
        for c in posted_to(bot.slack, VOLUNTEER, after)
        if SAYS in str(c.args["blocks"])
    ]


async def test_a_retried_and_replayed_event_reaches_the_volunteer_once(bot: SlackBot) -> None:
    await claimed_checkin(bot)
    before = last_seq(bot.slack)
    first = await bot.driver.message_im(MEMBER, SAYS, event_id="Ev0SAMEEVENT")
    retried = await bot.driver.message_im(MEMBER, SAYS, event_id="Ev0SAMEEVENT", retry_num=1)
    await bot.settle()
    replayed = await bot.driver.message_im(MEMBER, SAYS, event_id="Ev0SAMEEVENT", retry_num=2)
    await bot.settle()
    assert [r.status for r in (first, retried, replayed)] == [200, 200, 200]
    assert len(relays_received(bot, before)) == 1

    # A new event with the same words is a new message: it is relayed.
    await bot.driver.message_im(MEMBER, SAYS, event_id="Ev0NEXTEVENT")
    await bot.settle()
    assert len(relays_received(bot, before)) == 2


async def test_a_channel_slack_cannot_find_is_given_up_and_audited(bot: SlackBot) -> None:
    summary = await open_checkin(bot)
    bot.slack.fail_next("chat.postMessage", 200, error="channel_not_found", times=10)
    await press_in_message(bot, MEMBER, summary, f"{CONFIRM}|")
    await bot.settle()
    clock = cast(ManualClock, bot.runtime.clock)
    for _ in range(5):
        clock.advance(minutes=10)
        await bot.runtime.deliveries.drain()
    attempts = [
        c for c in bot.slack.calls("chat.postMessage") if c.args["channel"] == VOLUNTEER_CHANNEL
    ]
    assert len(attempts) == bot.runtime.deliveries.policy.permanent_attempts
    assert await bot.runtime.store.outbox.pending_outbox_count() == 0
    [entry] = await bot.runtime.store.audit.audit_entries("slack", 10)
    assert (entry.action, entry.by) == (GAVE_UP, "card")
    assert entry.pseudonym.startswith("Member ")
