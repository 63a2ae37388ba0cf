"""Stored practice runs put straight into a bot's database, so that a workload meets a
store the size a grown community has (members with many finished runs behind them)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from bot.config import Settings
from bot.core.models import RunStatus
from bot.storage.engine import make_engine, sqlite_url
from bot.storage.schema import runs

CHUNK = 5000
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


async def seed_runs(
    settings: Settings, count: int, members: list[str], scenarios: list[str], *, first: int = 0
) -> None:
    """`count` finished runs, dealt to `members` in turn, numbered from `first`."""
    url = settings.database_url or sqlite_url(settings.database)
    engine = make_engine(url, schema=settings.database_schema)
    rng = random.Random(first)
    try:
        for start in range(first, first + count, CHUNK):
            end = min(start + CHUNK, first + count)
            rows = [_row(n, members, scenarios, rng) for n in range(start, end)]
            async with engine.begin() as conn:
                await conn.execute(insert(runs), rows)
    finally:
        await engine.dispose()


def _row(n: int, members: list[str], scenarios: list[str], rng: random.Random) -> dict[str, Any]:
    when = EPOCH + timedelta(seconds=n * 37 + rng.randrange(30))
    moves = [["step-1", rng.randrange(3), "distract"], ["step-2", rng.randrange(3), "direct"]]
    return {
        "id": f"seeded-{n:08d}-{rng.getrandbits(32):08x}",
        "member": members[n % len(members)],
        "scenario_id": scenarios[n % len(scenarios)],
        "locale": "en",
        "step_id": "end",
        "moves": json.dumps(moves),
        "status": RunStatus.FINISHED.value,
        "started_at": when,
        "updated_at": when + timedelta(minutes=4),
    }
