"""Shared pieces of the Slack adapter's end-to-end tests (fixtures are in conftest.py).

The real slack-bolt app (built by ``bot.adapters.slack``) is served over HTTP on
127.0.0.1:0 by the adapter's own ``start_http``, signed requests come from the stand-in's
``SlackDriver``, and every Web API call goes to ``SlackStandIn``.  The core is the real one
(``bot.bootstrap.build``) with the in-memory store and a manual clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_standin import (
    Call,
    SlackDriver,
    SlackStandIn,
    drain_bolt_tasks,
    plain_text_value,
    radio_buttons_value,
)

from bot.adapters.slack.run import HttpServer, SlackAdapter
from bot.adapters.slack.settings import SlackSettings
from bot.bootstrap import Runtime

SECRET = "test-signing-secret-0123456789"
MEMBER = "U0MEMBER1"
MEMBER_NAME = "maya.member"
MEMBER_REAL_NAME = "Maya Quinn Member"
MEMBER_DISPLAY_NAME = "mayaq"
VOLUNTEER = "U0VOLUNT1"
VOLUNTEER_NAME = "val.volunteer"
MODERATOR = "U0MODER01"
VOLUNTEER_CHANNEL = "C0VOLUNTS"
VOLUNTEER_GROUP = "S0VOLUNTS"
LEAD_GROUP = "S0LEADS"
MODERATOR_GROUP = "S0MODS"


@dataclass
class SlackBot:
    runtime: Runtime
    slack: SlackStandIn
    driver: SlackDriver
    server: HttpServer
    settings: SlackSettings
    adapter: SlackAdapter

    @property
    def health_url(self) -> str:
        return f"{self.server.url}/health"

    async def settle_work(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait for the work listeners handed over after their acks; a task still
        running after ``timeout`` is a hang the test must see."""
        finished = await self.adapter.work.drain(timeout)
        assert finished, f"Slack work still running after {timeout}s (cancelled)"

    async def settle(self) -> None:
        """Let listeners finish after their acks, then deliver what the outbox holds."""
        await self.settle_work()
        await drain_bolt_tasks()
        await self.runtime.deliveries.drain()


def slack_env(slack: SlackStandIn) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_BASE": slack.api_url,
        "SLACK_VOLUNTEER_CHANNEL": VOLUNTEER_CHANNEL,
        "SLACK_VOLUNTEER_GROUP": VOLUNTEER_GROUP,
        "SLACK_LEAD_GROUP": LEAD_GROUP,
        "SLACK_MODERATOR_GROUP": MODERATOR_GROUP,
    }


def populate(slack: SlackStandIn) -> None:
    slack.add_user(
        MEMBER,
        MEMBER_NAME,
        real_name=MEMBER_REAL_NAME,
        display_name=MEMBER_DISPLAY_NAME,
    )
    slack.add_user(VOLUNTEER, VOLUNTEER_NAME, real_name="Val Volunteer", display_name="val")
    slack.add_user(MODERATOR, "mo.moderator", real_name="Mo Moderator", display_name="mo")
    slack.set_usergroup_members(VOLUNTEER_GROUP, [VOLUNTEER])
    slack.set_usergroup_members(LEAD_GROUP, [])
    slack.set_usergroup_members(MODERATOR_GROUP, [MODERATOR])
    slack.set_channel_members(VOLUNTEER_CHANNEL, [VOLUNTEER, slack.bot_user_id])


# -- reading what the bot sent ---------------------------------------------------------

JSON = dict[str, Any]


def buttons(blocks: list[JSON]) -> list[JSON]:
    """Every button element in ``blocks`` (actions blocks and section accessories)."""
    found: list[JSON] = []
    for block in blocks:
        if block.get("type") == "actions":
            found.extend(e for e in block["elements"] if e.get("type") == "button")
        accessory = block.get("accessory")
        if isinstance(accessory, dict) and accessory.get("type") == "button":
            found.append(accessory)
    return found


def button_valued(blocks: list[JSON], prefix: str) -> JSON:
    """The first button whose core action id (its value) starts with ``prefix``."""
    for element in buttons(blocks):
        if str(element.get("value", "")).startswith(prefix):
            return element
    raise AssertionError(f"no button for {prefix!r} in {[b.get('value') for b in buttons(blocks)]}")


def text_of(blocks: list[JSON]) -> str:
    parts: list[str] = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(str(text.get("text", "")))
    return "\n".join(parts)


async def next_call(
    slack: SlackStandIn, method: str, after: int = 0, predicate: Any = None
) -> Call:
    """The first ``method`` call recorded after sequence number ``after``."""
    return await slack.wait_for(
        lambda c: c.method == method and c.seq > after and (predicate is None or predicate(c))
    )


def last_seq(slack: SlackStandIn) -> int:
    calls = slack.calls()
    return calls[-1].seq if calls else 0


async def press_in_message(
    bot: SlackBot, user_id: str, posted: Call, prefix: str, *, user_name: str | None = None
) -> int:
    """Press, as ``user_id``, the button valued ``prefix…`` in a message the bot posted
    (a chat.postMessage call); returns the sequence number to look for answers after."""
    element = button_valued(posted.args["blocks"], prefix)
    before = last_seq(bot.slack)
    ack = await bot.driver.click_button(
        str(element["action_id"]),
        str(element["value"]),
        user_id=user_id,
        user_name=user_name,
        channel_id=str(posted.response["channel"]),
        message=posted.response["message"],
    )
    assert ack.status == 200, ack.body
    return before


def posted_to(slack: SlackStandIn, channel: str, after: int = 0) -> list[Call]:
    """Successful chat.postMessage calls to ``channel`` (a channel or a user id)."""
    return [
        c
        for c in slack.delivered("chat.postMessage")
        if c.seq > after and c.args.get("channel") == channel
    ]


# -- the check-in form -----------------------------------------------------------------

CHECKIN_TEXT = "Someone keeps posting <!channel> jokes about me and tagged <@U0MODER01> too"
MEMBER_SAYS = "Thank you. <!everyone> saw it, ask <@U0MODER01> & <#C0GENERAL>"
VOLUNTEER_SAYS = "I hear you. <!here> is not needed; take your time"


def form_values(identity: str, text: str = CHECKIN_TEXT) -> dict[str, dict[str, dict[str, object]]]:
    return {
        "text": {"value": plain_text_value(text)},
        "category": {"value": radio_buttons_value("harassment")},
        "urgency": {"value": radio_buttons_value("this-week")},
        "identity": {"value": radio_buttons_value(identity)},
    }


async def open_checkin(bot: SlackBot, identity: str = "anonymous") -> Call:
    """/upstander checkin → modal → submit; returns the summary posted in the member's DM."""
    _, summary = await submit_checkin(bot, identity)
    return summary


async def submit_checkin(
    bot: SlackBot, identity: str = "anonymous", text: str = CHECKIN_TEXT
) -> tuple[JSON, Call]:
    """/upstander checkin → modal → submit; returns the modal as it now shows the summary
    (with the id of the view it replaced) and the copy posted in the member's DM."""
    ack = await bot.driver.slash_command("/upstander", "checkin", user_id=MEMBER)
    assert ack.status == 200
    opened = await bot.slack.wait_for("views.open")
    assert opened.ok
    view = bot.slack.last_view(MEMBER)
    assert view["private_metadata"] == "checkin.form"
    identity_block = next(b for b in view["blocks"] if b.get("block_id") == "identity")
    assert "initial_option" not in identity_block["element"]  # no pre-selected default
    before = last_seq(bot.slack)
    submitted = await bot.driver.submit_view(view, form_values(identity, text), user_id=MEMBER)
    assert submitted.status == 200
    answer = submitted.json()
    # The modal itself shows the summary, in front of the member.
    assert answer["response_action"] == "update"
    shown = {**answer["view"], "id": view["id"]}
    assert "Please check before sending" in text_of(shown["blocks"])
    return shown, await next_call(bot.slack, "chat.postMessage", before)
