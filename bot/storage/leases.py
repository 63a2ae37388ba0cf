"""Job leases (a periodic job runs once per period across processes) and event sightings
(a platform event handled once, however often it is delivered)."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete

from bot.storage.engine import Database, upsert
from bot.storage.schema import leases, sightings


class SqlLeases:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def take_lease(self, name: str, owner: str, now: datetime, until: datetime) -> bool:
        row = {"name": name, "owner": owner, "until": until, "now": now}
        async with self._db.write() as conn:
            return bool((await conn.execute(_take(self._db.dialect), row)).rowcount == 1)


class SqlEvents:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def first_sighting(self, key: str, at: datetime) -> bool:
        async with self._db.write() as conn:
            result = await conn.execute(_sight(self._db.dialect), {"key": key, "seen_at": at})
        return bool(result.rowcount == 1)

    async def forget_sightings(self, before: datetime) -> int:
        async with self._db.write() as conn:
            result = await conn.execute(delete(sightings).where(sightings.c.seen_at < before))
        return int(result.rowcount)


@functools.cache
def _take(dialect: str) -> Any:
    """One statement: PostgreSQL makes a concurrent taker wait for the row, then see it."""
    insert = upsert(dialect, leases)
    return insert.on_conflict_do_update(
        index_elements=[leases.c.name],
        set_={"owner": insert.excluded["owner"], "until": insert.excluded["until"]},
        where=leases.c.until <= bindparam("now", type_=leases.c.until.type),
    )


@functools.cache
def _sight(dialect: str) -> Any:
    return upsert(dialect, sightings).on_conflict_do_nothing(index_elements=["key"])
