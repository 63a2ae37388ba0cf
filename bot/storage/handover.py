"""Handover and idle close of claimed check-ins (issue 18.4): each change with the
messages and audit line it brings, in one transaction, as in `checkins`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from bot.core.models import AuditEntry, CheckIn, OutboxItem
from bot.storage.checkins import change_with, checkin_of
from bot.storage.engine import Database
from bot.storage.outbox import add_outbox, outbox_rows
from bot.storage.schema import checkins

# A claimed check-in's last sign of life: its last relayed message, or else the claim
# (typed as those columns are, so a time compared with it is stored text too).
_last_activity = func.coalesce(checkins.c.last_activity_at, checkins.c.claimed_at)


class SqlHandover:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def requeue(
        self,
        checkin_id: str,
        claimed_by: str,
        at: datetime,
        outbox: list[OutboxItem],
        audit: AuditEntry,
    ) -> bool:
        c = checkins.c
        # The claim cleared; escalation counts again from now.
        change = (
            update(checkins)
            .where(c.id == checkin_id, c.status == "claimed", c.claimed_by == claimed_by)
            .values(
                status="open",
                claimed_at=None,
                claimed_by="",
                claimed_by_user_id="",
                claimed_by_name="",
                escalation_level=0,
                last_escalated_at=at,
                last_activity_at=None,
                idle_reminded_at=None,
            )
        )
        return await change_with(self._db, change, outbox, audit)

    async def relay(self, checkin_id: str, items: list[OutboxItem], at: datetime) -> None:
        rows = outbox_rows(self._db.cipher, items)
        async with self._db.write() as conn:
            await conn.execute(
                update(checkins)
                .where(checkins.c.id == checkin_id)
                .values(last_activity_at=at, idle_reminded_at=None)
            )
            await add_outbox(conn, rows)

    async def idle_claimed(self, quiet_since: datetime) -> list[CheckIn]:
        query = (
            select(checkins)
            .where(checkins.c.status == "claimed", _last_activity < quiet_since)
            .order_by(_last_activity, checkins.c.id)
        )
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [checkin_of(self._db.cipher, row) for row in rows]

    async def remind_idle(
        self, checkin_id: str, at: datetime, outbox: list[OutboxItem], audit: AuditEntry
    ) -> bool:
        c = checkins.c
        change = (
            update(checkins)
            .where(c.id == checkin_id, c.status == "claimed", c.idle_reminded_at.is_(None))
            .values(idle_reminded_at=at)
        )
        return await change_with(self._db, change, outbox, audit)

    async def close_idle(
        self,
        checkin_id: str,
        quiet_since: datetime,
        at: datetime,
        outbox: list[OutboxItem],
        audit: AuditEntry,
    ) -> bool:
        c = checkins.c
        change = (
            update(checkins)
            .where(c.id == checkin_id, c.status == "claimed", _last_activity < quiet_since)
            .values(status="closed", closed_at=at, closed_by="system")
        )
        return await change_with(self._db, change, outbox, audit, drop_relays_of=checkin_id)
