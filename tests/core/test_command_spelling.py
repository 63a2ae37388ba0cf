"""Copy names a command as the member's platform spells it, whoever asked before."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.bootstrap import Runtime, build
from bot.config import Settings
from bot.core.actors import Actor
from bot.core.clock import ManualClock
from bot.core.commands import PLAIN, Spelling, spelling_now
from bot.storage.memory import MemoryStore

ON_SLACK = Actor("slack", "U1")
ON_DISCORD = Actor("discord", "1")
SPANISH_ON_DISCORD = Actor("discord", "2", locale="es-ES")
IN_CONSOLE = Actor("console", "sam")


@pytest.fixture
async def runtime(settings: Settings, content_dir: Path) -> AsyncIterator[Runtime]:
    # The menu's intro is a part the core keeps and reuses: name a command in it.
    en = content_dir / "messages" / "en.yaml"
    text = en.read_text(encoding="utf-8").replace(
        "practice.menu_intro: Pick a scenario.", "practice.menu_intro: Pick one ({cmd:stats})."
    )
    en.write_text(text, encoding="utf-8")
    built = await build(settings, store=MemoryStore(), clock=ManualClock())
    yield built
    await built.aclose()


async def test_a_kept_part_is_spelled_for_each_platform(runtime: Runtime) -> None:
    app = runtime.app
    assert "Pick one (/upstander stats)." in (await app.practice(ON_SLACK)).text()
    assert "Pick one (/upstander stats)." in (await app.practice(ON_DISCORD)).text()
    assert "Pick one (/stats)." in (await app.practice(IN_CONSOLE)).text()
    spanish = (await app.help(SPANISH_ON_DISCORD)).text()
    assert "• /practicar:" in spanish  # the names Discord shows a Spanish member
    assert spelling_now() is PLAIN, "the spelling lasts one request"


async def test_errors_and_single_texts_are_spelled_too(runtime: Runtime) -> None:
    app = runtime.app
    missing = await app.practice(ON_SLACK, "no-such-scenario")
    assert "Use /upstander practice to see the list." in missing.text()
    assert app.text(ON_DISCORD, "relay.nothing_open").endswith("Try /help.")
    app.spell_commands("slack", Spelling(prefix="/ally"))
    assert app.text(ON_SLACK, "relay.nothing_open").endswith("Try /ally help.")
