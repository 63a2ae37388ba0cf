"""Crisis lines come first and stay: in the modal, in the summary, after every press."""

from __future__ import annotations

from slack_harness import MEMBER, SlackBot, last_seq, next_call, press_in_message, text_of
from slack_standin import RESPONSE_URL_METHOD, plain_text_value, radio_buttons_value

from bot.core.desk_support import CONFIRM

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
    assert ack.status == 200 and not ack.body
    summary = await next_call(bot.slack, "chat.postMessage", before)
    assert title in summary.args["blocks"][0]["text"]["text"]

    before = await press_in_message(bot, MEMBER, summary, f"{CONFIRM}|")
    receipt = await next_call(bot.slack, RESPONSE_URL_METHOD, before)
    assert receipt.args["replace_original"] is False  # the summary with the lines stays
    assert title in text_of(receipt.args["blocks"][:1])


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
