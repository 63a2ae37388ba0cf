"""A scenario of the week through the real slack-bolt app: a moderator schedules it with
the text form, the job posts it in the channel, and the group begins there (issue 21.2)."""

from __future__ import annotations

from slack_harness import MEMBER, MODERATOR, SlackBot, button_valued, last_seq, next_call, text_of
from slack_standin import RESPONSE_URL_METHOD

from bot.core.clock import ManualClock
from bot.core.group_view import BEGIN

CHANNEL = "C0GENERAL"


async def test_a_scheduled_scenario_lands_in_the_channel_once(bot: SlackBot) -> None:
    clock = bot.runtime.clock
    assert isinstance(clock, ManualClock)  # Thursday 1 January 2026, 12:00 UTC
    refused = await bot.driver.slash_command(
        "/upstander", "schedule list", user_id=MEMBER, channel_id=CHANNEL
    )
    assert "Only moderators can do that." in text_of(refused.json()["blocks"])

    words = f"schedule add <#{CHANNEL}|general> thursday 13:30 Europe/Madrid"
    added = await bot.driver.slash_command("/upstander", words, user_id=MODERATOR)
    assert "Scheduled (" in text_of(added.json()["blocks"])
    listed = await bot.driver.slash_command("/upstander", "schedule list", user_id=MODERATOR)
    listing = text_of(listed.json()["blocks"])
    assert f"#{CHANNEL}" in listing and "next due: 2026-01-01 13:30" in listing

    weekly = bot.runtime.app.services.weekly
    assert await weekly.post_due() == 0
    clock.advance(minutes=30)  # 13:30 in Madrid
    before = last_seq(bot.slack)
    assert await weekly.post_due() == 1
    assert await weekly.post_due() == 0
    await bot.runtime.deliveries.drain()
    posted = await next_call(bot.slack, "chat.postMessage", before)
    assert posted.args["channel"] == CHANNEL
    blocks = posted.args["blocks"]
    assert "Scenario of the week" in text_of(blocks)
    assert [c for c in bot.slack.calls() if c.method == "chat.postMessage" and c.seq > before] == [
        posted
    ]

    # The moderator who scheduled it leads the session, as its starter.
    begin = button_valued(blocks, f"{BEGIN}|")
    seq = last_seq(bot.slack)
    ack = await bot.driver.click_button(
        str(begin["action_id"]),
        str(begin["value"]),
        user_id=MODERATOR,
        channel_id=CHANNEL,
        message={"ts": "1700000000.000009"},
    )
    assert ack.status == 200
    begun = await next_call(bot.slack, RESPONSE_URL_METHOD, seq)
    assert begun.args["replace_original"] is True
    assert "Votes so far: 0" in text_of(begun.args["blocks"])
