"""Volunteers' availability, and members blocked by fingerprint."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.storage.engine import Database, upsert
from bot.storage.schema import blocks, volunteers


class SqlVolunteers:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def set_availability(self, volunteer: str, platform: str, available: bool) -> None:
        insert = upsert(self._db.dialect, volunteers).values(
            volunteer=volunteer, platform=platform, available=int(available)
        )
        statement = insert.on_conflict_do_update(
            index_elements=[volunteers.c.volunteer],
            set_={"available": insert.excluded["available"]},
        )
        async with self._db.write() as conn:
            await conn.execute(statement)

    async def is_available(self, volunteer: str) -> bool:
        query = select(volunteers.c.available).where(volunteers.c.volunteer == volunteer)
        async with self._db.read() as conn:
            return bool((await conn.execute(query)).scalar())

    async def available_volunteers(self, platform: str) -> list[str]:
        query = (
            select(volunteers.c.volunteer)
            .where(volunteers.c.platform == platform, volunteers.c.available == 1)
            .order_by(volunteers.c.volunteer)
        )
        async with self._db.read() as conn:
            return list((await conn.execute(query)).scalars())

    async def block(self, member: str, until: datetime) -> None:
        fp = self._db.cipher.fingerprint(member)
        insert = upsert(self._db.dialect, blocks).values(member_fp=fp, until=until)
        statement = insert.on_conflict_do_update(
            index_elements=[blocks.c.member_fp], set_={"until": insert.excluded["until"]}
        )
        async with self._db.write() as conn:
            await conn.execute(statement)

    async def blocked_until(self, member: str) -> datetime | None:
        fp = self._db.cipher.fingerprint(member)
        async with self._db.read() as conn:
            until: datetime | None = (
                await conn.execute(select(blocks.c.until).where(blocks.c.member_fp == fp))
            ).scalar()
        return until
