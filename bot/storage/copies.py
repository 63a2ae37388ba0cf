"""The bot's own messages that carry a member's words or name, until they are deleted
(issue 18.6). Where each went is sealed: a DM's destination names its person."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import RowMapping, delete, insert, select

from bot.core.models import OutboxItem, SentCopy
from bot.storage.crypto import Cipher
from bot.storage.engine import Database
from bot.storage.outbox import add_outbox, outbox_rows
from bot.storage.schema import checkins, sent_copies

_ACTIVE = ("open", "claimed")


class SqlCopies:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record_copy(self, copy: SentCopy) -> None:
        sealed = json.dumps([copy.kind, copy.user_id, copy.ref])
        row = {
            "id": copy.id,
            "checkin_id": copy.checkin_id,
            "platform": copy.platform,
            "copy_enc": self._db.cipher.seal(sealed, _place(copy.id)),
            "created_at": copy.created_at,
            "community": copy.community,
        }
        async with self._db.write() as conn:
            await conn.execute(insert(sent_copies), [row])

    async def queue_erasure(self, erase: Callable[[SentCopy], OutboxItem]) -> int:
        active = select(checkins.c.id).where(checkins.c.status.in_(_ACTIVE))
        query = select(sent_copies).where(sent_copies.c.checkin_id.not_in(active))
        async with self._db.write() as conn:
            rows = (await conn.execute(query)).mappings().all()
            if not rows:
                return 0
            copies = [_copy(self._db.cipher, row) for row in rows]
            await add_outbox(conn, outbox_rows(self._db.cipher, [erase(c) for c in copies]))
            doomed = [c.id for c in copies]
            await conn.execute(delete(sent_copies).where(sent_copies.c.id.in_(doomed)))
        return len(copies)

    async def copies_of(self, checkin_id: str) -> list[SentCopy]:
        query = (
            select(sent_copies)
            .where(sent_copies.c.checkin_id == checkin_id)
            .order_by(sent_copies.c.created_at, sent_copies.c.id)
        )
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_copy(self._db.cipher, row) for row in rows]


def _copy(cipher: Cipher, row: RowMapping) -> SentCopy:
    kind, user_id, ref = json.loads(cipher.open(row["copy_enc"], _place(row["id"])))
    names = ("id", "checkin_id", "platform", "created_at", "community")
    fields: dict[str, Any] = {k: row[k] for k in names}
    return SentCopy(kind=kind, user_id=user_id, ref=ref, **fields)


def _place(copy_id: str) -> tuple[str, str, str]:
    return ("sent_copies", copy_id, "copy_enc")
