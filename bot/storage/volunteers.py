"""Volunteers' availability and name preference, and members blocked by fingerprint."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bot.core.community import platform_of
from bot.storage.engine import Database, matches_any, upsert
from bot.storage.schema import blocks, volunteers


class SqlVolunteers:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def set_availability(self, volunteer: str, community: str, available: bool) -> None:
        row = {**_volunteer(volunteer, community), "available": int(available)}
        async with self._db.write() as conn:
            await conn.execute(_set_availability(self._db.dialect), row)

    async def is_available(self, volunteer: str) -> bool:
        query = select(volunteers.c.available).where(volunteers.c.volunteer == volunteer)
        async with self._db.read() as conn:
            return bool((await conn.execute(query)).scalar())

    async def available_volunteers(self, community: str) -> list[str]:
        query = (
            select(volunteers.c.volunteer)
            .where(volunteers.c.community == community, volunteers.c.available == 1)
            .order_by(volunteers.c.volunteer)
        )
        async with self._db.read() as conn:
            return list((await conn.execute(query)).scalars())

    async def block(self, member: str, until: datetime, community: str) -> None:
        fp = self._db.cipher.fingerprint(member)
        row = {"member_fp": fp, "until": until, "community": community}
        async with self._db.write() as conn:
            await conn.execute(_block(self._db.dialect), row)

    async def blocked_until(self, member: str) -> datetime | None:
        theirs = matches_any(blocks.c.member_fp, self._db.cipher.fingerprints(member))
        async with self._db.read() as conn:
            until = (await conn.execute(select(func.max(blocks.c.until)).where(theirs))).scalar()
        # MAX() loses the column's type on some dialects: read the text as the column would.
        return datetime.fromisoformat(until) if isinstance(until, str) else until

    async def set_volunteer_anonymous(
        self, volunteer: str, community: str, anonymous: bool
    ) -> None:
        row = {**_volunteer(volunteer, community), "available": 0}
        async with self._db.write() as conn:
            await conn.execute(
                _set_anonymous(self._db.dialect), {**row, "anonymous": int(anonymous)}
            )

    async def volunteer_anonymous(self, volunteer: str) -> bool:
        query = select(volunteers.c.anonymous).where(volunteers.c.volunteer == volunteer)
        async with self._db.read() as conn:
            return bool((await conn.execute(query)).scalar())


def _volunteer(volunteer: str, community: str) -> dict[str, str]:
    return {"volunteer": volunteer, "community": community, "platform": platform_of(community)}


# Built once each: building an upsert's `excluded` copies every column of the table.


@functools.cache
def _set_availability(dialect: str) -> Any:
    insert = upsert(dialect, volunteers)
    return insert.on_conflict_do_update(
        index_elements=[volunteers.c.volunteer],
        set_={"available": insert.excluded["available"]},
    )


@functools.cache
def _block(dialect: str) -> Any:
    insert = upsert(dialect, blocks)
    return insert.on_conflict_do_update(
        index_elements=[blocks.c.member_fp], set_={"until": insert.excluded["until"]}
    )


@functools.cache
def _set_anonymous(dialect: str) -> Any:
    insert = upsert(dialect, volunteers)
    return insert.on_conflict_do_update(
        index_elements=[volunteers.c.volunteer],
        set_={"anonymous": insert.excluded["anonymous"]},
    )
