"""Escalation mentions, slow answers, the directory's cache and the runner's lifecycle."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import cast

import pytest
from slack_harness import (
    LEAD_GROUP,
    MEMBER,
    MODERATOR,
    VOLUNTEER_CHANNEL,
    SlackBot,
    open_checkin,
    posted_to,
    press_in_message,
    text_of,
)
from slack_standin import RESPONSE_URL_METHOD, SlackStandIn
from socket_standin import SocketModeStandIn

from bot.adapters.slack import answer
from bot.adapters.slack.app import bolt_logger
from bot.adapters.slack.run import serve_slack
from bot.adapters.slack.settings import SlackSettings
from bot.bootstrap import build
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.desk_support import CONFIRM
from bot.logs import BOLT_LOGGER
from bot.storage.memory import MemoryStore


async def test_an_unclaimed_checkin_is_reposted_mentioning_the_lead_group(bot: SlackBot) -> None:
    summary = await open_checkin(bot)
    await press_in_message(bot, MEMBER, summary, f"{CONFIRM}|")
    await bot.settle()
    cast(ManualClock, bot.runtime.clock).advance(minutes=11)
    assert await bot.runtime.escalation.tick() == 1
    await bot.runtime.deliveries.drain()
    cards = posted_to(bot.slack, VOLUNTEER_CHANNEL)
    assert len(cards) == 2
    mention = f"<!subteam^{LEAD_GROUP}>"
    assert cards[1].args["text"].startswith(mention)
    assert cards[1].args["blocks"][0]["text"]["text"] == mention
    assert mention not in str(cards[0].args)


async def test_a_slow_answer_is_acknowledged_at_once_and_sent_by_response_url(
    bot: SlackBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answer, "ACK_BUDGET_SECONDS", 0.0)
    # /stats asks Slack who the moderators are first: not ready within a zero budget.
    ack = await bot.driver.slash_command("/upstander", "stats", user_id=MODERATOR)
    assert ack.status == 200 and not ack.body
    late = await bot.slack.wait_for(RESPONSE_URL_METHOD)
    assert late.args["response_type"] == "ephemeral"
    assert bot.runtime.content.current.text("en", "stats.practice") in text_of(late.args["blocks"])


async def test_roles_are_looked_up_once_then_cached(bot: SlackBot) -> None:
    for _ in range(3):
        await bot.driver.slash_command("/upstander", "stats", user_id=MODERATOR)
    lookups = bot.slack.calls("usergroups.users.list")
    assert len(lookups) == len({c.args["usergroup"] for c in lookups})


async def test_a_failed_lookup_grants_nothing(bot: SlackBot) -> None:
    bot.slack.fail_next("usergroups.users.list", 200, error="no_such_subteam", times=3)
    refused = await bot.driver.slash_command("/upstander", "stats", user_id=MODERATOR)
    copy = bot.runtime.content.current
    assert text_of(refused.json()["blocks"]) == copy.text("en", "error.moderators_only")
    allowed = await bot.driver.slash_command("/upstander", "stats", user_id=MODERATOR)
    assert copy.text("en", "stats.practice") in text_of(allowed.json()["blocks"])


async def test_serve_slack_registers_the_platform_and_stops_cleanly(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    env = {
        "UPSTANDER_DATA_DIR": str(tmp_path),
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_BASE": slack.api_url,
        "PORT": "0",
    }
    runtime = await build(Settings.from_env(env), store=MemoryStore(), clock=ManualClock())
    stop = asyncio.Event()
    stop.set()  # already asked to stop: it starts, serves, and closes at once
    await asyncio.wait_for(
        serve_slack(runtime.app, runtime, SlackSettings.from_env(env), stop), timeout=5
    )
    assert "slack" in runtime.messengers and "slack" in runtime.directories
    await runtime.aclose()


async def test_socket_mode_answers_a_command_over_the_websocket(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    app_token = "xapp-1-standin"
    env = {
        "UPSTANDER_DATA_DIR": str(tmp_path),
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_APP_TOKEN": app_token,
        "SLACK_API_BASE": slack.api_url,
        "PORT": "0",
    }
    runtime = await build(Settings.from_env(env), store=MemoryStore(), clock=ManualClock())
    stop = asyncio.Event()
    async with SocketModeStandIn(slack, app_token) as socket:
        serving = asyncio.create_task(
            serve_slack(runtime.app, runtime, SlackSettings.from_env(env), stop)
        )
        command = {
            "command": "/upstander",
            "text": "help",
            "user_id": MEMBER,
            "user_name": "maya",
            "channel_id": "C0GENERAL",
            "team_id": slack.team_id,
            "api_app_id": slack.app_id,
            "response_url": slack.issue_response_url("C0GENERAL", MEMBER),
            "trigger_id": slack.issue_trigger_id(MEMBER),
        }
        ack = await socket.send("slash_commands", command)
        stop.set()
        await asyncio.wait_for(serving, timeout=5)
    help_title = runtime.content.current.text("en", "help.title")
    assert help_title in text_of(ack["payload"]["blocks"])
    assert ack["payload"]["response_type"] == "ephemeral"
    await runtime.aclose()


async def test_bolt_builds_no_debug_lines_unless_its_logger_asks_for_them(bot: SlackBot) -> None:
    # bolt compares its logger's own level (not the effective one) with DEBUG before
    # building a debug line for each middleware and listener of each request.
    logger = bot.adapter.app.logger
    assert logger.name == BOLT_LOGGER
    assert logger.level == logging.WARNING
    logger.setLevel(logging.DEBUG)  # an operator's choice is kept
    try:
        assert bolt_logger().level == logging.DEBUG
    finally:
        logger.setLevel(logging.NOTSET)
    assert bolt_logger().level == max(logging.WARNING, logging.getLogger().getEffectiveLevel())
