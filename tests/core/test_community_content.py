"""Per-community content (issue 20.5): a community's moderators upload, download and
revert its own files; other communities never see them; broken files change nothing."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.bootstrap import Runtime, build
from bot.config import Settings
from bot.content.overlay import CommunityContent
from bot.core.access import StaticDirectory
from bot.core.actors import Actor, Role
from bot.core.clock import ManualClock
from bot.core.content_admin import MAX_UPLOAD_BYTES
from bot.core.content_files import content_path
from bot.storage.crypto import Cipher
from bot.storage.engine import sqlite_url
from bot.storage.memory import MemoryStore
from bot.storage.sql import open_sql_store
from tests.conftest import pg_schema

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "content" / "scenarios"
SCENARIO = "scenarios/lift-remark.yaml"
ORIGINAL_TITLE = "A remark in the lift"
NEW_TITLE = "A remark on the stairs"

A = "console:a"
B = "console:b"
MOD_A = Actor("console", "mod", display_name="Mo", community=A)
MEMBER_A = Actor("console", "sam", community=A)
MOD_B = Actor("console", "mod", display_name="Mo", community=B)


def renamed() -> bytes:
    text = (FIXTURE / "lift-remark.yaml").read_text(encoding="utf-8")
    return text.replace(f"title: {ORIGINAL_TITLE}", f"title: {NEW_TITLE}").encode()


def broken() -> bytes:
    """The renamed scenario with a `next:` that names no step (line 18 of the file)."""
    text = renamed().decode()
    return text.replace("        next: lobby\n", "        next: basement\n", 1).encode()


async def started(settings: Settings) -> Runtime:
    runtime = await build(settings, store=MemoryStore(), clock=ManualClock())
    directory = StaticDirectory({"mod": frozenset({Role.MODERATOR})})
    runtime.directories["console"] = directory
    return runtime


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    built = await started(settings)
    yield built
    await built.aclose()


async def menu(runtime: Runtime, actor: Actor) -> str:
    return (await runtime.app.practice(actor)).text()


async def test_upload_serves_one_community_and_revert_brings_the_bundled_file_back(
    runtime: Runtime,
) -> None:
    app = runtime.app
    refused = (await app.community_content.upload(MOD_A, "lift-remark.yaml", broken())).text()
    assert "Not stored: 1 problem(s)" in refused
    assert f"{SCENARIO}:18:" in refused and "basement" in refused
    assert ORIGINAL_TITLE in await menu(runtime, MEMBER_A)
    assert "no content files of its own" in (await app.community_content.download(MOD_A)).text()

    stored = (await app.community_content.upload(MOD_A, "lift-remark.yaml", renamed())).text()
    assert f"Stored {SCENARIO} (version 1) for this community only" in stored
    assert NEW_TITLE in await menu(runtime, MEMBER_A)
    assert ORIGINAL_TITLE in await menu(runtime, MOD_B)  # another community: unchanged
    assert ORIGINAL_TITLE in await menu(runtime, Actor("console", "sam"))  # the default one
    assert runtime.content.catalog(B) is runtime.content.current  # idle: the shared catalog

    downloaded = await app.community_content.download(MOD_A)
    assert [(f.name, f.text) for f in downloaded.files] == [(SCENARIO, renamed().decode())]
    assert "version 1, uploaded" in downloaded.text() and "by Mo" in downloaded.text()

    reverted = (await app.community_content.revert(MOD_A, SCENARIO)).text()
    assert f"Removed this community's {SCENARIO}: the bundled file serves again." in reverted
    assert ORIGINAL_TITLE in await menu(runtime, MEMBER_A)
    assert runtime.content.catalog(A) is runtime.content.current
    again = (await app.community_content.revert(MOD_A, SCENARIO)).text()
    assert "has no uploaded version to revert" in again


async def test_revert_restores_the_previous_version(runtime: Runtime) -> None:
    app = runtime.app
    await app.community_content.upload(MOD_A, SCENARIO, renamed())
    third = renamed().replace(NEW_TITLE.encode(), b"A remark at the door")
    assert "(version 2)" in (await app.community_content.upload(MOD_A, SCENARIO, third)).text()
    assert "A remark at the door" in await menu(runtime, MEMBER_A)
    assert "to version 1." in (await app.community_content.revert(MOD_A, SCENARIO)).text()
    assert NEW_TITLE in await menu(runtime, MEMBER_A)


async def test_only_the_communitys_moderators_manage_its_content(runtime: Runtime) -> None:
    app = runtime.app
    for reply in (
        await app.community_content.upload(MEMBER_A, SCENARIO, renamed()),
        await app.community_content.download(MEMBER_A),
        await app.community_content.revert(MEMBER_A, SCENARIO),
    ):
        assert reply.text() == "Only moderators can do that."
    assert await runtime.store.content_files.content_communities() == []


async def test_uploads_that_are_too_large_or_not_text_or_nowhere_are_refused(
    runtime: Runtime,
) -> None:
    app = runtime.app
    too_large = await app.community_content.upload(MOD_A, SCENARIO, b"#" * (MAX_UPLOAD_BYTES + 1))
    assert "a content file may be at most 256 KB" in too_large.text()
    not_text = await app.community_content.upload(MOD_A, SCENARIO, b"title: \xff\xfe")
    assert "is not UTF-8 text" in not_text.text()
    nowhere = await app.community_content.upload(MOD_A, "../../etc/passwd", b"x: 1")
    assert "I cannot tell where" in nowhere.text()
    assert await runtime.store.content_files.content_communities() == []


def test_a_bare_file_name_goes_where_its_name_says() -> None:
    locales = frozenset({"en", "es", "fr"})
    assert content_path("x.yaml", locales) == "scenarios/x.yaml"
    assert content_path("fr.yaml", locales) == "messages/fr.yaml"
    assert content_path("resources.yaml", locales) == "resources.yaml"
    assert content_path("scenarios/es/x.yaml", locales) == "scenarios/es/x.yaml"
    assert content_path("notes.txt", locales) == ""
    assert content_path("scenarios/../../x.yaml", locales) == ""


async def test_files_on_disk_override_for_their_community_only_and_broken_ones_break_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    root = tmp_path / "communities"
    (root / A / "scenarios").mkdir(parents=True)
    (root / A / "scenarios" / "lift-remark.yaml").write_bytes(renamed())
    (root / B / "scenarios").mkdir(parents=True)
    (root / B / "scenarios" / "lift-remark.yaml").write_bytes(broken())
    runtime = await started(replace(settings, community_content_dir=root))
    try:
        assert NEW_TITLE in await menu(runtime, MEMBER_A)
        # B's broken file: B is served the bundled content, and says why when asked.
        assert ORIGINAL_TITLE in await menu(runtime, Actor("console", "sam", community=B))
        assert isinstance(runtime.content, CommunityContent)
        failed = await runtime.content.reload_community(B)
        assert not failed.ok and any(str(p).startswith(f"{SCENARIO}:18:") for p in failed.problems)
        assert ORIGINAL_TITLE in await menu(runtime, Actor("console", "x", community="console:c"))
        # A moderator's upload wins over the disk; reverting it shows the disk's again.
        third = renamed().replace(NEW_TITLE.encode(), b"A remark at the door")
        await runtime.app.community_content.upload(MOD_A, SCENARIO, third)
        assert "A remark at the door" in await menu(runtime, MEMBER_A)
        listing = await runtime.app.community_content.download(MOD_A)
        assert [f.name for f in listing.files] == [SCENARIO]
        reverted = (await runtime.app.community_content.revert(MOD_A, SCENARIO)).text()
        assert "the operator's file on disk serves again" in reverted
        assert NEW_TITLE in await menu(runtime, MEMBER_A)
        downloaded = await runtime.app.community_content.download(MOD_A)
        assert "on the server's disk" in downloaded.text()
    finally:
        await runtime.aclose()


async def test_another_process_sees_an_upload_once_it_looks(
    runtime: Runtime, settings: Settings
) -> None:
    other = await build(settings, store=runtime.store, clock=ManualClock())
    other.directories["console"] = StaticDirectory({"mod": frozenset({Role.MODERATOR})})
    try:
        assert ORIGINAL_TITLE in await menu(other, MEMBER_A)  # built: nothing of A's yet
        await runtime.app.community_content.upload(MOD_A, SCENARIO, renamed())
        assert NEW_TITLE in await menu(runtime, MEMBER_A)
        assert isinstance(other.content, CommunityContent)
        await other.content.notice_changes()
        assert NEW_TITLE in await menu(other, MEMBER_A)
        # A revert there, then here: the shared catalog again.
        await other.app.community_content.revert(MOD_A, SCENARIO)
        assert isinstance(runtime.content, CommunityContent)
        await runtime.content.notice_changes()
        assert ORIGINAL_TITLE in await menu(runtime, MEMBER_A)
        assert runtime.content.catalog(A) is runtime.content.current
    finally:
        await other.aclose()


async def test_a_communitys_reload_rebuilds_its_own_catalog_only(
    settings: Settings, tmp_path: Path
) -> None:
    root = tmp_path / "communities"
    runtime = await started(replace(settings, community_content_dir=root))
    try:
        before = runtime.content.current
        (root / A / "scenarios").mkdir(parents=True)
        (root / A / "scenarios" / "lift-remark.yaml").write_bytes(renamed())
        reloaded = (await runtime.app.reload(MOD_A)).text()
        assert f"Content reloaded (version {runtime.content.catalog(A).version})" in reloaded
        assert NEW_TITLE in await menu(runtime, MEMBER_A)
        assert runtime.content.current is before  # the deployment's: not reloaded
        (root / A / "scenarios" / "lift-remark.yaml").write_bytes(broken())
        refused = (await runtime.app.reload(MOD_A)).text()
        assert "Reload refused" in refused and f"{SCENARIO}:18:" in refused
        assert NEW_TITLE in await menu(runtime, MEMBER_A)  # the last good one still serves
    finally:
        await runtime.aclose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def sql_runtime(
    request: pytest.FixtureRequest, settings: Settings, tmp_path: Path
) -> AsyncIterator[Runtime]:
    cipher = Cipher(Fernet.generate_key())
    async with contextlib.AsyncExitStack() as stack:
        if request.param == "sqlite":
            store = await open_sql_store(sqlite_url(tmp_path / "db.sqlite3"), cipher)
        else:
            pg = await stack.enter_async_context(pg_schema())
            store = await open_sql_store(pg.url, cipher, schema=pg.schema)
        built = await build(settings, store=store, clock=ManualClock())
        built.directories["console"] = StaticDirectory({"mod": frozenset({Role.MODERATOR})})
        try:
            yield built
        finally:
            await built.aclose()


async def test_upload_and_revert_on_a_real_database(sql_runtime: Runtime) -> None:
    content = sql_runtime.app.community_content
    assert "Not stored" in (await content.upload(MOD_A, SCENARIO, broken())).text()
    assert "(version 1)" in (await content.upload(MOD_A, SCENARIO, renamed())).text()
    assert NEW_TITLE in await menu(sql_runtime, MEMBER_A)
    assert ORIGINAL_TITLE in await menu(sql_runtime, MOD_B)
    assert "serves again" in (await content.revert(MOD_A, SCENARIO)).text()
    assert ORIGINAL_TITLE in await menu(sql_runtime, MEMBER_A)
