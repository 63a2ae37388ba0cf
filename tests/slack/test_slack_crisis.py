"""Crisis lines come first and stay: in the modal, in the summary, after every press."""

from __future__ import annotations

from typing import Any

from slack_harness import (
    MEMBER,
    VOLUNTEER_CHANNEL,
    SlackBot,
    button_valued,
    buttons,
    last_seq,
    next_call,
    press_in_message,
    submit_checkin,
    text_of,
)
from slack_standin import RESPONSE_URL_METHOD, plain_text_value, radio_buttons_value

from bot.core.desk_support import CANCEL, CONFIRM

DANGER = "He said he is going to hurt me tonight"


async def test_crisis_lines_lead_the_modal_the_summary_and_the_receipt(bot: SlackBot) -> None:
    title = bot.runtime.content.current.text("en", "crisis.title")
    await bot.driver.slash_command("/upstander", "checkin", user_id=MEMBER)
    await bot.slack.wait_for("views.open")
    view = bot.slack.last_view(MEMBER)
    incomplete = {
        "text": {"value": plain_text_value(DANGER)},
        "category": {"value": radio_buttons_value("harassment")},
        "urgency": {"value": radio_buttons_value("today")},
        "identity": {"value": radio_buttons_value(None)},
    }
    ack = await bot.driver.submit_view(view, incomplete, user_id=MEMBER)
    answer = ack.json()
    # Not an error line under a field: the modal is redrawn with the crisis lines on top.
    assert answer["response_action"] == "update"
    assert title in answer["view"]["blocks"][0]["text"]["text"]
    text_input = next(b for b in answer["view"]["blocks"] if b.get("block_id") == "text")
    assert text_input["element"]["initial_value"] == DANGER

    complete = {**incomplete, "identity": {"value": radio_buttons_value("anonymous")}}
    before = last_seq(bot.slack)
    ack = await bot.driver.submit_view(view, complete, user_id=MEMBER)
    # The summary replaces the form in front of the member, the lines on top.
    answer = ack.json()
    assert answer["response_action"] == "update"
    shown = answer["view"]
    assert title in shown["blocks"][0]["text"]["text"]
    assert button_valued(shown["blocks"], f"{CONFIRM}|") and button_valued(shown["blocks"], CANCEL)
    # ...and a copy in their DM with the bot, where it stays.
    summary = await next_call(bot.slack, "chat.postMessage", before)
    assert title in summary.args["blocks"][0]["text"]["text"]

    before = await press_in_message(bot, MEMBER, summary, f"{CONFIRM}|")
    settled = await next_call(bot.slack, RESPONSE_URL_METHOD, before)
    assert settled.args["replace_original"] is True  # the summary, lines kept, buttons gone
    assert title in text_of(settled.args["blocks"][:1])
    assert buttons(settled.args["blocks"]) == []
    receipt = await next_call(bot.slack, RESPONSE_URL_METHOD, settled.seq)
    assert receipt.args["replace_original"] is False
    assert title in text_of(receipt.args["blocks"][:1])
    assert "Received and stored safely" in text_of(receipt.args["blocks"])


async def test_a_missing_choice_without_danger_is_an_inline_error(bot: SlackBot) -> None:
    await bot.driver.slash_command("/upstander", "checkin", user_id=MEMBER)
    await bot.slack.wait_for("views.open")
    view = bot.slack.last_view(MEMBER)
    values = {
        "text": {"value": plain_text_value("")},
        "category": {"value": radio_buttons_value("other")},
        "urgency": {"value": radio_buttons_value("whenever")},
        "identity": {"value": radio_buttons_value(None)},
    }
    answer = (await bot.driver.submit_view(view, values, user_id=MEMBER)).json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"identity"}
    assert await bot.runtime.store.checkins.active_checkin(f"slack:{MEMBER}") is None


async def in_modal(bot: SlackBot, shown: dict[str, Any], prefix: str) -> int:
    """Press, as the member, the button valued ``prefix…`` in the modal ``shown``."""
    element = button_valued(shown["blocks"], prefix)
    before = last_seq(bot.slack)
    ack = await bot.driver.click_button(
        str(element["action_id"]), str(element["value"]), user_id=MEMBER, view=shown
    )
    assert ack.status == 200, ack.body
    return before


async def test_send_in_the_modal_updates_it_and_copies_the_receipt_to_the_dm(
    bot: SlackBot,
) -> None:
    copy = bot.runtime.content.current
    title = copy.text("en", "crisis.title")
    shown, _ = await submit_checkin(bot, text=DANGER)
    assert title in text_of(shown["blocks"][:1])

    before = await in_modal(bot, shown, f"{CONFIRM}|")
    updated = await next_call(bot.slack, "views.update", before)
    assert updated.ok and updated.args["view_id"] == shown["id"]
    blocks = updated.args["view"]["blocks"]
    assert title in text_of(blocks[:1])
    assert copy.text("en", "crisis.stage_sent") in text_of(blocks[:1])
    assert "Received and stored safely" in text_of(blocks)
    # Send and Don't send are gone from the modal: they cannot be used twice there.
    assert all(not str(b.get("value", "")).startswith(CONFIRM) for b in buttons(blocks))
    copied = await next_call(bot.slack, "chat.postMessage", before)
    assert copied.args["channel"] == MEMBER and title in text_of(copied.args["blocks"][:1])


async def test_a_second_send_from_the_dm_copy_is_answered_harmlessly(bot: SlackBot) -> None:
    shown, summary = await submit_checkin(bot, text=DANGER)
    await in_modal(bot, shown, f"{CONFIRM}|")
    await bot.settle()
    before = await press_in_message(bot, MEMBER, summary, f"{CONFIRM}|")
    settled = await next_call(bot.slack, RESPONSE_URL_METHOD, before)
    assert settled.args["replace_original"] is True and buttons(settled.args["blocks"]) == []
    answer = await next_call(bot.slack, RESPONSE_URL_METHOD, settled.seq)
    assert "Already sent" in text_of(answer.args["blocks"])
    await bot.settle()
    cards = [
        c for c in bot.slack.calls("chat.postMessage") if c.args["channel"] == VOLUNTEER_CHANNEL
    ]
    assert len(cards) == 1


async def test_dont_send_settles_the_summary_and_says_nothing_was_sent(bot: SlackBot) -> None:
    copy = bot.runtime.content.current
    _, summary = await submit_checkin(bot, text=DANGER)
    before = await press_in_message(bot, MEMBER, summary, f"{CANCEL}|")
    settled = await next_call(bot.slack, RESPONSE_URL_METHOD, before)
    assert settled.args["replace_original"] is True and buttons(settled.args["blocks"]) == []
    assert "Not sent." in text_of(settled.args["blocks"])
    answer = await next_call(bot.slack, RESPONSE_URL_METHOD, settled.seq)
    for call in (settled, answer):
        lines = text_of(call.args["blocks"][:1])
        assert copy.text("en", "crisis.stage_not_sent") in lines
        assert copy.text("en", "crisis.stage_sent") not in lines


async def test_the_region_comes_from_the_members_slack_locale(bot: SlackBot) -> None:
    bot.slack.users[MEMBER].locale = "en-GB"
    shown, _ = await submit_checkin(bot, text=DANGER)
    lines = text_of(shown["blocks"][:1])
    assert lines.index("call 999 now") < lines.index("Samaritans")
    asked = bot.slack.calls("users.info")
    assert any(c.args.get("user") == MEMBER and c.args.get("include_locale") for c in asked)


async def test_without_a_locale_the_international_line_comes_first(bot: SlackBot) -> None:
    bot.slack.fail_next("users.info", 500, times=5)
    shown, _ = await submit_checkin(bot, text=DANGER)
    lines = text_of(shown["blocks"][:1])
    assert "call 911" not in lines
    assert lines.index("Find A Helpline") < lines.index("your local emergency number")
