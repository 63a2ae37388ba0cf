"""Anonymous counters."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.engine import Database, upsert
from bot.storage.schema import counters


class SqlStats:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def bump(self, metric: str, key: str, by: int = 1) -> None:
        async with self._db.write() as conn:
            await add_counts(conn, self._db.dialect, [(metric, key, by)])

    async def counts(self, metric: str) -> Mapping[str, int]:
        query = select(counters.c.key, counters.c.count).where(counters.c.metric == metric)
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).all()
        return {key: int(count) for key, count in rows}


async def add_counts(
    conn: AsyncConnection, dialect: str, rows: Sequence[tuple[str, str, int]]
) -> None:
    """Add to each (metric, key) counter, inside the caller's transaction."""
    summed: dict[tuple[str, str], int] = {}
    for metric, key, by in rows:  # one row per counter: a statement moves each once
        summed[metric, key] = summed.get((metric, key), 0) + by
    if not summed:
        return
    # In one order for every change: two changes never each hold a counter the other needs.
    values = [{"metric": m, "key": k, "count": by} for (m, k), by in sorted(summed.items())]
    await conn.execute(_add(dialect), values)


@functools.cache
def _add(dialect: str) -> Any:
    """Add to a counter, creating it: built once (building `excluded` copies columns)."""
    insert = upsert(dialect, counters)
    return insert.on_conflict_do_update(
        index_elements=[counters.c.metric, counters.c.key],
        set_={"count": counters.c.count + insert.excluded["count"]},
    )
