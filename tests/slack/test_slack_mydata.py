"""/upstander mydata delete through the real slack-bolt app: the question can be declined,
and /upstander resources with a kind that does not exist names the kinds."""

from __future__ import annotations

from slack_harness import MEMBER, SlackBot, button_valued, last_seq, next_call, text_of
from slack_standin import RESPONSE_URL_METHOD

from bot.core.mydata import DELETE_CANCEL


async def test_mydata_delete_can_be_cancelled(bot: SlackBot) -> None:
    ack = await bot.driver.slash_command("/upstander", "mydata delete", user_id=MEMBER)
    cancel = button_valued(ack.json()["blocks"], f"{DELETE_CANCEL}|")
    before = last_seq(bot.slack)
    pressed = await bot.driver.click_button(
        str(cancel["action_id"]),
        str(cancel["value"]),
        user_id=MEMBER,
        channel_id="C0GENERAL",
        message={"ts": "1700000000.000001"},
        is_ephemeral=True,
    )
    assert pressed.status == 200
    answer = await next_call(bot.slack, RESPONSE_URL_METHOD, before)
    assert "Nothing was erased" in text_of(answer.args["blocks"])


async def test_an_unknown_kind_names_the_kinds(bot: SlackBot) -> None:
    ack = await bot.driver.slash_command("/upstander", "resources kind:nonsense", user_id=MEMBER)
    assert "The kinds are:" in text_of(ack.json()["blocks"])
