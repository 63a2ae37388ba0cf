"""People are shown by the name Slack shows them (display name, then full name, then the
legacy handle), looked up with ``users.info`` on the Web API stand-in, never by the
handle the request carries."""

from __future__ import annotations

import pytest
from slack_harness import (
    MEMBER,
    MEMBER_DISPLAY_NAME,
    MEMBER_NAME,
    VOLUNTEER,
    VOLUNTEER_CHANNEL,
    VOLUNTEER_NAME,
    SlackBot,
    open_checkin,
    posted_to,
    press_in_message,
    text_of,
)

from bot.adapters.slack.app import make_client
from bot.adapters.slack.directory import SlackDirectory
from bot.core.desk_support import CLAIM, CONFIRM

SHOWN = "Tina O"
FULL = "Valentina Ortiz"


async def claim_as_volunteer(bot: SlackBot, identity: str = "anonymous") -> tuple[str, str]:
    """Open and confirm a check-in, let the volunteer claim it (the request carries the
    handle), and return what the member was told and what the claimed card says."""
    await bot.driver.slash_command("/upstander", "volunteer on", user_id=VOLUNTEER)
    summary = await open_checkin(bot, identity)
    await press_in_message(bot, MEMBER, summary, f"{CONFIRM}|")
    await bot.settle()
    [card] = posted_to(bot.slack, VOLUNTEER_CHANNEL)
    before = await press_in_message(bot, VOLUNTEER, card, f"{CLAIM}|", user_name=VOLUNTEER_NAME)
    await bot.settle()
    told = "\n".join(text_of(c.args["blocks"]) for c in posted_to(bot.slack, MEMBER, before))
    updated = [c for c in bot.slack.delivered("chat.update") if c.seq > before]
    return told, "\n".join(text_of(c.args["blocks"]) for c in updated)


@pytest.mark.parametrize(
    ("display_name", "real_name", "shown"),
    [(SHOWN, FULL, SHOWN), ("", FULL, FULL), ("", "", VOLUNTEER_NAME)],
)
async def test_the_member_meets_the_volunteer_by_the_name_slack_shows(
    bot: SlackBot, display_name: str, real_name: str, shown: str
) -> None:
    bot.slack.add_user(VOLUNTEER, VOLUNTEER_NAME, display_name=display_name, real_name=real_name)
    told, card = await claim_as_volunteer(bot)
    copy = bot.runtime.content.current
    assert copy.text("en", "checkin.volunteer_joined", name=shown) in told
    assert copy.text("en", "card.claimed_by", name=shown) in card
    if shown != VOLUNTEER_NAME:
        assert VOLUNTEER_NAME not in told + card


async def test_a_member_who_shares_their_name_is_shown_by_their_display_name(
    bot: SlackBot,
) -> None:
    await claim_as_volunteer(bot, identity="named")
    [details] = [
        c
        for c in posted_to(bot.slack, VOLUNTEER)
        if MEMBER_DISPLAY_NAME in text_of(c.args["blocks"])
    ]
    shared = bot.runtime.content.current.text("en", "details.shared_name", name=MEMBER_DISPLAY_NAME)
    assert shared in text_of(details.args["blocks"])
    # The request carried the handle the driver makes up; Slack's own handle neither.
    assert MEMBER.lower() not in str(details.args) and MEMBER_NAME not in str(details.args)


async def test_a_failed_name_lookup_shows_no_name_and_is_not_cached(bot: SlackBot) -> None:
    directory = SlackDirectory(make_client(bot.settings), bot.settings)
    assert await directory.display_name("U0NOBODY1") == ""
    bot.slack.add_user("U0NOBODY1", "nobody.handle", display_name="Now Somebody")
    assert await directory.display_name("U0NOBODY1") == "Now Somebody"
    assert await directory.display_name(MEMBER) == MEMBER_DISPLAY_NAME


async def test_a_slow_name_lookup_keeps_the_request_name_and_the_ack_in_time(
    bot: SlackBot,
) -> None:
    bot.slack.add_user(VOLUNTEER, VOLUNTEER_NAME, display_name=SHOWN)
    await bot.driver.slash_command("/upstander", "volunteer on", user_id=VOLUNTEER)
    summary = await open_checkin(bot)
    await press_in_message(bot, MEMBER, summary, f"{CONFIRM}|")
    await bot.settle()
    [card] = posted_to(bot.slack, VOLUNTEER_CHANNEL)
    directory = bot.runtime.directories["slack"]
    assert isinstance(directory, SlackDirectory)
    directory.forget()
    # Rate limited: slack_sdk would wait the Retry-After out; the middleware stops first.
    bot.slack.fail_next("users.info", 429, retry_after=30)
    before = await press_in_message(bot, VOLUNTEER, card, f"{CLAIM}|", user_name=VOLUNTEER_NAME)
    await bot.settle()
    told = "\n".join(text_of(c.args["blocks"]) for c in posted_to(bot.slack, MEMBER, before))
    joined = bot.runtime.content.current.text("en", "checkin.volunteer_joined", name=VOLUNTEER_NAME)
    assert joined in told
