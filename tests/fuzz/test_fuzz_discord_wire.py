"""Fuzzed INTERACTION_CREATE payloads through the stand-in gateway to the real client.

How the examples run: ``discord_bot`` (tests/discord/conftest.py) connects the whole
bot to the loopback Discord once for the test, and pytest-asyncio runs every hypothesis
example on that test's loop, so one connected client sees all of them.  Sharing it is
the point (it must keep answering after every malformed interaction), hence the
suppressed function-scoped-fixture health check.  Each example dispatches a button press
or a modal submit whose ``data`` is fuzzed (custom ids that are not ours, select values
that are not lists of strings, component trees with unknown or nested garbage, junk
locales) keeping only the keys discord.py itself indexes, then a valid ``/help``.

Per example: the bot answers the fuzzed interaction (an apology or the core's own
"not found") or refuses it, answers ``/help``, logs no exception, and nothing it sent
notified anyone (typed ``@everyone`` and ``<@id>`` stay inert: allowed_mentions none).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import pytest
from fuzz_payloads import discord_components, discord_custom_ids, junk, maybe, nasty_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bootstrap import build
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.storage.memory import MemoryStore
from tests.discord.driver import DiscordBot, start_bot
from tests.discord_standin import CB_CHANNEL_MESSAGE, DiscordStandin

MESSAGE_COMPONENT = 3
MODAL_SUBMIT = 5

locales = st.one_of(st.sampled_from(["en-US", "es-ES", "fr", "xx-YY", ""]), nasty_text)

presses = st.fixed_dictionaries(
    {
        "type": st.just(MESSAGE_COMPONENT),
        "custom_id": discord_custom_ids,
        "component_type": st.sampled_from([2, 3, 5, 6, 7, 8, 99]),
    },
    optional={"values": maybe(st.lists(nasty_text, max_size=3)), "resolved": junk},
)
submits = st.fixed_dictionaries(
    {
        "type": st.just(MODAL_SUBMIT),
        "custom_id": st.one_of(st.just("checkin.form"), discord_custom_ids),
        "components": discord_components,
    },
    optional={"resolved": st.dictionaries(st.text(max_size=6), junk, max_size=2)},
)
interactions = st.tuples(st.one_of(presses, submits), locales, st.booleans())


def dispatch(standin: DiscordStandin, data: dict[str, Any], locale: str, guild: bool) -> Any:
    """An interaction from the member with ``data`` as drawn (the stand-in fills in the
    envelope: id, token, member or user, channel, permissions)."""
    itype = data.pop("type")
    state, _ = standin._interaction_base(
        itype, standin.member, guild=guild, channel=None, locale=locale, data=data
    )
    return standin._dispatch_interaction(state)


async def still_answers(bot: DiscordBot) -> None:
    it = await bot.standin.send_slash_command(bot.standin.member, "help")
    callback = await it.wait_callback()
    assert callback.ok and callback.json["type"] == CB_CHANNEL_MESSAGE, callback.json


def notified(standin: DiscordStandin) -> list[Any]:
    return [(m.payload.get("content"), m.notified) for m in standin.sent_messages() if m.notified]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(interaction=interactions)
async def test_malformed_interactions_are_refused_and_the_bot_keeps_answering(
    discord_bot: DiscordBot, caplog: pytest.LogCaptureFixture, interaction: Any
) -> None:
    data, locale, guild = interaction
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        fuzzed = dispatch(discord_bot.standin, dict(data), locale, guild)
        await still_answers(discord_bot)
        # Interactions are handled concurrently: let the fuzzed one finish too.
        await discord_bot.standin.wait_for(
            lambda r: (
                r.route == "interaction_callback"
                and r.params.get("interaction_id") == str(fuzzed.id)
            ),
            timeout=2.0,
        )
    assert not [r for r in caplog.records if r.exc_info is not None], [
        r.getMessage() for r in caplog.records
    ]
    assert not notified(discord_bot.standin)


async def test_an_interaction_discord_py_cannot_parse_does_not_stop_the_bot(
    standin: DiscordStandin, discord_settings: Settings
) -> None:
    runtime = await build(discord_settings, store=MemoryStore(), clock=ManualClock())
    bot = await start_bot(standin, runtime)
    assert bot.task is not None
    task = bot.task
    try:
        dispatch(standin, {"type": MESSAGE_COMPONENT, "component_type": 2}, "en-US", True)
        it = await standin.send_slash_command(standin.member, "help")
        callback = await it.wait_callback(timeout=1.0)
        assert callback.ok and not task.done()
    finally:
        bot.stop.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5.0)
        bot.task = None
        await runtime.aclose()
