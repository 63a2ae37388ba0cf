"""Smoke: the adapter answers a slash command and /health through the real stack."""

from __future__ import annotations

import aiohttp
from slack_harness import MEMBER, SlackBot


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
