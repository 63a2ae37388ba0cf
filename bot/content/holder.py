"""The catalog in service, and its live reload.

Loading reads and validates every file, which takes long enough to matter on the event
loop, so it runs in a worker thread. A reload that finds errors leaves the serving catalog
alone; one that succeeds replaces it in a single assignment, so a request sees either the
old catalog or the new one, never a mix.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from bot.content.loader import load_catalog, validate
from bot.core.catalog import Catalog
from bot.core.errors import Problem

log = logging.getLogger(__name__)

# A file's identity for the watcher: modification time and size.
FileStamp = tuple[int, int]


@dataclass(frozen=True, slots=True)
class ReloadResult:
    ok: bool
    problems: tuple[Problem, ...]  # errors (when not ok) and warnings
    version: str  # the version serving after the reload: the new one, or the old one kept


class ContentHolder:
    def __init__(self, content_dir: Path, resources_file: Path, catalog: Catalog) -> None:
        self.content_dir = content_dir
        self.resources_file = resources_file
        self._current = catalog
        # Reloads run one at a time, so an older load cannot land after a newer one.
        self._reloading = asyncio.Lock()

    @classmethod
    def load(cls, content_dir: Path, resources_file: Path) -> ContentHolder:
        """Load at start-up; raises ContentInvalid, since there is nothing to fall back on."""
        return cls(content_dir, resources_file, load_catalog(content_dir, resources_file))

    @classmethod
    async def open(cls, content_dir: Path, resources_file: Path) -> ContentHolder:
        """`load`, from inside a running event loop."""
        return await asyncio.to_thread(cls.load, content_dir, resources_file)

    @property
    def current(self) -> Catalog:
        return self._current

    async def reload(self) -> ReloadResult:
        async with self._reloading:
            report = await asyncio.to_thread(validate, self.content_dir, self.resources_file)
            if report.catalog is None:
                return ReloadResult(False, report.problems, self._current.version)
            self._current = report.catalog
            return ReloadResult(True, report.problems, report.catalog.version)

    async def watch(self, interval: float = 1.0) -> None:
        """Reload whenever a content file changes; for development. Runs until cancelled."""
        seen = await asyncio.to_thread(self._stamps)
        while True:
            await asyncio.sleep(interval)
            stamps = await asyncio.to_thread(self._stamps)
            if stamps == seen:
                continue
            seen = stamps
            _log_reload(await self.reload())

    def _stamps(self) -> dict[Path, FileStamp]:
        paths = [*self.content_dir.rglob("*.yaml"), self.resources_file]
        stamps = {}
        for path in paths:
            try:
                stat = path.stat()
            except OSError:
                continue  # deleted between listing and stat; the next poll sees it gone
            stamps[path] = (stat.st_mtime_ns, stat.st_size)
        return stamps


def _log_reload(result: ReloadResult) -> None:
    for problem in result.problems:
        level = logging.ERROR if problem.severity == "error" else logging.WARNING
        log.log(level, "%s", problem)
    if result.ok:
        log.info("content reloaded: version %s", result.version)
    else:
        log.error("content reload failed; still serving version %s", result.version)
