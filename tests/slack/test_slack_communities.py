"""One bot token: its workspace is the community "slack", as before communities existed;
a person from another workspace (a Slack Connect channel, an org's other team) is of
that workspace's community, so nothing they store is linked to the home one's."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_harness import (
    MEMBER,
    SECRET,
    VOLUNTEER_CHANNEL,
    SlackBot,
    open_checkin,
    press_in_message,
    slack_env,
)
from slack_standin import SlackDriver, SlackStandIn, drain_bolt_tasks

from bot.adapters.slack.app import make_client
from bot.adapters.slack.communities import default_workspace
from bot.adapters.slack.run import attach_slack, start_http
from bot.adapters.slack.settings import EVENTS_PATH, SlackSettings
from bot.adapters.slack.work import Work
from bot.bootstrap import Runtime
from bot.core.desk_support import CONFIRM
from bot.core.settings import CommunitySettings


@pytest.fixture
def purged() -> list[str]:
    """The communities the app's removal purged (where the lead wires the purge)."""
    return []


@pytest.fixture
async def home_bot(
    runtime: Runtime, slack: SlackStandIn, purged: list[str]
) -> AsyncIterator[SlackBot]:
    settings = SlackSettings.from_env(slack_env(slack))
    work = Work()
    client = make_client(settings, session=work.session)
    team = await default_workspace(client)
    assert team == slack.team_id, "auth.test names the token's workspace"

    # The app as serve_slack builds it: the token's workspace known from the start.
    async def purge(community: str) -> None:
        purged.append(community)

    adapter = attach_slack(
        runtime.app, runtime, settings, client, work=work, default_team=team, purge=purge
    )
    server = await start_http(adapter, runtime, settings, host="127.0.0.1", port=0)
    try:
        async with SlackDriver(server.url + EVENTS_PATH, SECRET, standin=slack) as driver:
            yield SlackBot(runtime, slack, driver, server, settings, adapter)
            await adapter.work.drain(5.0)
            await drain_bolt_tasks()
    finally:
        await server.close()


async def test_the_token_s_workspace_keeps_its_keys_another_is_its_own_community(
    home_bot: SlackBot,
) -> None:
    checkins = home_bot.runtime.store.checkins
    summary = await open_checkin(home_bot)
    await press_in_message(home_bot, MEMBER, summary, f"{CONFIRM}|")
    await home_bot.settle()
    assert len(await checkins.member_checkins(f"slack:{MEMBER}")) == 1

    own = CommunitySettings(volunteers_channel=VOLUNTEER_CHANNEL)  # the guest's admin's
    clock = home_bot.runtime.clock
    await home_bot.runtime.app.services.setup.book.save("slack:T0GUEST", own, "Admin", clock.now())
    guest_driver = SlackDriver(
        home_bot.server.url + EVENTS_PATH, SECRET, standin=home_bot.slack, team_id="T0GUEST"
    )
    async with guest_driver:
        guest = SlackBot(
            home_bot.runtime,
            home_bot.slack,
            guest_driver,
            home_bot.server,
            home_bot.settings,
            home_bot.adapter,
        )
        summary = await open_checkin(guest)
        await press_in_message(guest, MEMBER, summary, f"{CONFIRM}|")
        await guest.settle()
    assert len(await checkins.member_checkins(f"slack:T0GUEST:{MEMBER}")) == 1
    assert len(await checkins.member_checkins(f"slack:{MEMBER}")) == 1


async def test_a_token_slack_refuses_leaves_one_community(slack: SlackStandIn) -> None:
    settings = SlackSettings.from_env({**slack_env(slack), "SLACK_BOT_TOKEN": "xoxb-revoked"})
    work = Work()
    try:
        assert await default_workspace(make_client(settings, session=work.session)) is None
    finally:
        await work.close()


async def test_uninstalling_the_one_token_s_app_purges_the_community_slack(
    home_bot: SlackBot, purged: list[str]
) -> None:
    assert (await home_bot.driver.send_event({"type": "app_uninstalled"})).status == 200
    await home_bot.settle()
    assert purged == ["slack"]
