"""Messages waiting to be sent, each leased to one process while it sends it.

The payload (it may carry a member's words) is encrypted, and deleted with the item.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, Select, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.models import AuditEntry, OutboxItem
from bot.storage.audit import write_audit
from bot.storage.crypto import Cipher
from bot.storage.engine import Database, lock_skipping, matches_any
from bot.storage.schema import outbox


class SqlOutbox:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def enqueue(self, items: list[OutboxItem]) -> None:
        rows = outbox_rows(self._db.cipher, items)
        async with self._db.write() as conn:
            await add_outbox(conn, rows)

    async def lease_due_outbox(
        self, now: datetime, limit: int, owner: str, lease_until: datetime
    ) -> list[OutboxItem]:
        due = lock_skipping(self._db.dialect, due_query(now, limit))
        async with self._db.write() as conn:
            rows = (await conn.execute(due)).mappings().all()
            if rows:
                await conn.execute(
                    update(outbox)
                    .where(outbox.c.id.in_([r["id"] for r in rows]))
                    .values(leased_by=owner, lease_until=lease_until)
                )
        return [outbox_item(self._db.cipher, row) for row in rows]

    async def release_outbox_leases(self) -> int:
        async with self._db.write() as conn:
            result = await conn.execute(
                update(outbox)
                .where(outbox.c.lease_until.is_not(None))
                .values(leased_by="", lease_until=None)
            )
        return int(result.rowcount)

    async def delivered(self, *item_ids: str) -> None:
        if not item_ids:
            return
        await self._db.change(delete(outbox).where(matches_any(outbox.c.id, item_ids)))

    async def retry_later(self, item_id: str, attempts: int, at: datetime) -> None:
        await self._db.change(
            update(outbox)
            .where(outbox.c.id == item_id)
            .values(attempts=attempts, next_attempt_at=at, leased_by="", lease_until=None)
        )

    async def give_up(self, item_id: str, audit: AuditEntry) -> None:
        async with self._db.write() as conn:
            await conn.execute(delete(outbox).where(outbox.c.id == item_id))
            await write_audit(conn, audit)

    async def pending_outbox_count(self) -> int:
        async with self._db.read() as conn:
            count = (await conn.execute(select(func.count()).select_from(outbox))).scalar()
        return int(count or 0)

    async def oldest_pending_at(self) -> datetime | None:
        async with self._db.read() as conn:
            oldest = (await conn.execute(select(func.min(outbox.c.created_at)))).scalar()
        # MIN() loses the column's type on some dialects: read the text as the column would.
        return datetime.fromisoformat(oldest) if isinstance(oldest, str) else oldest


def due_query(now: datetime, limit: int) -> Select[Any]:
    """Due and not leased, in the order of the `outbox_due` index: no sort."""
    return (
        select(outbox)
        .where(
            outbox.c.next_attempt_at <= now,
            or_(outbox.c.lease_until.is_(None), outbox.c.lease_until <= now),
        )
        .order_by(outbox.c.priority.desc(), outbox.c.next_attempt_at, outbox.c.seq)
        .limit(limit)
    )


def outbox_rows(cipher: Cipher, items: list[OutboxItem]) -> list[dict[str, Any]]:
    """Rows for `add_outbox`, encrypted before the transaction begins."""
    return [
        {
            "id": item.id,
            "checkin_id": item.checkin_id,
            "purpose": item.purpose,
            "priority": item.priority,
            "payload_enc": cipher.seal(item.payload, ("outbox", item.id, "payload_enc")),
            "attempts": item.attempts,
            "next_attempt_at": item.next_attempt_at,
            "created_at": item.created_at,
            "community": item.community,
            "seq": seq,
        }
        for seq, item in enumerate(items)
    ]


async def add_outbox(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Queue the rows, inside the caller's transaction, after every item still queued."""
    if rows:
        # `seq` orders items of equal priority and due time: the queue's order.
        last = (await conn.execute(select(func.max(outbox.c.seq)))).scalar()
        start = 0 if last is None else last + 1
        await conn.execute(insert(outbox), [{**r, "seq": start + r["seq"]} for r in rows])


def outbox_item(cipher: Cipher, row: RowMapping) -> OutboxItem:
    return OutboxItem(
        id=row["id"],
        checkin_id=row["checkin_id"],
        purpose=row["purpose"],
        priority=row["priority"],
        payload=cipher.open(row["payload_enc"], ("outbox", row["id"], "payload_enc")),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        created_at=row["created_at"],
        community=row["community"],
    )
