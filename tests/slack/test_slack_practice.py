"""Practice and reading lists through the real slack-bolt app, by button presses."""

from __future__ import annotations

from slack_harness import (
    MEMBER,
    SlackBot,
    button_valued,
    buttons,
    last_seq,
    next_call,
    text_of,
)
from slack_standin import RESPONSE_URL_METHOD

from bot.core.library import PAGE, TOPIC, Query, search
from bot.core.practice import BEGIN, CHOOSE, INTRO, MENU

CHANNEL = "C0GENERAL"


async def _press(bot: SlackBot, element: dict[str, object]) -> list[dict[str, object]]:
    """Press a button in an ephemeral message; return the blocks the bot answered with."""
    before = last_seq(bot.slack)
    ack = await bot.driver.click_button(
        str(element["action_id"]),
        str(element["value"]),
        user_id=MEMBER,
        channel_id=CHANNEL,
        message={"ts": "1700000000.000001"},
        is_ephemeral=True,
    )
    assert ack.status == 200
    call = await next_call(bot.slack, RESPONSE_URL_METHOD, before)
    blocks = call.args["blocks"]
    assert isinstance(blocks, list)
    return blocks


async def test_a_full_practice_run_by_button_presses_reaches_the_recap(bot: SlackBot) -> None:
    ack = await bot.driver.slash_command("/upstander", "practice", user_id=MEMBER)
    menu = ack.json()
    assert menu["response_type"] == "ephemeral"
    intro_button = button_valued(menu["blocks"], f"{INTRO}|")
    assert len({b["action_id"] for b in buttons(menu["blocks"])}) == len(buttons(menu["blocks"]))

    blocks = await _press(bot, intro_button)
    blocks = await _press(bot, button_valued(blocks, f"{BEGIN}|"))
    steps = 0
    while any(str(b.get("value", "")).startswith(f"{CHOOSE}|") for b in buttons(blocks)):
        steps += 1
        assert steps < 20, "the scenario never ended"
        blocks = await _press(bot, button_valued(blocks, f"{CHOOSE}|"))
    recap = bot.runtime.content.current.text("en", "recap.title")
    assert recap in text_of(blocks)
    assert button_valued(blocks, f"{MENU}|")
    # Every step replaced the message it was pressed in (a run is one evolving message).
    answers = bot.slack.calls(RESPONSE_URL_METHOD)
    assert answers and all(c.args.get("replace_original") is True for c in answers[1:])
    # Sent as JSON, as Slack asks of response_url posts (the bodies are encoded by hand).
    assert all(c.content_type == "application/json" for c in answers)
    assert steps >= 1


async def test_resources_search_pages_forward_and_back(bot: SlackBot) -> None:
    copy = bot.runtime.content.current
    # The shipped reading list grows; the paging is what is under test.
    found = search(copy, Query(words="the"))
    assert found.pages >= 3
    ack = await bot.driver.slash_command("/upstander", "resources the", user_id=MEMBER)
    first = ack.json()["blocks"]
    expected = {"pages": found.pages, "total": found.total}
    assert copy.text("en", "library.page_of", page=1, **expected) in text_of(first)
    assert all(not str(b["value"]).startswith(f"{PAGE}|0:") for b in buttons(first))

    second = await _press(bot, button_valued(first, f"{PAGE}|1:"))
    assert copy.text("en", "library.page_of", page=2, **expected) in text_of(second)
    assert text_of(second) != text_of(first)
    back = await _press(bot, button_valued(second, f"{PAGE}|0:"))
    assert text_of(back) == text_of(first)
    # Paging edits the results message in place.
    assert all(c.args["replace_original"] is True for c in bot.slack.calls(RESPONSE_URL_METHOD))


async def test_resources_topics_lead_to_a_topic_list(bot: SlackBot) -> None:
    ack = await bot.driver.slash_command("/upstander", "resources", user_id=MEMBER)
    topics = ack.json()["blocks"]
    listed = await _press(bot, button_valued(topics, f"{TOPIC}|bystander-intervention"))
    topic = bot.runtime.content.current.topics["bystander-intervention"]
    assert topic.title in text_of(listed)
    assert "<http" in text_of(listed)  # resource URLs arrive as links


async def test_search_words_cannot_ping_anyone(bot: SlackBot) -> None:
    ack = await bot.driver.slash_command(
        "/upstander", "resources <!channel> <@U0VOLUNT1> @here", user_id=MEMBER
    )
    text = text_of(ack.json()["blocks"])
    assert "&lt;!channel&gt;" in text and "&lt;@U0VOLUNT1&gt;" in text
    assert "<!channel>" not in text and "<@U0VOLUNT1>" not in text
    assert all(b["text"]["verbatim"] is True for b in ack.json()["blocks"] if "text" in b)
