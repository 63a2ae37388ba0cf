"""Stopping the bot while a press is being answered: the answer still goes out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.bootstrap import Runtime, build
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.models import PracticeRun
from bot.core.practice import CHOOSE
from bot.storage.memory import MemoryPractice, MemoryState, MemoryStore
from tests.discord.driver import (
    TIMEOUT,
    DiscordBot,
    button,
    open_checkin,
    serve,
    start_bot,
    text,
)
from tests.discord_standin import CB_UPDATE_MESSAGE, DiscordStandin, StoredMessage


class GatedStore(MemoryPractice):
    """The in-memory store, whose run writes wait once ``gate`` is set up until it opens."""

    def __init__(self) -> None:
        super().__init__(MemoryState())
        self.gate: asyncio.Event | None = None
        self.writing = asyncio.Event()

    async def save_run(self, run: PracticeRun) -> None:
        if self.gate is not None:
            self.writing.set()
            await self.gate.wait()
        await super().save_run(run)


@pytest.fixture
async def gated_runtime(discord_settings: Settings) -> AsyncIterator[tuple[Runtime, GatedStore]]:
    store = GatedStore()
    runtime = await build(
        discord_settings, store=MemoryStore(store.state, practice=store), clock=ManualClock()
    )
    try:
        yield runtime, store
    finally:
        await runtime.aclose()


async def first_step(bot: DiscordBot) -> StoredMessage:
    """A practice run up to its first choice."""
    standin = bot.standin
    menu = await bot.command(standin.member, "practice")
    intro = await bot.press(standin.member, button(menu, "A remark in the lift"), menu)
    step = await bot.press(standin.member, button(intro, "Begin"), intro)
    assert any(cid.startswith(CHOOSE) for cid in step.custom_ids())
    return step


async def test_a_press_in_flight_is_answered_before_the_client_closes(
    standin: DiscordStandin, gated_runtime: tuple[Runtime, GatedStore]
) -> None:
    runtime, store = gated_runtime
    bot = await start_bot(standin, runtime)
    try:
        step = await first_step(bot)
        store.gate = asyncio.Event()
        it = await standin.send_button(
            standin.member, button(step, "Ask the woman which floor"), message=step
        )
        await asyncio.wait_for(store.writing.wait(), TIMEOUT)

        bot.stop.set()  # mid-flight: the core is still saving the choice
        assert bot.task is not None
        done, _ = await asyncio.wait({bot.task}, timeout=0.2)
        assert not done, "serve_discord returned while a press was being answered"
        assert standin.callbacks(it.id) == []

        store.gate.set()
        callback = await it.wait_callback()
        assert callback.ok, callback.response
        assert callback.json["type"] == CB_UPDATE_MESSAGE
        answered = it.response_message()
        assert answered is not None and "shifts the moment" in text(answered)
        await asyncio.wait_for(bot.task, TIMEOUT)
    finally:
        if store.gate is not None:
            store.gate.set()
        await bot.close()
    assert standin.errors() == []


async def test_the_wait_for_answers_in_flight_is_bounded(
    standin: DiscordStandin, gated_runtime: tuple[Runtime, GatedStore]
) -> None:
    runtime, store = gated_runtime
    bot = await start_bot(standin, runtime)
    step = await first_step(bot)
    await bot.close()

    # Serve again, with a short bound, and press a button whose save never finishes.
    stop = asyncio.Event()
    ready = asyncio.Event()
    serving = asyncio.create_task(
        serve(
            runtime,
            stop,
            ready=ready,
            client_options={"guild_ready_timeout": 0.01},
            drain_seconds=0.2,
        )
    )
    await asyncio.wait_for(ready.wait(), TIMEOUT)
    store.gate = asyncio.Event()  # never opened
    it = await standin.send_button(
        standin.member, button(step, "Ask the woman which floor"), message=step
    )
    await asyncio.wait_for(store.writing.wait(), TIMEOUT)
    stop.set()
    await asyncio.wait_for(serving, TIMEOUT)
    assert standin.callbacks(it.id) == []
    assert not standin.connected


async def test_a_card_being_delivered_at_stop_lands_before_the_client_closes(
    standin: DiscordStandin, discord_settings: Settings
) -> None:
    # The embedded default store and the real outbox worker, as `python -m bot run` has.
    runtime = await build(discord_settings, clock=ManualClock())
    runtime.start_background()
    bot = await start_bot(standin, runtime)
    try:
        card_post = standin.hold_next("POST", f"/channels/{standin.volunteers_channel.id}/messages")
        await open_checkin(bot)
        await asyncio.wait_for(card_post.reached.wait(), TIMEOUT)

        bot.stop.set()  # the volunteers' card is on its way, not yet answered
        assert bot.task is not None
        done, _ = await asyncio.wait({bot.task}, timeout=0.2)
        assert not done, "serve_discord closed the client while the outbox was sending"

        card_post.release.set()
        await asyncio.wait_for(bot.task, TIMEOUT)
        (card,) = standin.sent_messages(standin.volunteers_channel.id)
        assert "Claim" in text(card)
        assert await runtime.store.outbox.pending_outbox_count() == 0
        assert not standin.connected
    finally:
        card_post.release.set()
        await bot.close()
        await runtime.aclose()
    assert standin.errors() == []
