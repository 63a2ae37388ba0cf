"""Anonymous counters, each a community's."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.community import scope_of
from bot.storage.engine import Database, upsert
from bot.storage.schema import counters


class SqlStats:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def bump(self, community: str, metric: str, key: str, by: int = 1) -> None:
        async with self._db.write() as conn:
            await add_counts(conn, self._db.dialect, community, [(metric, key, by)])

    async def counts(self, community: str, metric: str) -> Mapping[str, int]:
        c = counters.c
        query = (
            select(c.key, func.sum(c.count))
            .where(c.community.in_(scope_of(community)), c.metric == metric)
            .group_by(c.key)
        )
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).all()
        return {key: int(count) for key, count in rows}


async def add_counts(
    conn: AsyncConnection, dialect: str, community: str, rows: Sequence[tuple[str, str, int]]
) -> None:
    """Add to each of `community`'s (metric, key) counters, inside the caller's transaction."""
    summed: dict[tuple[str, str], int] = {}
    for metric, key, by in rows:  # one row per counter: a statement moves each once
        summed[metric, key] = summed.get((metric, key), 0) + by
    if not summed:
        return
    # In one order for every change: two changes never each hold a counter the other needs.
    values = [
        {"community": community, "metric": m, "key": k, "count": by}
        for (m, k), by in sorted(summed.items())
    ]
    await conn.execute(_add(dialect), values[0] if len(values) == 1 else values)


@functools.cache
def _add(dialect: str) -> Any:
    """Add to a counter, creating it: built once (building `excluded` copies columns)."""
    insert = upsert(dialect, counters)
    return insert.on_conflict_do_update(
        index_elements=[counters.c.community, counters.c.metric, counters.c.key],
        set_={"count": counters.c.count + insert.excluded["count"]},
    )
