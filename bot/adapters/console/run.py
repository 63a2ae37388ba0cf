"""Run the console chat over stdin/stdout: interactive in a terminal, scriptable by a pipe."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from typing import TextIO

from bot.adapters.console.session import ConsoleSession
from bot.core.app import Upstander
from bot.lifecycle import Lifecycle


async def run_console(
    core: Upstander,
    lifecycle: Lifecycle,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    *,
    first_lines: Sequence[str] = (),
    locale: str | None = None,
) -> None:
    source = stdin or sys.stdin
    sink = stdout or sys.stdout
    interactive = source.isatty()

    def write(text: str) -> None:
        sink.write(text + "\n")
        sink.flush()

    session = ConsoleSession(core, lifecycle, write, locale=locale)
    write(session.banner())
    for line in first_lines:
        write(f"> {line}")
        await session.handle_line(line)
    loop = asyncio.get_running_loop()
    while not session.finished:
        if interactive:
            sink.write("> ")
            sink.flush()
        line = await loop.run_in_executor(None, source.readline)
        if not line:
            break
        if not interactive:
            # Echo scripted input so a transcript reads like a conversation.
            write(f"> {line.rstrip()}")
        await session.handle_line(line)
