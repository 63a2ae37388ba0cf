"""Shared pieces of the Slack adapter's end-to-end tests (fixtures are in conftest.py).

The real slack-bolt app (built by ``bot.adapters.slack``) is served over HTTP on
127.0.0.1:0 by the adapter's own ``start_http``, signed requests come from the stand-in's
``SlackDriver``, and every Web API call goes to ``SlackStandIn``.  The core is the real one
(``bot.bootstrap.build``) with the in-memory store and a manual clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.adapters.slack.run import HttpServer
from bot.adapters.slack.settings import SlackSettings
from bot.bootstrap import Runtime

from slack_standin import SlackDriver, SlackStandIn, drain_bolt_tasks

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

    @property
    def health_url(self) -> str:
        return f"{self.server.url}/health"

    async def settle(self) -> None:
        """Let listeners finish after their acks, then deliver what the outbox holds."""
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
