"""A console session driven in-process: lines in, transcript out, runtime at hand."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.adapters.console.session import ConsoleSession
from bot.bootstrap import Runtime, build
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.messages import Outbound
from bot.storage.memory import MemoryStore


@dataclass
class Console:
    runtime: Runtime
    session: ConsoleSession
    lines: list[str]
    sent: list[Outbound] = field(default_factory=list)

    async def say(self, *inputs: str) -> str:
        """Type each line; return what the bot printed in answer to them."""
        start = len(self.lines)
        for line in inputs:
            await self.session.handle_line(line)
        return "\n".join(self.lines[start:])

    def button(self, label: str, text: str | None = None) -> str:
        """The number of the most recent button whose label contains `label`."""
        haystack = text if text is not None else "\n".join(self.lines)
        found = re.findall(r"\[(o?\d+)\] ([^\[\n]*)", haystack)
        for number, shown in reversed(found):
            if label in shown:
                return number
        raise AssertionError(f"no button {label!r} in:\n{haystack}")

    def button_exact(self, label: str) -> str:
        found = re.findall(r"\[(o?\d+)\] ([^\[\n]*?)(?=  \[|$)", "\n".join(self.lines), re.M)
        for number, shown in reversed(found):
            if shown.strip() == label:
                return number
        raise AssertionError(f"no button labelled exactly {label!r}")

    async def press(self, label: str) -> str:
        return await self.say(self.button(label))

    def outbound_text(self, *, to_volunteers: bool = False, dm_to: str = "") -> list[str]:
        """Everything sent to the volunteers' channel and/or one person's DMs."""
        texts = []
        for outbound in self.sent:
            dest = outbound.destination
            if (to_volunteers and dest.kind == "volunteers") or (dm_to and dest.user_id == dm_to):
                actions = " ".join(f"{a.label} {a.id}" for a in outbound.reply.actions)
                texts.append(outbound.reply.text() + " " + actions)
        return texts

    async def close(self) -> None:
        await self.runtime.aclose()


class RecordingMessenger:
    """Wraps the console's messenger to keep every Outbound for scans."""

    def __init__(self, inner: object, sent: list[Outbound]) -> None:
        self._inner = inner
        self._sent = sent
        self.deleted: list[str] = []

    async def send(self, outbound: Outbound) -> str:
        self._sent.append(outbound)
        send = self._inner.send
        return str(await send(outbound))

    async def delete(self, ref: str) -> None:
        self.deleted.append(ref)


async def build_console(settings: Settings, clock: ManualClock, *, sqlite: bool) -> Console:
    runtime = await build(settings, store=None if sqlite else MemoryStore(), clock=clock)
    lines: list[str] = []
    session = ConsoleSession(runtime.app, runtime, lines.append)
    sent: list[Outbound] = []
    runtime.messengers["console"] = RecordingMessenger(runtime.messengers["console"], sent)
    return Console(runtime, session, lines, sent)
