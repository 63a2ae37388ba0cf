"""Per-community content (issue 20.5): the bundled content with a community's own files
laid over it, file by file.

A community's catalog is built from three layers, the later winning for the same path
(relative to the content root: `scenarios/x.yaml`, `scenarios/es/x.yaml`,
`messages/fr.yaml`, `checkin.yaml`, `resources.yaml`):

1. the deployment's content (UPSTANDER_CONTENT_DIR and UPSTANDER_RESOURCES);
2. the operator's files for it, UPSTANDER_COMMUNITY_CONTENT_DIR/<community id>/;
3. its moderators' uploads, the newest stored version of each path (the database).

A community with neither is served the deployment's catalog itself, the same object for
every one of them: an idle community costs nothing. The others get a catalog of their own,
built the first time one of their members is served (`ready`), by laying the files over a
copy of the tree (links to the deployment's files, the community's written out) and
validating that whole tree in a worker process, as a reload does, so every problem is
found against the catalog the file would join. Problems name the path relative to the
content root. A build that fails keeps the community's previous catalog (or, on a first
build, the deployment's) serving, and touches no other community.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

from bot.content.holder import ContentHolder, ReloadResult
from bot.content.worker import FileStamp, WorkerFailed, validate_elsewhere
from bot.core.catalog import Catalog
from bot.core.content_files import ContentFile, overridable
from bot.core.errors import Problem, StorageError
from bot.core.ports import ContentFileStore

log = logging.getLogger(__name__)

# A community id that can name a directory: no separators, no leading dot.
_DIRECTORY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9:_.-]{0,127}")
RESOURCES = "resources.yaml"
# How often a process looks for other processes' uploads and reverts.
FOLLOW_SECONDS = 30.0


class CommunityContent(ContentHolder):
    """The deployment's catalog (`current`, reloaded as before) and each community's."""

    def __init__(
        self,
        content_dir: Path,
        resources_file: Path,
        catalog: Catalog,
        *,
        stamps: Mapping[Path, FileStamp] | None = None,
    ) -> None:
        super().__init__(content_dir, resources_file, catalog, stamps=stamps)
        self._files: ContentFileStore | None = None
        self._disk_root: Path | None = None
        self._catalogs: dict[str, Catalog] = {}  # only communities with files of their own
        self._stale: set[str] = set()  # built on a deployment catalog since reloaded
        self._failed: dict[str, ReloadResult] = {}  # a build that failed: not retried
        # Communities with stored files: read when first needed, again by notice_changes.
        self._known: set[str] | None = None
        self._locks: dict[str, asyncio.Lock] = {}
        # What of the stored files each built (or failed) community was built from, so
        # that changes made by other processes are noticed (`notice_changes`).
        self._seen: dict[str, str] = {}

    def attach(self, files: ContentFileStore | None, disk_root: Path | None) -> None:
        """Where communities' files are: the database's store, the operator's directory."""
        self._files = files
        self._disk_root = disk_root
        self._known = None

    # -- serving ---------------------------------------------------------------------

    def catalog(self, community: str) -> Catalog:
        return self._catalogs.get(community, self._current)

    async def ready(self, community: str) -> None:
        if not await self._wants_build(community):
            return
        async with self._lock(community):
            if self._built(community) or community in self._failed:
                return  # built (or refused) while this request waited
            _log_build(community, await self._install(community))

    async def follow(self, stop: asyncio.Event, interval: float = FOLLOW_SECONDS) -> None:
        """Notice what other processes stored, every `interval` seconds, until `stop`."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
            if stop.is_set():
                return
            try:
                await self.notice_changes()
            except StorageError as exc:
                log.warning("community content: could not look for changes: %s", exc)

    async def notice_changes(self) -> None:
        """Communities whose stored files changed since their catalog was built (in
        another process) are rebuilt when next served; until then the old one serves."""
        if self._files is None:
            return
        self._known = set(await self._files.content_communities())
        for community, seen in list(self._seen.items()):
            if _digest(await self._files.current_content_files(community)) == seen:
                continue
            self._failed.pop(community, None)
            if community in self._catalogs:
                self._stale.add(community)

    async def reload(self) -> ReloadResult:
        result = await super().reload()
        # Every community's catalog was built on the old one: rebuilt when next served,
        # the old one serving until then. A community whose build failed is tried again.
        if result.ok:
            self._stale = set(self._catalogs)
        self._failed.clear()
        self._known = None
        return result

    async def reload_community(self, community: str) -> ReloadResult:
        async with self._lock(community):
            result = await self._install(community)
        _log_build(community, result)
        return result

    async def check_file(self, community: str, path: str, text: str | None) -> ReloadResult:
        result, _ = await self._build(community, (path, text))
        return result

    def disk_files(self, community: str) -> Mapping[str, str]:
        directory = self._disk_directory(community)
        if directory is None:
            return {}
        found: dict[str, str] = {}
        for file in sorted(directory.rglob("*.yaml")):
            path = file.relative_to(directory).as_posix()
            if not overridable(path):
                log.warning("community content: %s is not a file a community can override", file)
                continue
            try:
                found[path] = file.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                log.warning("community content: cannot read %s: %s", file, exc)
        return found

    # -- building --------------------------------------------------------------------

    def _built(self, community: str) -> bool:
        return community in self._catalogs and community not in self._stale

    async def _wants_build(self, community: str) -> bool:
        if self._built(community) or community in self._failed:
            return False
        # A stale catalog is rebuilt even when nothing of its own is left (reverted).
        return community in self._catalogs or await self._has_own(community)

    async def _has_own(self, community: str) -> bool:
        if self._known is None:
            self._known = set(await self._files.content_communities()) if self._files else set()
        return community in self._known or self._disk_directory(community) is not None

    async def _install(self, community: str) -> ReloadResult:
        if self._files is not None:
            self._seen[community] = _digest(await self._files.current_content_files(community))
        result, catalog = await self._build(community, None)
        self._stale.discard(community)
        if catalog is None:
            # Not tried again until its stored files change or a reload asks: the
            # catalog it had (or the deployment's) keeps serving.
            self._failed[community] = result
            return result
        self._failed.pop(community, None)
        if catalog is self._current:
            self._catalogs.pop(community, None)  # nothing of its own left: the shared one
            self._seen.pop(community, None)
            if self._known is not None:
                self._known.discard(community)
        else:
            self._catalogs[community] = catalog
        return result

    async def _build(
        self, community: str, change: tuple[str, str | None] | None
    ) -> tuple[ReloadResult, Catalog | None]:
        layers = await self._layers(community, change)
        if not layers:
            return ReloadResult(True, (), self._current.version), self._current
        base = (self.content_dir, self.resources_file)
        kept = self.catalog(community).version
        try:
            problems, catalog = await _validated_overlay(base, layers)
        except (OSError, WorkerFailed) as exc:
            problem = Problem(community, 0, f"the community's content did not build: {exc}")
            return ReloadResult(False, (problem,), kept), None
        if catalog is None:
            return ReloadResult(False, problems, kept), None
        return ReloadResult(True, problems, catalog.version), catalog

    async def _layers(
        self, community: str, change: tuple[str, str | None] | None
    ) -> dict[str, str]:
        layers = dict(await asyncio.to_thread(self.disk_files, community))
        if self._files is not None:
            stored = await self._files.current_content_files(community)
            layers.update((file.path, file.text) for file in stored)
        if change is not None:
            path, text = change
            if text is not None:
                layers[path] = text
            else:
                layers.pop(path, None)
                layers.update((p, t) for p, t in self.disk_files(community).items() if p == path)
        return layers

    def _disk_directory(self, community: str) -> Path | None:
        if self._disk_root is None or not _DIRECTORY_NAME.fullmatch(community):
            return None
        directory = self._disk_root / community
        return directory if directory.is_dir() else None

    def _lock(self, community: str) -> asyncio.Lock:
        return self._locks.setdefault(community, asyncio.Lock())


async def _validated_overlay(
    base: tuple[Path, Path], layers: Mapping[str, str]
) -> tuple[tuple[Problem, ...], Catalog | None]:
    """Validate the base tree with `layers` laid over it, in a worker process."""
    with tempfile.TemporaryDirectory(prefix="upstander-community-") as scratch:
        tree = await asyncio.to_thread(_lay_out, base, layers, Path(scratch))
        _, report = await validate_elsewhere(tree.content, tree.resources)
        problems = tuple(tree.relative(problem) for problem in report.problems)
    return problems, report.catalog


class _Tree:
    """A scratch content tree: links to the base's files, the community's written out."""

    def __init__(self, base: tuple[Path, Path], scratch: Path) -> None:
        self.base_content, self.base_resources = (path.resolve() for path in base)
        self.content = scratch / "content"
        self.resources = scratch / RESOURCES

    def relative(self, problem: Problem) -> Problem:
        """`problem` with its path relative to the content root, as moderators name files."""
        shown = Path(problem.path)
        if not shown.is_absolute():
            shown = Path.cwd() / shown
        if shown in (self.resources, self.resources.resolve(), self.base_resources):
            return _moved(problem, RESOURCES)
        for root in (self.content, self.content.resolve(), self.base_content):
            if shown.is_relative_to(root):
                return _moved(problem, shown.relative_to(root).as_posix())
        return problem


def _lay_out(base: tuple[Path, Path], layers: Mapping[str, str], scratch: Path) -> _Tree:
    tree = _Tree(base, scratch)
    for source in sorted(tree.base_content.rglob("*")):
        target = tree.content / source.relative_to(tree.base_content)
        if source.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(source)
    tree.content.mkdir(parents=True, exist_ok=True)
    tree.resources.symlink_to(tree.base_resources)
    for path, text in layers.items():
        target = tree.resources if path == RESOURCES else tree.content / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        target.write_text(text, encoding="utf-8")
    return tree


def _digest(files: list[ContentFile]) -> str:
    digest = hashlib.sha256()
    for file in files:
        digest.update(f"{file.path}\0{file.version}\0{len(file.text)}\0{file.text}".encode())
    return digest.hexdigest()


def _moved(problem: Problem, path: str) -> Problem:
    return Problem(path, problem.line, problem.message, problem.severity)


def _log_build(community: str, result: ReloadResult) -> None:
    # A community's id and file paths only: its files' text is its moderators' business.
    errors = sum(1 for problem in result.problems if problem.severity == "error")
    if result.ok:
        log.info("community %s: content version %s serving", community, result.version)
    else:
        log.error(
            "community %s: its content has %d error(s); still serving %s",
            community,
            errors,
            result.version or "the bundled content",
        )
