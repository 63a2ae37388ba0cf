"""The App Home tab: progress, a scenario picker, reading lists and a check-in button."""

from __future__ import annotations

from slack_harness import MEMBER, SlackBot, buttons, last_seq, next_call, text_of

from bot.adapters.slack.render import HOME_FORM_ACTION_ID, HOME_PICK_ACTION_ID
from bot.core.library import TOPIC
from bot.core.practice import BEGIN, INTRO, MENU_PAGE, MENU_PAGE_SIZE, RESUME


def _picker(blocks: list[dict[str, object]]) -> dict[str, object]:
    for block in blocks:
        accessory = block.get("accessory")
        if isinstance(accessory, dict) and accessory.get("action_id") == HOME_PICK_ACTION_ID:
            return accessory
    raise AssertionError("no scenario picker in the Home tab")


async def _home(bot: SlackBot) -> list[dict[str, object]]:
    before = last_seq(bot.slack)
    assert (await bot.driver.app_home_opened(MEMBER)).status == 200
    published = await next_call(bot.slack, "views.publish", before)
    assert published.ok and published.args["user_id"] == MEMBER
    view = published.args["view"]
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    return list(view["blocks"])


async def test_home_is_published_with_picker_topics_and_checkin(bot: SlackBot) -> None:
    blocks = await _home(bot)
    options = _picker(blocks)["options"]
    scenarios = bot.runtime.content.current.scenario_list("en")
    # The picker holds the menu's first page; the next page is a button away.
    first_page = [f"{INTRO}|{s.id}" for s in scenarios[:MENU_PAGE_SIZE]]
    assert isinstance(options, list) and [o["value"] for o in options] == first_page
    assert "initial_option" not in _picker(blocks)
    values = [str(b.get("value", "")) for b in buttons(blocks)]
    assert len(scenarios) > MENU_PAGE_SIZE and f"{MENU_PAGE}|1" in values
    assert any(v.startswith(f"{TOPIC}|") for v in values)
    assert not any(v.startswith(f"{RESUME}|") for v in values)
    ids = [b["action_id"] for b in buttons(blocks)]
    assert HOME_FORM_ACTION_ID in ids and len(ids) == len(set(ids))


async def test_picking_a_scenario_at_home_starts_it_in_the_dm_and_home_offers_resume(
    bot: SlackBot,
) -> None:
    blocks = await _home(bot)
    picker = _picker(blocks)
    options = picker["options"]
    assert isinstance(options, list)
    view = bot.slack.home_views[MEMBER]
    before = last_seq(bot.slack)
    action = {
        "action_id": HOME_PICK_ACTION_ID,
        "block_id": "home",
        "type": "static_select",
        "selected_option": options[0],
        "action_ts": "1700000000.000100",
    }
    payload = bot.driver.block_actions_payload([action], user_id=MEMBER, view=view)
    assert (await bot.driver.send_payload(payload)).status == 200
    intro = await next_call(bot.slack, "chat.postMessage", before)
    assert intro.args["channel"] == MEMBER

    begin = next(b for b in buttons(intro.args["blocks"]) if str(b["value"]).startswith(BEGIN))
    before = last_seq(bot.slack)
    await bot.driver.click_button(
        str(begin["action_id"]),
        str(begin["value"]),
        user_id=MEMBER,
        channel_id=str(intro.response["channel"]),
        message=intro.response["message"],
    )
    await next_call(bot.slack, "response_url", before)

    again = await _home(bot)
    resume = [b for b in buttons(again) if str(b.get("value", "")).startswith(f"{RESUME}|")]
    assert len(resume) == 1


async def test_the_home_checkin_button_opens_the_modal(bot: SlackBot) -> None:
    await _home(bot)
    view = bot.slack.home_views[MEMBER]
    before = last_seq(bot.slack)
    ack = await bot.driver.click_button(
        HOME_FORM_ACTION_ID, "checkin.form", user_id=MEMBER, view=view
    )
    assert ack.status == 200
    opened = await next_call(bot.slack, "views.open", before)
    assert opened.ok
    modal = opened.args["view"]
    assert modal["private_metadata"] == "checkin.form"
    assert bot.runtime.content.current.text("en", "checkin.form_intro") in text_of(modal["blocks"])
