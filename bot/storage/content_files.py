"""A community's own content files (issue 20.5): every version of each path, newest serving."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import RowMapping, delete, func, insert, select

from bot.core.content_files import ContentFile
from bot.core.errors import StorageError
from bot.storage.engine import Database
from bot.storage.schema import community_content

# Two moderators uploading the same path at once both read the same newest version; the
# unique (community, path, version) refuses the second, which tries again.
_TRIES = 3


class SqlContentFiles:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add_content_file(
        self, community: str, path: str, text: str, at: datetime, by_name: str
    ) -> ContentFile:
        for attempt in range(_TRIES):
            try:
                return await self._add(community, path, text, at, by_name)
            except StorageError:
                if attempt == _TRIES - 1:
                    raise
        raise AssertionError("unreachable")

    async def _add(
        self, community: str, path: str, text: str, at: datetime, by_name: str
    ) -> ContentFile:
        c = community_content.c
        newest = select(func.coalesce(func.max(c.version), 0)).where(
            c.community == community, c.path == path
        )
        async with self._db.write() as conn:
            version = int((await conn.execute(newest)).scalar_one()) + 1
            row = dict(
                community=community,
                path=path,
                version=version,
                text=text,
                created_at=at,
                by_name=by_name,
            )
            await conn.execute(insert(community_content).values(**row))
        return ContentFile(community, path, version, text, at, by_name)

    async def current_content_files(self, community: str) -> list[ContentFile]:
        c = community_content.c
        newest = (
            select(c.path, func.max(c.version).label("version"))
            .where(c.community == community)
            .group_by(c.path)
            .subquery()
        )
        query = (
            select(community_content)
            .join(
                newest,
                (c.path == newest.c.path) & (c.version == newest.c.version),
            )
            .where(c.community == community)
            .order_by(c.path)
        )
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_file(row) for row in rows]

    async def content_file_versions(self, community: str, path: str) -> list[ContentFile]:
        c = community_content.c
        query = (
            select(community_content)
            .where(c.community == community, c.path == path)
            .order_by(c.version.desc())
        )
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_file(row) for row in rows]

    async def drop_content_version(self, community: str, path: str, version: int) -> bool:
        c = community_content.c
        change = delete(community_content).where(
            c.community == community, c.path == path, c.version == version
        )
        async with self._db.write() as conn:
            return bool((await conn.execute(change)).rowcount == 1)

    async def content_communities(self) -> list[str]:
        query = select(community_content.c.community).distinct().order_by("community")
        async with self._db.read() as conn:
            return [str(row[0]) for row in (await conn.execute(query)).all()]


def _file(row: RowMapping) -> ContentFile:
    return ContentFile(
        community=row["community"],
        path=row["path"],
        version=int(row["version"]),
        text=row["text"],
        created_at=row["created_at"],
        by_name=row["by_name"],
    )
