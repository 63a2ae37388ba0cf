"""Two real bot processes on one PostgreSQL schema (`two_process_bot.py`): members open
check-ins on both at once, volunteers on both press Claim on every check-in at once.
Nothing a member was told was received is lost, no claim is granted twice, and each card
goes out once (the outbox is leased), whichever process sends it."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from ops_support import ROOT

from bot.core.models import CheckinStatus
from bot.storage.crypto import Cipher
from bot.storage.sql import open_sql_store
from tests.conftest import PgDatabase

CHILD = Path(__file__).with_name("two_process_bot.py")
WAIT = 90.0
PER_PROCESS = 12

pytestmark = pytest.mark.slow


class Bot:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    async def ask(self, line: str) -> Any:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{line}\n".encode())
        await self.proc.stdin.drain()
        answer = await asyncio.wait_for(self.proc.stdout.readline(), WAIT)
        assert answer, f"the bot ended before answering {line!r}"
        return json.loads(answer)


async def _start(env: dict[str, str], log: Path) -> Bot:
    with log.open("wb") as stderr:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(CHILD), cwd=ROOT, env=env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=stderr,
        )  # fmt: skip
    bot = Bot(proc)
    assert proc.stdout is not None
    assert json.loads(await asyncio.wait_for(proc.stdout.readline(), WAIT)) == "ready"
    return bot


async def test_two_processes_lose_no_checkin_and_grant_no_claim_twice(
    tmp_path: Path, content_dir: Path, pg_database: PgDatabase
) -> None:
    key = Fernet.generate_key().decode()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env = {
        **base,
        **pg_database.env(),
        "UPSTANDER_SECRET_KEY": key,
        "UPSTANDER_CONTENT_DIR": str(content_dir),
        "UPSTANDER_RESOURCES": str(tmp_path / "resources.yaml"),
        "PYTHONPATH": str(ROOT),
    }
    # One data directory for both: on PostgreSQL no process holds it.
    env["UPSTANDER_DATA_DIR"] = str(tmp_path / "data")
    bots = [await _start(env, tmp_path / f"bot{n}.log") for n in range(2)]
    try:
        opened = await asyncio.gather(
            *(b.ask(f"open {PER_PROCESS} p{n}") for n, b in enumerate(bots))
        )
        every = [cid for ids in opened for cid in ids]
        assert len(set(every)) == 2 * PER_PROCESS
        # From opposite ends of the list, so the two meet on some check-ins whoever is faster.
        orders = [every, every[::-1]]
        won = await asyncio.gather(
            *(b.ask(f"claim p{n} " + " ".join(orders[n])) for n, b in enumerate(bots))
        )
        sent = await asyncio.gather(*(b.ask("stop") for b in bots))
        for bot in bots:
            assert await asyncio.wait_for(bot.proc.wait(), WAIT) == 0
    finally:
        for bot in bots:
            if bot.proc.returncode is None:
                bot.proc.kill()
                await bot.proc.wait()

    wins = [cid for ids in won for cid in ids]
    assert sorted(wins) == sorted(every), "every check-in claimed, none twice"
    store = await open_sql_store(pg_database.url, Cipher(key.encode()), schema=pg_database.schema)
    try:
        pseudonyms = []
        for cid in every:
            checkin = await store.checkins.get_checkin(cid)
            assert checkin is not None and checkin.status is CheckinStatus.CLAIMED
            pseudonyms.append(checkin.pseudonym)
        claims = [
            a
            for a in await store.audit.audit_entries(checkin.community, 1000)
            if a.action == "claimed"
        ]
        assert sorted(a.checkin_id for a in claims) == sorted(every)
        assert await store.outbox.pending_outbox_count() == 0
    finally:
        await store.close_store()
    # Each outbox item went out from one process, once: per check-in its card and the
    # card's update after the claim; per claim, one notice to the member.
    messages = [text for texts in sent for text in texts]
    for pseudonym in pseudonyms:
        heads = [m for m in messages if m.startswith(f"Check-in from {pseudonym}\n")]
        assert len(heads) == 2, (pseudonym, heads)
    assert sum("has picked up your check-in" in m for m in messages) == len(every)
