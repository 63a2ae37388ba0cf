"""Smoke: the adapter answers a slash command and /health through the real stack."""

from __future__ import annotations

import aiohttp
from slack_harness import MEMBER, SECRET, SlackBot, slack_env
from slack_standin import SlackDriver, SlackStandIn

from bot.adapters.slack.run import attach_slack, start_http
from bot.adapters.slack.settings import EVENTS_PATH, SlackSettings
from bot.bootstrap import Runtime


async def test_help_is_answered_inline_and_ephemeral(bot: SlackBot) -> None:
    ack = await bot.driver.slash_command("/upstander", "help", user_id=MEMBER)
    assert ack.status == 200
    body = ack.json()
    assert body["response_type"] == "ephemeral"
    assert body["blocks"][0]["type"] == "section"


async def test_health_reports_database_and_content(bot: SlackBot) -> None:
    async with aiohttp.ClientSession() as session, session.get(bot.health_url) as resp:
        assert resp.status == 200
        data = await resp.json()
    assert data["database"]["status"] == "ok"
    assert data["content"]["version"] == bot.runtime.content.current.version


async def test_copy_names_commands_as_words_of_the_slash_command(bot: SlackBot) -> None:
    ack = await bot.driver.slash_command("/upstander", "help", user_id=MEMBER)
    shown = str(ack.json()["blocks"])
    assert "/upstander practice" in shown and "/upstander reload" in shown
    assert "• /practice" not in shown and "{cmd" not in shown
    # An unknown word: the hint names help as Slack spells it.
    ack = await bot.driver.slash_command("/upstander", "dance", user_id=MEMBER)
    assert "Try /upstander help." in str(ack.json()["blocks"])


async def test_copy_follows_a_workspace_s_own_slash_command(
    runtime: Runtime, slack: SlackStandIn
) -> None:
    settings = SlackSettings.from_env({**slack_env(slack), "SLACK_COMMAND": "/ally"})
    adapter = attach_slack(runtime.app, runtime, settings)
    server = await start_http(adapter, runtime, settings, host="127.0.0.1", port=0)
    try:
        async with SlackDriver(server.url + EVENTS_PATH, SECRET, standin=slack) as driver:
            ack = await driver.slash_command("/ally", "help", user_id=MEMBER)
            shown = str(ack.json()["blocks"])
            assert "/ally practice" in shown and "/upstander" not in shown
    finally:
        await server.close()
