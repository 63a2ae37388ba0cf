"""Each community's settings (issue 20.2): one row per community, replaced on save."""

from __future__ import annotations

import functools
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select

from bot.core.settings import CommunitySettings
from bot.storage.engine import Database, upsert
from bot.storage.schema import community_settings


class SqlSettings:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, community: str) -> CommunitySettings | None:
        async with self._db.read() as conn:
            row = (await conn.execute(_GET, {"community": community})).mappings().first()
        if row is None:
            return None
        return CommunitySettings(**{name: row[name] for name in asdict(CommunitySettings())})

    async def save(
        self, community: str, settings: CommunitySettings, by_name: str, at: datetime
    ) -> None:
        row = {"community": community, **asdict(settings), "updated_by": by_name, "updated_at": at}
        async with self._db.write() as conn:
            await conn.execute(_save(self._db.dialect), row)


_GET = select(community_settings).where(community_settings.c.community == bindparam("community"))


@functools.cache
def _save(dialect: str) -> Any:
    insert = upsert(dialect, community_settings)
    kept = [c.name for c in community_settings.columns if c.name != "community"]
    return insert.on_conflict_do_update(
        index_elements=[community_settings.c.community],
        set_={name: insert.excluded[name] for name in kept},
    )
