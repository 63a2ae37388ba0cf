"""A scenario of the week through the real slack-bolt app: a moderator schedules it with
the text form, the job posts it in the channel, and the group begins there (issue 21.2)."""

from __future__ import annotations

from slack_harness import MEMBER, MODERATOR, SlackBot, button_valued, last_seq, next_call, text_of
from slack_standin import RESPONSE_URL_METHOD
from slack_standin.driver import plain_text_value, radio_buttons_value

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


async def test_the_modal_schedules_for_the_channel_it_was_opened_in(bot: SlackBot) -> None:
    refused = await bot.driver.slash_command(
        "/upstander", "schedule", user_id=MEMBER, channel_id=CHANNEL
    )
    assert "Only moderators can do that." in text_of(refused.json()["blocks"])

    ack = await bot.driver.slash_command(
        "/upstander", "schedule", user_id=MODERATOR, channel_id=CHANNEL
    )
    assert ack.status == 200
    opened = await bot.slack.wait_for("views.open")
    assert opened.ok
    view = bot.slack.last_view(MODERATOR)
    assert view["private_metadata"] == f"schedule|{CHANNEL}"
    values = {
        "weekday": {"value": radio_buttons_value("thursday")},
        "time": {"value": plain_text_value("13:30")},
        "zone": {"value": plain_text_value("Europe/Madrid")},
        "topics": {"value": plain_text_value("")},
    }
    before = last_seq(bot.slack)
    submitted = await bot.driver.submit_view(view, values, user_id=MODERATOR)
    assert submitted.status == 200
    confirmed = await next_call(bot.slack, "chat.postMessage", before)
    assert "Scheduled (" in text_of(confirmed.args["blocks"])
    [kept] = await bot.runtime.store.schedules.list_schedules("slack")
    assert kept.channel == CHANNEL and f"{kept.slot.at:%H:%M}" == "13:30"
