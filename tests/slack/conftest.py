"""Fixtures for the Slack adapter's end-to-end tests (see slack_harness.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from slack_harness import SECRET, SlackBot, populate, slack_env
from slack_standin import ManualClock as StandInClock
from slack_standin import SlackDriver, SlackStandIn, drain_bolt_tasks

from bot.adapters.slack.run import attach_slack, start_http
from bot.adapters.slack.settings import EVENTS_PATH, SlackSettings
from bot.bootstrap import Runtime, build
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.storage.memory import MemoryStore


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    built = await build(
        Settings.from_env({"UPSTANDER_DATA_DIR": str(tmp_path)}),
        store=MemoryStore(),
        clock=ManualClock(),
    )
    yield built
    await built.store.close_store()


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn(clock=StandInClock()) as standin:
        populate(standin)
        yield standin


@pytest.fixture
async def bot(runtime: Runtime, slack: SlackStandIn) -> AsyncIterator[SlackBot]:
    settings = SlackSettings.from_env(slack_env(slack))
    adapter = attach_slack(runtime.app, runtime, settings)
    server = await start_http(adapter, runtime, settings, host="127.0.0.1", port=0)
    try:
        async with SlackDriver(server.url + EVENTS_PATH, SECRET, standin=slack) as driver:
            bot = SlackBot(runtime, slack, driver, server, settings, adapter)
            yield bot
            await bot.settle_work()
            await drain_bolt_tasks()
    finally:
        await server.close()  # closes the adapter (its work and session) too
