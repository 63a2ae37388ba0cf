"""The catalog in service, and its live reload.

Start-up loads in a worker thread; a reload reads and validates in a worker process
(bot.content.worker), so that a serving bot's event loop hardly notices it. A reload
that finds errors leaves the serving catalog alone; one that succeeds replaces it in a
single assignment, so a request sees either the old catalog or the new one, never a mix.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from bot.content.loader import load_catalog
from bot.content.worker import FileStamp, WorkerFailed, file_stamps, validate_elsewhere
from bot.core.catalog import Catalog
from bot.core.errors import Problem

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReloadResult:
    ok: bool
    problems: tuple[Problem, ...]  # errors (when not ok) and warnings
    version: str  # the version serving after the reload: the new one, or the old one kept


class ContentHolder:
    def __init__(
        self,
        content_dir: Path,
        resources_file: Path,
        catalog: Catalog,
        *,
        stamps: Mapping[Path, FileStamp] | None = None,
    ) -> None:
        self.content_dir = content_dir
        self.resources_file = resources_file
        self._current = catalog
        # The files as they were when last loaded; the watcher reloads when they differ.
        self._loaded_stamps = stamps
        # Reloads run one at a time, so an older load cannot land after a newer one.
        self._reloading = asyncio.Lock()
        self._last_reload: ReloadResult | None = None

    @classmethod
    def load(cls, content_dir: Path, resources_file: Path) -> Self:
        """Load at start-up; raises ContentInvalid, since there is nothing to fall back on."""
        # Stamps first: a file saved while loading then counts as changed.
        stamps = file_stamps(content_dir, resources_file)
        catalog = load_catalog(content_dir, resources_file)
        return cls(content_dir, resources_file, catalog, stamps=stamps)

    @classmethod
    async def open(cls, content_dir: Path, resources_file: Path) -> Self:
        """`load`, from inside a running event loop."""
        return await asyncio.to_thread(cls.load, content_dir, resources_file)

    @property
    def current(self) -> Catalog:
        return self._current

    @property
    def last_reload(self) -> ReloadResult | None:
        """The outcome of the latest reload (None before the first): health reports it."""
        return self._last_reload

    async def reload(self) -> ReloadResult:
        async with self._reloading:
            try:
                stamps, report = await validate_elsewhere(self.content_dir, self.resources_file)
            except WorkerFailed as exc:
                problem = Problem(str(self.content_dir), 0, f"the reload did not run: {exc}")
                self._last_reload = ReloadResult(False, (problem,), self._current.version)
                return self._last_reload
            # Even a failed load was a look at these files: wait for the next save.
            self._loaded_stamps = stamps
            if report.catalog is None:
                result = ReloadResult(False, report.problems, self._current.version)
            else:
                self._current = report.catalog
                result = ReloadResult(True, report.problems, report.catalog.version)
            self._last_reload = result
            return result

    async def watch(self, interval: float = 1.0) -> None:
        """Reload whenever a content file changes; for development. Runs until cancelled."""
        if self._loaded_stamps is None:
            self._loaded_stamps = await asyncio.to_thread(self._stamps)
        while True:
            await asyncio.sleep(interval)
            if await asyncio.to_thread(self._stamps) != self._loaded_stamps:
                _log_reload(await self.reload())

    def _stamps(self) -> dict[Path, FileStamp]:
        return file_stamps(self.content_dir, self.resources_file)


def _log_reload(result: ReloadResult) -> None:
    for problem in result.problems:
        level = logging.ERROR if problem.severity == "error" else logging.WARNING
        log.log(level, "%s", problem)
    if result.ok:
        log.info("content reloaded: version %s", result.version)
    else:
        log.error("content reload failed; still serving version %s", result.version)
