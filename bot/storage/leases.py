"""Job leases (a periodic job runs once per period across processes) and event sightings
(a platform event handled once, however often it is delivered)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from bot.storage.engine import Database, upsert
from bot.storage.schema import leases, sightings


class SqlLeases:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def take_lease(self, name: str, owner: str, now: datetime, until: datetime) -> bool:
        insert = upsert(self._db.dialect, leases).values(name=name, owner=owner, until=until)
        # One statement: PostgreSQL makes a concurrent taker wait for the row, then see it.
        statement = insert.on_conflict_do_update(
            index_elements=[leases.c.name],
            set_={"owner": insert.excluded["owner"], "until": insert.excluded["until"]},
            where=leases.c.until <= now,
        )
        async with self._db.write() as conn:
            return bool((await conn.execute(statement)).rowcount == 1)


class SqlEvents:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def first_sighting(self, key: str, at: datetime) -> bool:
        insert = upsert(self._db.dialect, sightings).values(key=key, seen_at=at)
        async with self._db.write() as conn:
            result = await conn.execute(insert.on_conflict_do_nothing(index_elements=["key"]))
        return bool(result.rowcount == 1)

    async def forget_sightings(self, before: datetime) -> int:
        async with self._db.write() as conn:
            result = await conn.execute(delete(sightings).where(sightings.c.seen_at < before))
        return int(result.rowcount)
