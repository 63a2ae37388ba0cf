"""The volunteer card survives Slack failing: delivered exactly once after a retry."""

from __future__ import annotations

from typing import cast

from slack_harness import MEMBER, VOLUNTEER_CHANNEL, SlackBot, open_checkin, press_in_message
from slack_standin import Call

from bot.core.clock import ManualClock
from bot.core.desk_support import CLAIM, CONFIRM


async def _confirm_with_card_failing(bot: SlackBot, status: int, times: int = 1) -> None:
    summary = await open_checkin(bot)  # the member's summary goes before the fault is set
    bot.slack.fail_next("chat.postMessage", status, times=times, retry_after=0)
    await press_in_message(bot, MEMBER, summary, f"{CONFIRM}|")
    await bot.settle()


def _card_attempts(bot: SlackBot) -> list[Call]:
    return [
        c for c in bot.slack.calls("chat.postMessage") if c.args["channel"] == VOLUNTEER_CHANNEL
    ]


def _cards_delivered(bot: SlackBot) -> int:
    return sum(1 for c in _card_attempts(bot) if c.ok and f"{CLAIM}|" in str(c.args["blocks"]))


async def test_a_500_on_the_card_is_retried_and_delivered_once(bot: SlackBot) -> None:
    await _confirm_with_card_failing(bot, 500)
    assert [c.status for c in _card_attempts(bot)] == [500, 200]
    assert _cards_delivered(bot) == 1
    assert await bot.runtime.store.outbox.pending_outbox_count() == 0


async def test_a_429_on_the_card_waits_and_is_delivered_once(bot: SlackBot) -> None:
    await _confirm_with_card_failing(bot, 429)
    assert [c.status for c in _card_attempts(bot)] == [429, 200]
    assert _cards_delivered(bot) == 1
    assert await bot.runtime.store.outbox.pending_outbox_count() == 0


async def test_when_the_client_gives_up_the_outbox_delivers_it_later_once(
    bot: SlackBot,
) -> None:
    # Three 429s: the first try and both of the client's retries fail.
    await _confirm_with_card_failing(bot, 429, times=3)
    assert [c.status for c in _card_attempts(bot)] == [429, 429, 429]
    assert _cards_delivered(bot) == 0
    assert await bot.runtime.store.outbox.pending_outbox_count() == 1

    assert await bot.runtime.deliveries.drain() == 0  # not due yet: it backs off
    cast(ManualClock, bot.runtime.clock).advance(minutes=5)
    assert await bot.runtime.deliveries.drain() == 1
    await bot.runtime.deliveries.drain()
    assert _cards_delivered(bot) == 1
    assert await bot.runtime.store.outbox.pending_outbox_count() == 0
