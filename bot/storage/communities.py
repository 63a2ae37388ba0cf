"""The registry of communities, and the purge that deletes every row of one.

A table that holds a community's rows has a `community` column and is listed in
`SCOPED_TABLES`: the purge deletes from each, in that order, in one transaction. A table
added later (settings, installations, content files) joins the list, or adds a step to
`PURGE_STEPS` when its rows are found some other way.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Delete, RowMapping, Table, delete, select, update

from bot.core.community import community_id
from bot.core.models import AuditEntry, Community, CommunityStatus
from bot.storage.audit import write_audit
from bot.storage.engine import Database, upsert
from bot.storage.schema import (
    audit,
    blocks,
    checkins,
    communities,
    community_content,
    community_settings,
    counters,
    group_sessions,
    group_votes,
    outbox,
    runs,
    schedules,
    sent_copies,
    slack_bots,
    slack_installations,
    volunteers,
)

# Every table with a `community` column, in the order the purge empties them.
SCOPED_TABLES: list[Table] = [
    outbox, sent_copies, checkins, volunteers, blocks, runs, counters, audit, schedules,
    group_sessions, slack_installations, slack_bots, community_content,
    community_settings,
]  # fmt: skip


def _votes_of(community: str) -> Delete:
    """Group votes are kept by session: those of the community's sessions."""
    theirs = select(group_sessions.c.id).where(group_sessions.c.community == community)
    return delete(group_votes).where(group_votes.c.session_id.in_(theirs))


def _rows_of(table: Table) -> Callable[[str], Delete]:
    return lambda community: delete(table).where(table.c.community == community)


def _registered(community: str) -> Delete:
    return delete(communities).where(communities.c.id == community)


def purge_steps() -> list[Callable[[str], Delete]]:
    """The purge's statements for a community, in order: `PURGE_STEPS` then each table."""
    return [*PURGE_STEPS, *(_rows_of(t) for t in SCOPED_TABLES), _registered]


# Steps for rows found otherwise than by a `community` column; they run first.
PURGE_STEPS: list[Callable[[str], Delete]] = [_votes_of]


class SqlCommunities:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def register(
        self, platform: str, workspace: str, name: str, at: datetime, *, default_workspace: str = ""
    ) -> str:
        cid = community_id(platform, workspace, default_workspace)
        row = {
            "id": cid,
            "platform": platform,
            "workspace": workspace,
            "name": name,
            "status": CommunityStatus.ACTIVE.value,
            "created_at": at,
        }
        async with self._db.write() as conn:
            await conn.execute(_register(self._db.dialect), row)
        return cid

    async def get_community(self, community: str) -> Community | None:
        query = select(communities).where(communities.c.id == community)
        async with self._db.read() as conn:
            row = (await conn.execute(query)).mappings().first()
        return _community(row) if row else None

    async def active_communities(self, platform: str | None = None) -> list[Community]:
        c = communities.c
        query = select(communities).where(c.status == CommunityStatus.ACTIVE.value)
        if platform is not None:
            query = query.where(c.platform == platform)
        return await self._all(query.order_by(c.id))

    async def mark_removed(self, community: str, at: datetime, purge_after: datetime) -> bool:
        removed = {"status": CommunityStatus.REMOVED.value, "removed_at": at}
        return await self._set(community, **removed, purge_after=purge_after)

    async def restore(self, community: str) -> bool:
        active = CommunityStatus.ACTIVE.value
        return await self._set(community, status=active, removed_at=None, purge_after=None)

    async def removed_due(self, now: datetime) -> list[Community]:
        c = communities.c
        query = select(communities).where(
            c.status == CommunityStatus.REMOVED.value, c.purge_after <= now
        )
        return await self._all(query.order_by(c.purge_after, c.id))

    async def purge(self, community: str, audit_entry: AuditEntry | None = None) -> int:
        gone = 0
        async with self._db.write() as conn:
            for step in purge_steps():
                gone += int((await conn.execute(step(community))).rowcount or 0)
            if audit_entry is not None:
                await write_audit(conn, audit_entry)
        return gone

    async def _set(self, community: str, **values: Any) -> bool:
        change = update(communities).where(communities.c.id == community).values(**values)
        async with self._db.write() as conn:
            return bool((await conn.execute(change)).rowcount == 1)

    async def _all(self, query: Any) -> list[Community]:
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_community(row) for row in rows]


@functools.cache
def _register(dialect: str) -> Any:
    """Record a community, or only rename it: built once."""
    insert = upsert(dialect, communities)
    return insert.on_conflict_do_update(
        index_elements=[communities.c.id], set_={"name": insert.excluded["name"]}
    )


def _community(row: RowMapping) -> Community:
    return Community(
        id=row["id"],
        platform=row["platform"],
        workspace=row["workspace"],
        name=row["name"],
        status=CommunityStatus(row["status"]),
        created_at=row["created_at"],
        removed_at=row["removed_at"],
        purge_after=row["purge_after"],
    )
