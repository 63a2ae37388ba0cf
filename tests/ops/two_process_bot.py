"""One bot process of the two-process test: the real bootstrap on PostgreSQL (from the
environment), its real outbox worker, members and volunteers played through the core as
an adapter plays them. It reads commands on stdin and answers one JSON line each:

  open N PREFIX   N members PREFIX-m<i> each open a check-in; answers the ids "received"
  claim ID...     volunteer PREFIX-v<i> presses Claim on the i-th id, all at once;
                  answers the ids this process won
  stop            flushes the outbox, closes; answers every message this process sent
"""

from __future__ import annotations

import asyncio
import json
import sys

from bot.bootstrap import build
from bot.config import Settings
from bot.core.access import StaticDirectory
from bot.core.actors import Actor, Role
from bot.core.desk_support import (
    ANONYMOUS,
    CLOSE,
    CONFIRM,
    FIELD_CATEGORY,
    FIELD_IDENTITY,
    FIELD_TEXT,
    FIELD_URGENCY,
    FORM_ID,
)
from bot.core.errors import Conflict
from bot.core.messages import Outbound

PLATFORM = "console"
VALUES = {
    FIELD_TEXT: "someone keeps making remarks",
    FIELD_CATEGORY: "harassment",
    FIELD_URGENCY: "this-week",
    FIELD_IDENTITY: ANONYMOUS,
}


class Recorder:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, outbound: Outbound) -> str:
        self.sent.append(outbound.reply.text())
        return f"ref-{len(self.sent)}"

    async def delete(self, ref: str) -> None:
        self.sent.append(f"deleted {ref}")


def answer(value: object) -> None:
    print(json.dumps(value), flush=True)


async def main() -> None:
    runtime = await build(Settings.from_env())
    directory = StaticDirectory()
    recorder = Recorder()
    runtime.register_platform(PLATFORM, directory, recorder)
    runtime.start_background()
    app = runtime.app
    loop = asyncio.get_running_loop()
    answer("ready")

    async def open_one(member: Actor) -> str:
        await app.checkin(member)
        summary = await app.submit_form(member, FORM_ID, VALUES)
        send = next(a for a in summary.actions if a.kind == CONFIRM)
        received = await app.press(member, send.id)
        assert any(a.kind == CLOSE for a in received.actions), received.text()
        return send.arg

    async def claim_one(volunteer: Actor, checkin_id: str) -> str:
        directory.grant(volunteer.user_id, frozenset({Role.VOLUNTEER}))
        try:
            await runtime.desk.conversation.claim(volunteer, checkin_id)
        except Conflict:
            return ""
        return checkin_id

    while line := await loop.run_in_executor(None, sys.stdin.readline):
        command, *args = line.split()
        if command == "open":
            count, prefix = int(args[0]), args[1]
            members = [Actor(PLATFORM, f"{prefix}-m{i}") for i in range(count)]
            answer(await asyncio.gather(*(open_one(m) for m in members)))
        elif command == "claim":
            prefix, ids = args[0], args[1:]
            volunteers = [Actor(PLATFORM, f"{prefix}-v{i}") for i in range(len(ids))]
            won = await asyncio.gather(
                *(claim_one(v, c) for v, c in zip(volunteers, ids, strict=True))
            )
            answer([c for c in won if c])
        elif command == "stop":
            await runtime.aclose()
            answer(recorder.sent)
            return


if __name__ == "__main__":
    asyncio.run(main())
