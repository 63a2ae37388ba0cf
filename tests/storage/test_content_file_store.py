"""A community's content files (issue 20.5): versions per path, newest serving, revert by
dropping the newest; one community's files never listed for another. On the in-memory
fake, SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.core.ports import Stores
from bot.storage.crypto import Cipher
from bot.storage.engine import sqlite_url
from bot.storage.memory import MemoryStore
from bot.storage.sql import open_sql_store
from tests.conftest import pg_schema

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
A, B = "discord:1", "discord:2"
PATH = "scenarios/x.yaml"


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Stores]:
    cipher = Cipher(Fernet.generate_key())
    if request.param == "memory":
        made = MemoryStore()
    elif request.param == "sqlite":
        made = await open_sql_store(sqlite_url(tmp_path / "db.sqlite3"), cipher)
    else:
        async with pg_schema() as pg:
            made = await open_sql_store(pg.url, cipher, schema=pg.schema)
            yield made
            await made.close_store()
        return
    yield made
    await made.close_store()


async def test_versions_count_up_per_path_and_the_newest_serves(store: Stores) -> None:
    files = store.content_files
    first = await files.add_content_file(A, PATH, "v1: é\n", T0, "Mo")
    second = await files.add_content_file(A, PATH, "v2\n", T0 + timedelta(minutes=1), "Ana")
    other = await files.add_content_file(A, "messages/fr.yaml", "fr\n", T0, "Mo")
    await files.add_content_file(B, PATH, "b\n", T0, "Bo")
    assert (first.version, second.version, other.version) == (1, 2, 1)
    current = await files.current_content_files(A)
    assert [(f.path, f.version, f.text, f.by_name) for f in current] == [
        ("messages/fr.yaml", 1, "fr\n", "Mo"),
        (PATH, 2, "v2\n", "Ana"),
    ]
    assert current[1].created_at == T0 + timedelta(minutes=1)
    versions = await files.content_file_versions(A, PATH)
    assert [(f.version, f.text) for f in versions] == [(2, "v2\n"), (1, "v1: é\n")]
    assert await files.content_communities() == [A, B]
    assert [f.text for f in await files.current_content_files(B)] == ["b\n"]


async def test_dropping_the_newest_version_brings_back_the_one_before(store: Stores) -> None:
    files = store.content_files
    await files.add_content_file(A, PATH, "v1\n", T0, "Mo")
    await files.add_content_file(A, PATH, "v2\n", T0, "Mo")
    assert await files.drop_content_version(A, PATH, 2)
    assert not await files.drop_content_version(A, PATH, 2)
    assert [f.text for f in await files.current_content_files(A)] == ["v1\n"]
    assert await files.drop_content_version(A, PATH, 1)
    assert await files.current_content_files(A) == []
    assert await files.content_communities() == []
    # A new upload after a revert takes the next free number again.
    assert (await files.add_content_file(A, PATH, "v\n", T0, "Mo")).version == 1


async def test_uploads_of_one_path_at_once_each_get_their_own_version(store: Stores) -> None:
    files = store.content_files
    added = await asyncio.gather(
        *(files.add_content_file(A, PATH, f"v{n}\n", T0, "Mo") for n in range(3))
    )
    assert sorted(f.version for f in added) == [1, 2, 3]
    assert len(await files.content_file_versions(A, PATH)) == 3
