"""A community's moderators manage its own content files from the chat (issue 20.5).

`upload` validates the file against the whole catalog it would join and answers with
every problem as `file:line`, or stores it as the path's next version and rebuilds that
community's catalog alone; `download` gives back the community's own files; `revert`
drops the newest uploaded version of a path, so the one before it (or the operator's file
on disk, or the bundled one) serves again. Only the community's moderators, as its
platform's Directory says, may do any of it; nothing here reaches another community.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core.access import Access
from bot.core.actors import Actor, Role
from bot.core.catalog import Catalog
from bot.core.clock import Clock
from bot.core.content_files import ContentFile, content_path, overridable
from bot.core.errors import Problem
from bot.core.messages import Field, Form, Reply, Section, TextFile
from bot.core.ports import ContentFileStore, ContentSource, ReloadOutcome

# A content file is text a person wrote: the largest bundled one is under 40 KB.
MAX_UPLOAD_BYTES = 256 * 1024
# The upload form, where a platform takes files in a form (a Slack modal's file input).
UPLOAD_FORM_ID = "content.upload"
FILE_FIELD = "file"
PATH_FIELD = "path"
# What of a listing of problems fits in one chat message, with room for the words around it.
LISTING_CHARS = 1800


class ContentAdmin:
    def __init__(
        self, content: ContentSource, files: ContentFileStore, access: Access, clock: Clock
    ) -> None:
        self._content = content
        self._files = files
        self._access = access
        self._clock = clock

    async def upload(
        self, actor: Actor, name: str, data: bytes, *, size: int | None = None
    ) -> Reply:
        """`name`: a path under the content root, or a bare file name (see `content_path`);
        `size`: the file's, when the platform said it before it was fetched."""
        await self._access.require(actor, Role.MODERATOR)
        catalog, locale = self._catalog(actor)
        length = max(len(data), size or 0)
        if length > MAX_UPLOAD_BYTES:
            size = -(-length // 1024)
            return _say(
                catalog,
                locale,
                "community_content.too_large",
                size=size,
                limit=MAX_UPLOAD_BYTES // 1024,
            )
        path = content_path(name, frozenset(catalog.copy.texts))
        if not path:
            return _say(catalog, locale, "community_content.bad_path", name=name[:100])
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return _say(catalog, locale, "community_content.not_text", path=path)
        community = actor.community
        checked = await self._content.check_file(community, path, text)
        if not checked.ok:
            return _refused(catalog, locale, "community_content.refused", path, checked)
        stored = await self._files.add_content_file(
            community, path, text, self._clock.now(), actor.display_name or actor.user_id
        )
        return await self._rebuilt(actor, stored.version, path, checked)

    async def upload_form(self, actor: Actor) -> Reply:
        """The form a platform shows to take a file (the file field is the platform's)."""
        await self._access.require(actor, Role.MODERATOR)
        catalog, locale = self._catalog(actor)
        fields = (
            Field(FILE_FIELD, _text(catalog, locale, "community_content.form_file"), True),
            Field(PATH_FIELD, _text(catalog, locale, "community_content.form_path"), False),
        )
        title = _text(catalog, locale, "community_content.form_title")
        submit = _text(catalog, locale, "community_content.form_submit")
        return Reply(form=Form(UPLOAD_FORM_ID, title, fields, submit))

    async def download(self, actor: Actor) -> Reply:
        await self._access.require(actor, Role.MODERATOR)
        catalog, locale = self._catalog(actor)
        stored = await self._files.current_content_files(actor.community)
        on_disk = self._content.disk_files(actor.community)
        if not stored and not on_disk:
            return _say(catalog, locale, "community_content.none")
        by_path: dict[str, tuple[str, str]] = {}  # path -> (text, where it comes from)
        for path, text in on_disk.items():
            by_path[path] = (text, _text(catalog, locale, "community_content.from_disk"))
        for file in stored:
            by_path[file.path] = (file.text, _uploaded(catalog, locale, file))
        lines = [
            _text(catalog, locale, "community_content.file_line", path=path, source=source)
            for path, (_, source) in sorted(by_path.items())
        ]
        heading = _text(catalog, locale, "community_content.listing", count=len(by_path))
        return Reply(
            sections=(Section("\n".join([heading, *lines])),),
            files=tuple(TextFile(path, text) for path, (text, _) in sorted(by_path.items())),
        )

    async def revert(self, actor: Actor, named: str) -> Reply:
        await self._access.require(actor, Role.MODERATOR)
        catalog, locale = self._catalog(actor)
        path = named.strip().lstrip("/")
        if not overridable(path):
            return _say(catalog, locale, "community_content.bad_path", name=path[:100])
        community = actor.community
        versions = await self._files.content_file_versions(community, path)
        if not versions:
            return _say(catalog, locale, "community_content.nothing_to_revert", path=path)
        earlier = versions[1].text if len(versions) > 1 else None
        checked = await self._content.check_file(community, path, earlier)
        if not checked.ok:
            return _refused(catalog, locale, "community_content.revert_refused", path, checked)
        await self._files.drop_content_version(community, path, versions[0].version)
        await self._content.reload_community(community)
        if len(versions) > 1:
            return _say(
                catalog,
                locale,
                "community_content.reverted",
                path=path,
                version=versions[1].version,
            )
        on_disk = path in self._content.disk_files(community)
        source = "community_content.source_disk" if on_disk else "community_content.source_bundled"
        return _say(
            catalog,
            locale,
            "community_content.reverted_to_default",
            path=path,
            source=_text(catalog, locale, source),
        )

    async def _rebuilt(
        self, actor: Actor, version: int, path: str, checked: ReloadOutcome
    ) -> Reply:
        result = await self._content.reload_community(actor.community)
        catalog, locale = self._catalog(actor)
        if not result.ok:  # another change landed between the check and now
            return _refused(catalog, locale, "community_content.refused", path, result)
        said = _text(
            catalog,
            locale,
            "community_content.stored",
            path=path,
            version=version,
            serving=catalog.version,
        )
        warnings = [p for p in checked.problems if p.severity == "warning"]
        sections = [Section(said)]
        if warnings:
            heading = _text(
                catalog, locale, "community_content.stored_warnings", count=len(warnings)
            )
            sections += [Section(heading), Section(_listing(warnings))]
        return Reply(sections=tuple(sections))

    def _catalog(self, actor: Actor) -> tuple[Catalog, str]:
        catalog = self._content.catalog(actor.community)
        return catalog, catalog.locale_for(actor.locale)


Safely = Callable[[Actor, Awaitable[Reply]], Awaitable[Reply]]


class ContentCommands:
    """What adapters call, each under the core's error policy (`Upstander._safely`)."""

    def __init__(self, admin: ContentAdmin, safely: Safely) -> None:
        self._admin = admin
        self._safely = safely

    async def upload(
        self, actor: Actor, name: str, data: bytes, *, size: int | None = None
    ) -> Reply:
        """`name`: where the file goes; `size`, when the platform said a file is too
        large to fetch, its size (`data` then empty)."""
        return await self._safely(actor, self._admin.upload(actor, name, data, size=size))

    async def upload_form(self, actor: Actor) -> Reply:
        """The upload form, for a platform that takes files in a form (Slack's modal)."""
        return await self._safely(actor, self._admin.upload_form(actor))

    async def download(self, actor: Actor) -> Reply:
        return await self._safely(actor, self._admin.download(actor))

    async def revert(self, actor: Actor, path: str) -> Reply:
        return await self._safely(actor, self._admin.revert(actor, path))


def _text(catalog: Catalog, locale: str, key: str, **params: object) -> str:
    return catalog.text(locale, key, **params)


def _say(catalog: Catalog, locale: str, key: str, **params: object) -> Reply:
    return Reply(sections=(Section(_text(catalog, locale, key, **params)),))


def _uploaded(catalog: Catalog, locale: str, file: ContentFile) -> str:
    at = file.created_at.strftime("%Y-%m-%d %H:%M")
    return _text(
        catalog,
        locale,
        "community_content.from_upload",
        version=file.version,
        at=at,
        by=file.by_name,
    )


def _refused(catalog: Catalog, locale: str, key: str, path: str, outcome: ReloadOutcome) -> Reply:
    errors = [p for p in outcome.problems if p.severity == "error"]
    said = _text(catalog, locale, key, count=len(errors), path=path)
    listing = _listing(errors)
    # Every problem, even when the message has room for only some of them.
    whole = (TextFile("problems.txt", "\n".join(map(str, errors)) + "\n"),)
    return Reply(
        sections=(Section(said), Section(listing)), files=whole if "… (+" in listing else ()
    )


def _listing(problems: list[Problem]) -> str:
    """Every problem as `file:line: message`, as many as fit, in a code block (the file's
    own words are never read as markup or mentions)."""
    lines: list[str] = []
    used = 0
    for problem in problems:
        line = str(problem).replace("`", "'")
        if used + len(line) + 1 > LISTING_CHARS:
            lines.append(f"… (+{len(problems) - len(lines)})")
            break
        lines.append(line)
        used += len(line) + 1
    return "```\n" + "\n".join(lines) + "\n```"
