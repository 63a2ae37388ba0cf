"""`/upstander setup` through the real slack-bolt app: an admin's modal stores the
settings and shows them back; a member is refused, even submitting the modal by hand; a
channel the app is not in and a user group that does not exist are refused with the
reason; the Home tab shows admins the settings and a button to the modal."""

from __future__ import annotations

from typing import Any

from slack_harness import (
    LEAD_GROUP,
    MEMBER,
    MODERATOR,
    VOLUNTEER,
    VOLUNTEER_CHANNEL,
    SlackBot,
    last_seq,
    next_call,
    text_of,
)
from slack_standin.driver import (
    conversations_select_value,
    number_input_value,
    static_select_value,
)

from bot.adapters.slack.app import make_client
from bot.adapters.slack.directory import SlackDirectory
from bot.adapters.slack.setup import CALLBACK_ID, OPEN_ACTION_ID
from bot.core.actors import Actor, Role

ADMIN = "U0ADMIN01"
CARDS = "C0CARDS"


def _admin(bot: SlackBot) -> None:
    bot.slack.add_user(ADMIN, "ada.admin", real_name="Ada Admin", is_admin=True)


def _values(channel: str, **changes: Any) -> dict[str, dict[str, Any]]:
    values = {
        "volunteers_channel": conversations_select_value(channel),
        "volunteer_role": static_select_value(changes.get("volunteer", "-")),
        "lead_role": static_select_value(changes.get("lead", "-")),
        "moderator_role": static_select_value("-"),
        "crisis_region": static_select_value(changes.get("region", "-")),
        "language": static_select_value("-"),
        "escalation_minutes": number_input_value(changes.get("escalation", "10")),
        "cooldown_minutes": number_input_value("5"),
    }
    return {block: {"value": value} for block, value in values.items()}


async def _submit(bot: SlackBot, user: str, values: dict[str, Any]) -> str:
    view = {"callback_id": CALLBACK_ID, "title": {"type": "plain_text", "text": "Settings"}}
    ack = await bot.driver.submit_view(view, values, user_id=user)
    assert ack.status == 200
    body = ack.json()
    assert body["response_action"] == "update"
    return text_of(body["view"]["blocks"])


async def test_an_admin_opens_the_modal_and_stores_the_settings(bot: SlackBot) -> None:
    _admin(bot)
    before = last_seq(bot.slack)
    ack = await bot.driver.slash_command("/upstander", "setup", user_id=ADMIN)
    assert ack.status == 200
    opened = await next_call(bot.slack, "views.open", before)
    modal = opened.args["view"]
    assert modal["callback_id"] == CALLBACK_ID
    blocks = {b["block_id"]: b["element"] for b in modal["blocks"]}
    # Filled with the environment's settings, the user groups offered by name.
    assert blocks["volunteers_channel"]["initial_conversation"] == VOLUNTEER_CHANNEL
    assert blocks["lead_role"]["initial_option"]["value"] == LEAD_GROUP
    assert any(o["value"] == LEAD_GROUP for o in blocks["volunteer_role"]["options"])

    bot.slack.set_channel_members(CARDS, [VOLUNTEER, bot.slack.bot_user_id])
    shown = await _submit(bot, ADMIN, _values(CARDS, lead=LEAD_GROUP, escalation="20", region="GB"))
    assert "Saved" in shown and f"#{CARDS}" in shown and "20" in shown
    stored = await bot.runtime.store.settings.get("slack")
    assert stored is not None and stored.volunteers_channel == CARDS
    assert stored.escalation_minutes == 20 and stored.lead_role == LEAD_GROUP
    assert stored.crisis_region == "GB" and stored.volunteer_role == ""

    # The text form works too, and shows the settings back.
    said = await bot.driver.slash_command("/upstander", "setup cooldown=7", user_id=ADMIN)
    assert "Saved" in text_of(said.json()["blocks"])
    stored = await bot.runtime.store.settings.get("slack")
    assert stored is not None and stored.cooldown_minutes == 7


async def test_a_member_is_refused_even_submitting_the_modal_by_hand(bot: SlackBot) -> None:
    before = last_seq(bot.slack)
    url = bot.driver.response_url("C0GENERAL", MEMBER)
    answered = bot.slack.expect_response(url)
    await bot.driver.slash_command("/upstander", "setup", user_id=MEMBER, response_url=url)
    refusal = await answered
    assert "Only this community's admins" in text_of(refusal.args["blocks"])
    assert not [c for c in bot.slack.calls("views.open") if c.seq > before]

    bot.slack.set_channel_members(CARDS, [bot.slack.bot_user_id])
    forged = await _submit(bot, MEMBER, _values(CARDS))
    assert "Only this community's admins" in forged
    # A moderator sees the settings, but may not change them.
    said = await bot.driver.slash_command("/upstander", "setup", user_id=MODERATOR)
    assert said.status == 200
    assert "Only this community's admins" in await _submit(bot, MODERATOR, _values(CARDS))
    assert await bot.runtime.store.settings.get("slack") is None


async def test_a_channel_without_the_app_and_a_missing_group_are_refused(bot: SlackBot) -> None:
    _admin(bot)
    bot.slack.set_channel_members(CARDS, [VOLUNTEER])  # the app was never invited
    shown = await _submit(bot, ADMIN, _values(CARDS, volunteer="S0GONE"))
    assert "Nothing was changed" in shown
    assert "I cannot post in that channel" in shown and "invite the app" in shown
    assert "The volunteer role: there is no such role or user group" in shown
    assert "C0NOWHERE" not in shown
    missing = await _submit(bot, ADMIN, _values("C0NOWHERE"))
    assert "there is no such channel" in missing
    assert await bot.runtime.store.settings.get("slack") is None


async def test_home_shows_admins_the_settings_and_the_button(bot: SlackBot) -> None:
    _admin(bot)
    for user in (ADMIN, MEMBER):
        assert (await bot.driver.app_home_opened(user)).status == 200
    await bot.settle_work()
    admin_home = bot.slack.home_views[ADMIN]["blocks"]
    assert "Settings of this community" in text_of(admin_home)
    assert f"#{VOLUNTEER_CHANNEL}" in text_of(admin_home)
    member_home = bot.slack.home_views[MEMBER]["blocks"]
    assert "Settings of this community" not in text_of(member_home)

    before = last_seq(bot.slack)
    ack = await bot.driver.click_button(
        OPEN_ACTION_ID, "setup", user_id=ADMIN, view=bot.slack.home_views[ADMIN]
    )
    assert ack.status == 200
    opened = await next_call(bot.slack, "views.open", before)
    assert opened.args["view"]["callback_id"] == CALLBACK_ID


async def test_the_installer_is_an_admin_of_their_workspace(bot: SlackBot) -> None:
    async def installer(community: str) -> str | None:
        return MEMBER if community == "slack" else None

    client = make_client(bot.settings)
    directory = SlackDirectory(client, bot.settings, installer=installer)
    assert Role.ADMIN in await directory.roles(Actor("slack", MEMBER))
    assert Role.ADMIN not in await directory.roles(Actor("slack", MEMBER, community="slack:T2"))
    assert Role.ADMIN not in await directory.roles(Actor("slack", VOLUNTEER))
