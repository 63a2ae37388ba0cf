"""Handover through the real slack-bolt app: `volunteer off` with a claimed check-in asks
to hand it back, Hand it back re-posts the card, and `volunteer anonymous on` keeps the
volunteer's name from the member."""

from __future__ import annotations

from slack_harness import (
    MEMBER,
    VOLUNTEER,
    VOLUNTEER_CHANNEL,
    VOLUNTEER_NAME,
    VOLUNTEER_SAYS,
    SlackBot,
    button_valued,
    last_seq,
    next_call,
    open_checkin,
    posted_to,
    press_in_message,
    text_of,
)
from slack_standin import RESPONSE_URL_METHOD

from bot.core.desk_support import CLAIM, CONFIRM, HAND_BACK
from bot.core.models import CheckinStatus


async def test_anonymous_volunteer_hands_back_when_going_off_duty(bot: SlackBot) -> None:
    slack, copy = bot.slack, bot.runtime.content.current
    anonymous = await bot.driver.slash_command(
        "/upstander", "volunteer anonymous on", user_id=VOLUNTEER
    )
    assert copy.text("en", "volunteer.anonymous_on") in text_of(anonymous.json()["blocks"])
    await bot.driver.slash_command("/upstander", "volunteer on", user_id=VOLUNTEER)

    summary = await open_checkin(bot)
    await press_in_message(bot, MEMBER, summary, f"{CONFIRM}|")
    await bot.settle()
    [card] = posted_to(slack, VOLUNTEER_CHANNEL)
    before = await press_in_message(bot, VOLUNTEER, card, f"{CLAIM}|", user_name=VOLUNTEER_NAME)
    await bot.settle()
    joined = text_of(posted_to(slack, MEMBER, before)[-1].args["blocks"])
    assert copy.text("en", "checkin.volunteer_joined_anonymous") in joined
    before = last_seq(slack)
    assert (await bot.driver.message_im(VOLUNTEER, VOLUNTEER_SAYS)).status == 200
    await bot.settle()
    [relayed] = posted_to(slack, MEMBER, before)
    assert VOLUNTEER_NAME.lower() not in str(relayed.args).lower()

    off = await bot.driver.slash_command("/upstander", "volunteer off", user_id=VOLUNTEER)
    asked = off.json()["blocks"]
    assert "Hand it back so that another volunteer" in text_of(asked)
    assert button_valued(asked, f"{HAND_BACK}|")
    assert await bot.runtime.store.checkins.unclaimed() == [], "nothing changes before the answer"

    before = last_seq(slack)
    element = button_valued(asked, f"{HAND_BACK}|")
    ack = await bot.driver.click_button(
        str(element["action_id"]),
        str(element["value"]),
        user_id=VOLUNTEER,
        user_name=VOLUNTEER_NAME,
        channel_id="C0GENERAL",
        message={"ts": "1700000000.000001"},
        is_ephemeral=True,
    )
    assert ack.status == 200, ack.body
    answered = await next_call(slack, RESPONSE_URL_METHOD, before)
    assert "is back in the queue" in text_of(answered.args["blocks"])
    await bot.settle()
    [reopened] = await bot.runtime.store.checkins.unclaimed()
    assert reopened.status is CheckinStatus.OPEN and reopened.claimed_by == ""
    reposted = posted_to(slack, VOLUNTEER_CHANNEL, before)
    assert reposted and button_valued(reposted[-1].args["blocks"], f"{CLAIM}|")
    told = [text_of(c.args["blocks"]) for c in posted_to(slack, MEMBER, before)]
    assert any("had to step away" in t for t in told)
