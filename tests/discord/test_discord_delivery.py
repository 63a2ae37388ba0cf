"""Slow answers are deferred in time; failed sends are retried; leads are pinged alone;
``python -m bot discord sync`` registers the commands."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from bot.adapters.discord.cli import discord_command
from bot.bootstrap import build
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.models import CheckinFigures, PracticeRun
from bot.storage.memory import MemoryCheckins, MemoryPractice, MemoryState, MemoryStore
from tests.discord.driver import DiscordBot, button, open_checkin, start_bot, text
from tests.discord_standin import (
    CB_DEFERRED_CHANNEL_MESSAGE,
    CB_DEFERRED_UPDATE_MESSAGE,
    DiscordStandin,
)


class GatedStore(MemoryPractice):
    """A store whose stats and practice saves wait for the test: a slow database."""

    def __init__(self, state: MemoryState) -> None:
        super().__init__(state)
        self.gate = asyncio.Event()
        self.gate.set()

    async def save_run(self, run: PracticeRun) -> None:
        await self.gate.wait()
        await super().save_run(run)


class GatedFigures(MemoryCheckins):
    def __init__(self, state: MemoryState, gate: asyncio.Event) -> None:
        super().__init__(state)
        self.gate = gate

    async def checkin_figures(self, community: str) -> list[CheckinFigures]:
        await self.gate.wait()
        return await super().checkin_figures(community)


@pytest.fixture
async def slow_bot(
    standin: DiscordStandin, discord_settings: Settings
) -> AsyncIterator[tuple[DiscordBot, GatedStore]]:
    state = MemoryState()
    store = GatedStore(state)
    stores = MemoryStore(state, practice=store, checkins=GatedFigures(state, store.gate))
    runtime = await build(discord_settings, store=stores, clock=ManualClock())
    bot = await start_bot(standin, runtime, ack_after=0.05)
    try:
        yield bot, store
    finally:
        await bot.close()
        await runtime.aclose()


async def test_slow_command_is_deferred_then_answered(
    standin: DiscordStandin, slow_bot: tuple[DiscordBot, GatedStore]
) -> None:
    _, store = slow_bot
    store.gate.clear()
    it = await standin.send_slash_command(standin.moderator, "upstander", subcommand="stats")
    deferred = await it.wait_callback()
    assert deferred.ok and deferred.json["type"] == CB_DEFERRED_CHANNEL_MESSAGE
    assert deferred.json["data"]["flags"] & 64  # ephemeral "thinking"
    store.gate.set()
    await it.wait_followup()
    answer = it.response_message()
    assert answer is not None and answer.ephemeral and answer.embeds
    assert "Only moderators" not in text(answer)
    assert standin.errors() == []


async def test_slow_button_is_deferred_then_edits_its_message(
    standin: DiscordStandin, slow_bot: tuple[DiscordBot, GatedStore]
) -> None:
    bot, store = slow_bot
    intro = await bot.command(standin.member, "practice", {"scenario": "lift-remark"})
    store.gate.clear()
    press = await standin.send_button(standin.member, button(intro, "Begin"), message=intro)
    deferred = await press.wait_callback()
    assert deferred.ok and deferred.json["type"] == CB_DEFERRED_UPDATE_MESSAGE
    store.gate.set()
    await press.wait_followup()
    assert "The doors close" in text(standin.messages[intro.id])
    assert standin.errors() == []


async def test_a_refused_send_is_retried_and_lands_once(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    await open_checkin(bot)
    fault = standin.fail_next("POST", "/channels/*/messages", status=403)
    await bot.drain()
    assert len(fault.hits) == 1
    assert standin.sent_messages(standin.volunteers_channel.id) == []
    assert await bot.runtime.store.outbox.pending_outbox_count() == 1, "kept for a retry"
    clock = bot.runtime.clock
    assert isinstance(clock, ManualClock)
    clock.advance(minutes=5)
    await bot.drain()
    (card,) = standin.sent_messages(standin.volunteers_channel.id)
    assert "Claim" in text(card)
    assert await bot.runtime.store.outbox.pending_outbox_count() == 0


async def test_escalation_pings_the_lead_role_and_nothing_else(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    await open_checkin(bot)
    await bot.drain()
    clock = bot.runtime.clock
    assert isinstance(clock, ManualClock)
    clock.advance(minutes=11)
    assert await bot.runtime.escalation.tick() == 1
    await bot.drain()
    cards = standin.sent_messages(standin.volunteers_channel.id)
    assert len(cards) == 2
    escalated = cards[-1]
    lead = standin.lead_role.id
    assert escalated.content.startswith(f"<@&{lead}>")
    assert escalated.payload.get("allowed_mentions") == {"parse": [], "roles": [lead]}
    assert standin.pings() == [(escalated.id, "role", lead)]


async def test_sync_command_registers_commands(
    standin: DiscordStandin, discord_settings: Settings
) -> None:
    args = argparse.Namespace(command="discord", discord_command="sync", guild=None)
    env = {k: v for k, v in discord_settings.env.items() if k != "DISCORD_GUILD_ID"}
    settings = Settings.from_env(env)
    assert await asyncio.to_thread(discord_command, args, settings) == 0
    names = sorted(c["name"] for c in standin.global_commands.values())
    assert names == ["checkin", "help", "mydata", "practice", "resources", "upstander", "volunteer"]
    assert not standin.gateway_connects, "REST only"

    guild = argparse.Namespace(command="discord", discord_command="sync", guild=standin.guild.id)
    assert await asyncio.to_thread(discord_command, guild, settings) == 0
    assert len(standin.guild_commands[standin.guild.id]) == len(names)

    bad = Settings.from_env({**env, "DISCORD_TOKEN": "wrong"})
    assert await asyncio.to_thread(discord_command, args, bad) == 1


async def test_a_channel_discord_does_not_know_is_given_up_and_audited(
    standin: DiscordStandin, discord_bot: DiscordBot
) -> None:
    bot = discord_bot
    await open_checkin(bot)
    fault = standin.fail_next(
        "POST",
        "/channels/*/messages",
        status=404,
        times=10,
        body={"message": "Unknown Channel", "code": 10003},
    )
    clock = bot.runtime.clock
    assert isinstance(clock, ManualClock)
    for _ in range(5):
        await bot.drain()
        clock.advance(minutes=10)
    assert len(fault.hits) == bot.runtime.deliveries.policy.permanent_attempts
    assert await bot.runtime.store.outbox.pending_outbox_count() == 0
    [entry] = await bot.runtime.store.audit.audit_entries("discord", 10)
    assert (entry.action, entry.by) == ("undelivered", "card")


async def test_sync_sends_each_language_s_command_wording_from_the_content(
    standin: DiscordStandin, discord_settings: Settings
) -> None:
    args = argparse.Namespace(command="discord", discord_command="sync", guild=standin.guild.id)
    assert await asyncio.to_thread(discord_command, args, discord_settings) == 0
    [put] = [r for r in standin.requests if r.route == "guild_commands_put"]
    sent = {c["name"]: c for c in put.json}
    practice = sent["practice"]
    assert practice["name_localizations"]["es-ES"] == "practicar"
    assert practice["name_localizations"]["es-419"] == "practicar"
    assert practice["name_localizations"]["fr"] == "pratiquer"
    assert practice["description_localizations"]["fr"].startswith("S'entraîner")
    assert "de" not in practice["name_localizations"], "no German copy: Discord's default"
    scenario, together = practice["options"]
    assert scenario["name_localizations"]["es-ES"] == "escenario"
    assert together["name_localizations"]["fr"] == "ensemble"
    assert scenario["description_localizations"]["fr"].startswith("La situation")
    # The moderators' group stays hidden from members without Manage Server, in servers only.
    assert int(sent["upstander"]["default_member_permissions"]) == 1 << 5  # Manage Server
    assert sent["upstander"]["contexts"] == [0]
    reload = next(o for o in sent["upstander"]["options"] if o["name"] == "reload")
    assert reload["name_localizations"]["es-ES"] == "recargar"
    for node in _every_command_option_and_choice(put.json):
        assert set(node["name_localizations"]) == SHIPPED, node["name"]
        if "value" not in node:  # choices have no description
            assert set(node["description_localizations"]) == SHIPPED, node["name"]
    close = next(c for c in sent["checkin"]["options"][0]["choices"] if c["value"] == "close")
    assert close["name_localizations"] == {
        "en-US": "close",
        "en-GB": "close",
        "es-ES": "cerrar",
        "es-419": "cerrar",
        "fr": "fermer",
    }


# Discord's locales our shipped copy covers: English, Spanish (Spain and Latin America), French.
SHIPPED = {"en-US", "en-GB", "es-ES", "es-419", "fr"}


def _every_command_option_and_choice(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for node in nodes:
        yield node
        yield from _every_command_option_and_choice(node.get("options") or [])
        yield from _every_command_option_and_choice(node.get("choices") or [])
