"""`python -m bot content preview ID`: play one scenario in the terminal, nothing stored."""

from __future__ import annotations

import sys

from bot.adapters.console.run import run_console
from bot.bootstrap import build
from bot.config import Settings
from bot.core.errors import ContentInvalid
from bot.storage.memory import MemoryStore


async def preview(settings: Settings, scenario_id: str, locale: str | None) -> int:
    try:
        runtime = await build(settings, store=MemoryStore())
    except ContentInvalid as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    catalog = runtime.content.current
    if catalog.scenario(scenario_id, catalog.locale_for(locale)) is None:
        print(f"no scenario with id {scenario_id!r}", file=sys.stderr)
        return 1
    try:
        await run_console(
            runtime.app, runtime, first_lines=[f"/practice {scenario_id}"], locale=locale
        )
    finally:
        await runtime.aclose()
    return 0
