"""The check-in flow end to end: modal, confirmation, card, claim, relay, close, rating.

Also the promise to anonymous members: nothing that reaches the volunteers' channel or a
volunteer's DM names them, and nothing they type can ping anyone.
"""

from __future__ import annotations

from slack_harness import (
    MEMBER,
    MEMBER_DISPLAY_NAME,
    MEMBER_NAME,
    MEMBER_REAL_NAME,
    MEMBER_SAYS,
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
from slack_standin import RESPONSE_URL_METHOD, Call

from bot.core.desk_support import CLAIM, CLOSE, CONFIRM, RATE


async def test_checkin_claim_relay_close_and_rate_keep_the_member_anonymous(
    bot: SlackBot,
) -> None:
    slack, copy = bot.slack, bot.runtime.content.current
    on_duty = await bot.driver.slash_command("/upstander", "volunteer on", user_id=VOLUNTEER)
    assert copy.text("en", "volunteer.on") in text_of(on_duty.json()["blocks"])

    summary = await open_checkin(bot)
    assert summary.args["channel"] == MEMBER
    assert "&lt;!channel&gt;" in text_of(summary.args["blocks"])

    # Confirm in the DM → stored, told "received"; the outbox then posts the card.
    before = await press_in_message(bot, MEMBER, summary, f"{CONFIRM}|")
    received = await next_call(slack, RESPONSE_URL_METHOD, before)
    assert "Member " in text_of(received.args["blocks"])
    await bot.settle()
    [card] = posted_to(slack, VOLUNTEER_CHANNEL)
    assert button_valued(card.args["blocks"], f"{CLAIM}|")

    # A volunteer claims: told privately; the details reach their DM, the member is told.
    scanned: list[Call] = []
    before = await press_in_message(bot, VOLUNTEER, card, f"{CLAIM}|", user_name=VOLUNTEER_NAME)
    scanned.append(await next_call(slack, RESPONSE_URL_METHOD, before))
    assert scanned[-1].args["response_type"] == "ephemeral"
    await bot.settle()
    [details] = posted_to(slack, VOLUNTEER, before)
    details_text = text_of(details.args["blocks"])
    assert "&lt;!channel&gt;" in details_text and "&lt;@U0MODER01&gt;" in details_text
    assert copy.text("en", "details.anonymous") in details_text
    assert posted_to(slack, MEMBER, before), "the member hears a volunteer picked it up"
    assert slack.delivered("chat.update"), "the card shows it was claimed"

    # The relay, both ways, through DMs with the bot.
    before = last_seq(slack)
    assert (await bot.driver.message_im(MEMBER, MEMBER_SAYS)).status == 200
    await bot.settle()
    [relayed] = posted_to(slack, VOLUNTEER, before)
    relayed_text = text_of(relayed.args["blocks"])
    assert "&lt;!everyone&gt;" in relayed_text and "&amp;" in relayed_text
    before = last_seq(slack)
    assert (await bot.driver.message_im(VOLUNTEER, VOLUNTEER_SAYS)).status == 200
    await bot.settle()
    [to_member] = posted_to(slack, MEMBER, before)
    assert "&lt;!here&gt;" in text_of(to_member.args["blocks"])

    # The volunteer closes from the details message; the member is asked for a rating.
    before = await press_in_message(bot, VOLUNTEER, details, f"{CLOSE}|")
    scanned.append(await next_call(slack, RESPONSE_URL_METHOD, before))
    await bot.settle()
    rating = next(
        c for c in posted_to(slack, MEMBER, before) if f"{RATE}|" in str(c.args["blocks"])
    )
    before = await press_in_message(bot, MEMBER, rating, f"{RATE}|")
    thanks = await next_call(slack, RESPONSE_URL_METHOD, before)
    assert thanks.args["replace_original"] is True
    assert copy.text("en", "checkin.rate_thanks") in text_of(thanks.args["blocks"])

    # The anonymity scan: everything that went to the volunteers' side.
    volunteer_dm = slack.dm_channel_for(VOLUNTEER)
    volunteer_side = (VOLUNTEER_CHANNEL, VOLUNTEER, volunteer_dm)
    scanned += [c for c in slack.calls() if c.args.get("channel") in volunteer_side]
    assert len(scanned) >= 6
    member_dm = slack.dm_channel_for(MEMBER)
    for call in scanned:
        for value in call.strings():
            for secret in (MEMBER, MEMBER_NAME, MEMBER_REAL_NAME, MEMBER_DISPLAY_NAME, member_dm):
                assert secret not in value, f"{call.method} leaked {secret!r}"
            for live in ("<!channel>", "<!here>", "<!everyone>", "<@U0MODER01>", "<#C0GENERAL>"):
                assert live not in value, f"{call.method} carries a live mention {live!r}"


async def test_member_text_never_pings_in_any_call(bot: SlackBot) -> None:
    summary = await open_checkin(bot)
    await press_in_message(bot, MEMBER, summary, f"{CONFIRM}|")
    await bot.settle()
    for value in bot.slack.all_outbound_strings():
        for live in ("<!channel>", "<@U0MODER01>"):
            assert live not in value
