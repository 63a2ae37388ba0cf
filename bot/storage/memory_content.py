"""The in-memory fake of the content-file store (bot/storage/content_files.py)."""

from __future__ import annotations

from datetime import datetime

from bot.core.content_files import ContentFile


class MemoryContentFiles:
    def __init__(self) -> None:
        # (community, path) -> versions, oldest first
        self._files: dict[tuple[str, str], list[ContentFile]] = {}

    async def add_content_file(
        self, community: str, path: str, text: str, at: datetime, by_name: str
    ) -> ContentFile:
        versions = self._files.setdefault((community, path), [])
        number = versions[-1].version + 1 if versions else 1
        added = ContentFile(community, path, number, text, at, by_name)
        versions.append(added)
        return added

    async def current_content_files(self, community: str) -> list[ContentFile]:
        return [
            versions[-1]
            for (owner, _), versions in sorted(self._files.items())
            if owner == community and versions
        ]

    async def content_file_versions(self, community: str, path: str) -> list[ContentFile]:
        return list(reversed(self._files.get((community, path), [])))

    async def drop_content_version(self, community: str, path: str, version: int) -> bool:
        versions = self._files.get((community, path), [])
        kept = [f for f in versions if f.version != version]
        self._files[(community, path)] = kept
        return len(kept) != len(versions)

    async def content_communities(self) -> list[str]:
        return sorted({owner for (owner, _), versions in self._files.items() if versions})
