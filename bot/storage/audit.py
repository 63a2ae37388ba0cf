"""Who handled which check-in: an append-only trail with pseudonyms, never identities."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.community import scope_of
from bot.core.models import AuditEntry
from bot.storage.engine import Database
from bot.storage.schema import audit


class SqlAudit:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def audit_entries(self, community: str, limit: int) -> list[AuditEntry]:
        query = (
            select(audit)
            .where(audit.c.community.in_(scope_of(community)))
            .order_by(audit.c.at.desc(), audit.c.seq.desc())
            .limit(limit)
        )
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [
            AuditEntry(
                r["at"], r["checkin_id"], r["pseudonym"], r["action"], r["by_name"], r["community"]
            )
            for r in rows
        ]


async def write_audit(conn: AsyncConnection, entry: AuditEntry) -> None:
    """Append `entry`, inside the caller's transaction."""
    await conn.execute(
        insert(audit).values(
            at=entry.at,
            checkin_id=entry.checkin_id,
            pseudonym=entry.pseudonym,
            action=entry.action,
            by_name=entry.by,
            community=entry.community,
        )
    )
