"""The databases a section runs the bot on: the embedded SQLite default, and PostgreSQL.

PostgreSQL is the server at ``UPSTANDER_TEST_DATABASE_URL`` (default: the local test
server), in a schema made for the run and dropped after it, as the tests do. Where no
server answers the PostgreSQL runs are left out, saying so on stderr, unless ``CI`` is
set: then an unreachable server is an error, as in the tests.
"""

from __future__ import annotations

import contextlib
import os
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

PG_DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
SQLITE = "SQLite"
POSTGRESQL = "PostgreSQL"


@dataclass(frozen=True, slots=True)
class Db:
    """One database to run on: its label, and what the bot's settings need for it."""

    label: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str | None:
        return self.env.get("UPSTANDER_DATABASE_URL")

    @property
    def schema(self) -> str | None:
        return self.env.get("UPSTANDER_DATABASE_SCHEMA")


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@contextlib.asynccontextmanager
async def postgresql(purpose: str) -> AsyncIterator[Db | None]:
    """A fresh schema on the PostgreSQL server, dropped afterwards; None if none answers."""
    url = os.environ.get("UPSTANDER_TEST_DATABASE_URL", PG_DEFAULT_URL)
    schema = f"bench_{purpose}_{uuid.uuid4().hex[:10]}"
    engine = create_async_engine(url, connect_args={"timeout": 5})
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        await engine.dispose()
        shown = make_url(url).render_as_string(hide_password=True)
        if under_ci():
            raise RuntimeError(f"PostgreSQL at {shown} is unreachable under CI: {exc}") from exc
        print(f"no PostgreSQL answers at {shown}: {purpose} runs on SQLite only", file=sys.stderr)
        yield None
        return
    try:
        yield Db(POSTGRESQL, {"UPSTANDER_DATABASE_URL": url, "UPSTANDER_DATABASE_SCHEMA": schema})
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()


@contextlib.asynccontextmanager
async def both(purpose: str) -> AsyncIterator[list[Db]]:
    """SQLite (in the section's own data directory), then PostgreSQL when it answers."""
    async with postgresql(purpose) as pg:
        yield [Db(SQLITE)] + ([pg] if pg is not None else [])
