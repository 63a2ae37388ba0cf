"""Fixtures shared by the core, storage and console tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from harness import Console, build_console
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import Settings
from bot.core.clock import ManualClock

# No test depends on the machine's speed: no deadline per example, no "too slow" check,
# and no example database written into the working directory.
hypothesis_settings.register_profile(
    "upstander",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
hypothesis_settings.load_profile("upstander")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A content tree with the shipped bot copy and check-in rules and one small scenario."""
    target = tmp_path / "content"
    (target / "scenarios").mkdir(parents=True)
    shutil.copytree(ROOT / "scripts_content" / "messages", target / "messages")
    shutil.copy(ROOT / "scripts_content" / "checkin.yaml", target / "checkin.yaml")
    shutil.copy(FIXTURES / "content" / "scenarios" / "lift-remark.yaml", target / "scenarios")
    shutil.copy(FIXTURES / "resources.yaml", tmp_path / "resources.yaml")
    return target


@pytest.fixture
def settings(tmp_path: Path, content_dir: Path) -> Settings:
    return Settings.from_env(
        {
            "UPSTANDER_DATA_DIR": str(tmp_path / "data"),
            "UPSTANDER_CONTENT_DIR": str(content_dir),
            "UPSTANDER_RESOURCES": str(tmp_path / "resources.yaml"),
            "UPSTANDER_CHECKIN_COOLDOWN_MINUTES": "5",
            "UPSTANDER_ESCALATE_AFTER_MINUTES": "10",
        }
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def console(settings: Settings, clock: ManualClock) -> AsyncIterator[Console]:
    """A whole bot on the in-memory store, driven through the console adapter."""
    harness = await build_console(settings, clock, sqlite=False)
    yield harness
    await harness.close()


@pytest.fixture
async def sqlite_console(settings: Settings, clock: ManualClock) -> AsyncIterator[Console]:
    harness = await build_console(settings, clock, sqlite=True)
    yield harness
    await harness.close()


PG_DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class PgDatabase:
    """A PostgreSQL database and a schema of this test's own in it."""

    url: str
    schema: str

    def env(self) -> dict[str, str]:
        """What a bot process needs to run on it."""
        return {"UPSTANDER_DATABASE_URL": self.url, "UPSTANDER_DATABASE_SCHEMA": self.schema}


@pytest.fixture
async def pg_database() -> AsyncIterator[PgDatabase]:
    """A real PostgreSQL for this test: the server at UPSTANDER_TEST_DATABASE_URL (default
    PG_DEFAULT_URL), a schema with a random name created for the test and dropped after
    it. Pass `.schema` to the store (or `.env()` to a bot process) so that every table is
    made there. Where no server answers the test is skipped, saying why; under CI=true
    an unreachable server fails it instead."""
    async with pg_schema() as pg:
        yield pg


@contextlib.asynccontextmanager
async def pg_schema() -> AsyncIterator[PgDatabase]:
    """`pg_database` for code that is not a fixture (a parametrised fixture's branch)."""
    url = os.environ.get("UPSTANDER_TEST_DATABASE_URL", PG_DEFAULT_URL)
    schema = f"test_{uuid.uuid4().hex[:12]}"
    engine = create_async_engine(url, connect_args={"timeout": 5})
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        await engine.dispose()
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            shown = make_url(url).render_as_string(hide_password=True)
            pytest.fail(f"PostgreSQL at {shown} is unreachable under CI: {exc}")
        shown = make_url(url).render_as_string(hide_password=True)
        pytest.skip(f"no PostgreSQL answers at {shown} (set UPSTANDER_TEST_DATABASE_URL)")
    try:
        yield PgDatabase(url, schema)
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()
