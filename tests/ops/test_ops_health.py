"""GET /health (bot/health.py): the database answers, the content serving, a failed reload.

In-process on the SQLite store and the real content loader, over real HTTP; and a
Discord-only ``python -m bot run`` that must bind PORT for its health check.
"""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography.fernet import Fernet
from discord_standin import DiscordStandin
from ops_support import BotProcess, free_port

from bot.bootstrap import Runtime, build
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.models import OutboxItem
from bot.health import HealthServer, serve_health
from bot.storage.memory import MemoryStore
from bot.storage.practice import SqlPractice


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    built = await build(settings)
    assert isinstance(built.store.practice, SqlPractice)
    yield built
    await built.aclose()


@pytest.fixture
async def server(runtime: Runtime) -> AsyncIterator[HealthServer]:
    served = await serve_health(runtime, host="127.0.0.1", port=0)
    yield served
    await served.close()


async def _get(server: HealthServer) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.get(server.url) as resp:
        return resp.status, await resp.json()


async def test_healthy_reports_the_outbox_and_the_content_version(
    runtime: Runtime, server: HealthServer
) -> None:
    status, body = await _get(server)
    assert status == 200
    assert body == {
        "status": "ok",
        "database": {"status": "ok", "outbox_pending": 0, "outbox_oldest_seconds": 0.0},
        "content": {"status": "ok", "version": runtime.content.current.version},
    }


async def test_reports_the_age_of_the_oldest_undelivered_item(settings: Settings) -> None:
    clock = ManualClock()
    runtime = await build(settings, store=MemoryStore(), clock=clock)
    try:
        older = clock.now()
        await runtime.store.outbox.enqueue(
            [_item("a", older), _item("b", older + timedelta(seconds=30))]
        )
        clock.advance(seconds=90)
        status, body = await runtime.health()
    finally:
        await runtime.aclose()
    assert status == 200
    assert body["database"] == {"status": "ok", "outbox_pending": 2, "outbox_oldest_seconds": 90.0}


def _item(item_id: str, at: datetime) -> OutboxItem:
    return OutboxItem(item_id, "c1", "card", 1, "{}", 0, at, at)


async def test_a_store_that_does_not_answer_is_an_error(settings: Settings) -> None:
    runtime = await build(settings)
    await runtime.store.close_store()
    server = await serve_health(runtime, host="127.0.0.1", port=0, database_seconds=0.5)
    try:
        status, body = await _get(server)
    finally:
        await server.close()
        await runtime.aclose()  # and its data directory's lock
    assert status == 503
    assert body["status"] == "error"
    assert body["database"] == {"status": "error"}
    assert body["content"]["version"] == runtime.content.current.version


async def test_a_failed_reload_is_degraded_but_serving(
    runtime: Runtime, server: HealthServer, content_dir: Path
) -> None:
    serving = runtime.content.current.version
    scenario = content_dir / "scenarios" / "lift-remark.yaml"
    good = scenario.read_text(encoding="utf-8")
    scenario.write_text(good.replace("start: doors-close", "start: nowhere"), encoding="utf-8")
    assert not (await runtime.content.reload()).ok

    status, body = await _get(server)
    # Still serving the old content: a restart would not fix a YAML error (the bot
    # refuses to start on one), so the host is not told to restart it.
    assert status == 200
    assert body["status"] == "degraded"
    assert body["content"]["status"] == "degraded"
    assert body["content"]["last_reload"] == "failed"
    assert body["content"]["version"] == serving
    assert body["content"]["errors"] >= 1
    assert body["database"]["status"] == "ok"

    scenario.write_text(good.replace("Walk on", "Walk away"), encoding="utf-8")
    assert (await runtime.content.reload()).ok
    status, body = await _get(server)
    assert status == 200 and body["status"] == "ok"
    assert body["content"]["last_reload"] == "ok"
    assert body["content"]["version"] != serving


@pytest.mark.slow
async def test_a_discord_only_process_serves_health_on_port(
    tmp_path: Path, content_dir: Path
) -> None:
    async with DiscordStandin() as standin:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
        env.update(
            {
                "UPSTANDER_DATA_DIR": str(tmp_path / "data"),
                "UPSTANDER_SECRET_KEY": Fernet.generate_key().decode(),
                "UPSTANDER_CONTENT_DIR": str(content_dir),
                "UPSTANDER_RESOURCES": str(tmp_path / "resources.yaml"),
                "DISCORD_TOKEN": standin.token,
                "DISCORD_APPLICATION_ID": str(standin.application_id),
                "DISCORD_GUILD_ID": str(standin.guild.id),
                "DISCORD_VOLUNTEER_CHANNEL_ID": str(standin.volunteers_channel.id),
                "DISCORD_API_BASE": standin.api_base,
                "DISCORD_GATEWAY_URL": standin.gateway_url,
                "PORT": str(free_port()),
            }
        )
        bot = BotProcess(env, tmp_path / "bot.log")
        try:
            await bot.start()  # waits for GET /health → 200
            async with (
                aiohttp.ClientSession() as session,
                session.get(bot.url + "/health") as resp,
            ):
                body = await resp.json()
            assert body["status"] == "ok" and body["database"]["status"] == "ok"
            assert body["content"]["version"]
            bot.signal(signal.SIGTERM)
            assert await bot.wait() == 0, bot.log
        finally:
            await bot.ensure_dead()
    messages = [line["msg"] for line in bot.log_lines()]
    assert any("health check listening" in m for m in messages)
    assert any("shutting down" in m for m in messages)
    assert any("database closed" in m for m in messages)
    assert standin.token not in bot.log
