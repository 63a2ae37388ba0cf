"""Scenarios of the week (issue 21.2): the claim that posts a schedule once."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import RowMapping, delete, insert, select, update

from bot.core.models import OutboxItem
from bot.core.schedule_model import Schedule, Slot
from bot.storage.engine import Database
from bot.storage.outbox import add_outbox, outbox_rows
from bot.storage.schema import schedules


class SqlSchedules:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_schedule(self, schedule: Schedule) -> None:
        async with self._db.write() as conn:
            await conn.execute(insert(schedules).values(id=schedule.id, **_row(schedule)))

    async def get_schedule(self, schedule_id: str) -> Schedule | None:
        async with self._db.read() as conn:
            query = select(schedules).where(schedules.c.id == schedule_id)
            row = (await conn.execute(query)).mappings().first()
        return _schedule(row) if row else None

    async def list_schedules(self, community: str) -> list[Schedule]:
        c = schedules.c
        query = select(schedules).where(c.community == community).order_by(c.id)
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_schedule(row) for row in rows]

    async def set_schedule_paused(self, schedule_id: str, paused: bool, next_due: datetime) -> bool:
        change = (
            update(schedules)
            .where(schedules.c.id == schedule_id)
            .values(paused=int(paused), next_due=next_due)
        )
        async with self._db.write() as conn:
            return bool((await conn.execute(change)).rowcount == 1)

    async def remove_schedule(self, schedule_id: str) -> bool:
        async with self._db.write() as conn:
            result = await conn.execute(delete(schedules).where(schedules.c.id == schedule_id))
        return bool(result.rowcount == 1)

    async def due_schedules(self, now: datetime) -> list[Schedule]:
        query = (
            select(schedules)
            .where(schedules.c.paused == 0, schedules.c.next_due <= now)
            .order_by(schedules.c.next_due)
        )
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_schedule(row) for row in rows]

    async def claim_schedule(
        self, claimed: Schedule, expected_due: datetime, outbox: list[OutboxItem]
    ) -> bool:
        rows = outbox_rows(self._db.cipher, outbox)
        # The guarded UPDATE: of concurrent claimers only one still finds `expected_due`.
        change = (
            update(schedules)
            .where(
                schedules.c.id == claimed.id,
                schedules.c.paused == 0,
                schedules.c.next_due == expected_due,
            )
            .values(**_row(claimed))
        )
        async with self._db.write() as conn:
            if (await conn.execute(change)).rowcount != 1:
                return False
            await add_outbox(conn, rows)
        return True


def _row(schedule: Schedule) -> dict[str, Any]:
    return {
        "platform": schedule.platform,
        "channel": schedule.channel,
        "weekday": schedule.slot.weekday,
        "at_time": f"{schedule.slot.at:%H:%M}",
        "zone": schedule.slot.zone,
        "topics": " ".join(schedule.topics),
        "locale": schedule.locale,
        "created_by": schedule.created_by,
        "paused": int(schedule.paused),
        "next_due": schedule.next_due,
        "last_posted_at": schedule.last_posted_at,
        "last_scenario": schedule.last_scenario,
        "posted": " ".join(schedule.posted),
        "community": schedule.community,
    }


def _schedule(row: RowMapping) -> Schedule:
    hours, _, minutes = str(row["at_time"]).partition(":")
    return Schedule(
        id=row["id"],
        platform=row["platform"],
        channel=row["channel"],
        slot=Slot(int(row["weekday"]), time(int(hours), int(minutes)), row["zone"]),
        topics=tuple(str(row["topics"]).split()),
        locale=row["locale"],
        created_by=row["created_by"],
        paused=bool(row["paused"]),
        next_due=row["next_due"],
        last_posted_at=row["last_posted_at"],
        last_scenario=row["last_scenario"],
        posted=tuple(str(row["posted"]).split()),
        community=row["community"],
    )
