"""Migrations: from an empty database on both dialects, and from an SQLite file the
first release made (its own SQL migrations, its own encryption), upgraded in place."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from cryptography.fernet import Fernet
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.bootstrap import open_store
from bot.config import Settings
from bot.core.models import AuditEntry, CheckinStatus, RunStatus
from bot.storage.crypto import Cipher
from bot.storage.engine import Database, make_engine, prepare_sqlite_file, sqlite_url
from bot.storage.migrations import alembic_config, upgrade
from bot.storage.migrations.legacy import FIRST_RELEASE_SCRIPTS, LEGACY_SCRIPTS
from bot.storage.outbox import due_query
from bot.storage.schema import metadata, outbox
from bot.storage.sql import sql_stores
from tests.conftest import PgDatabase
from tests.storage.older_tokens import v2_token

ROOT = Path(__file__).resolve().parents[2]
HEAD = "0012"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


async def _differences(engine: AsyncEngine) -> list[object]:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )


async def _head(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
        return [r[0] for r in rows]


async def test_an_empty_sqlite_file_is_built_as_the_schema_declares(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    prepare_sqlite_file(path)
    engine = make_engine(sqlite_url(path))
    try:
        await upgrade(engine)
        await upgrade(engine)  # a second run has nothing to do
        assert await _head(engine) == [HEAD]
        assert await _differences(engine) == []
    finally:
        await engine.dispose()


async def test_an_empty_postgresql_schema_is_built_as_the_schema_declares(
    pg_database: PgDatabase,
) -> None:
    engine = make_engine(pg_database.url, schema=pg_database.schema)
    try:
        await upgrade(engine)
        await upgrade(engine)
        assert await _head(engine) == [HEAD]
        assert await _differences(engine) == []
    finally:
        await engine.dispose()


async def test_processes_starting_together_on_postgresql_migrate_one_at_a_time(
    pg_database: PgDatabase,
) -> None:
    # Two replicas of compose.yaml start at once on an empty schema: both come up.
    engines = [make_engine(pg_database.url, schema=pg_database.schema) for _ in range(3)]
    try:
        await asyncio.wait_for(asyncio.gather(*(upgrade(e) for e in engines)), 120)
        assert await _head(engines[0]) == [HEAD]
        assert await _differences(engines[0]) == []
    finally:
        for engine in engines:
            await engine.dispose()


def _first_release_file(path: Path, key: bytes, scripts: int = FIRST_RELEASE_SCRIPTS) -> None:
    """A database as a release before Alembic left it: its first `scripts` migrations run
    and recorded in `schema_version`, rows written with its encryption and time format."""
    cipher = Cipher(key)
    fernet = Fernet(key)
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        for version, script in enumerate(LEGACY_SCRIPTS[:scripts], start=1):
            db.executescript(script)
            db.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
        db.execute(
            "INSERT INTO runs VALUES (?,?,?,?,?,?,?,?,?)",
            ("r1", "console:ann", "lift", "en", "s2", json.dumps([["start", 1, "delay"]]),
             "active", T0.isoformat(), T0.isoformat()),
        )  # fmt: skip
        db.execute("INSERT INTO counters VALUES ('tactic', 'delay', 3)")
        if scripts >= 2:
            identity = json.dumps(["console:ann", "ann", "Ann"])
            db.execute(
                "INSERT INTO checkins (id, platform, member_fp, member_enc, pseudonym, category,"
                " urgency, anonymous, text_enc, crisis, locale, status, created_at, opened_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                ("c1", "console", cipher.fingerprint("console:ann"), v2_token(key, identity),
                 "Member C1", "other", "today", 1, fernet.encrypt(b"older words").decode(), 0,
                 "en", "open", T0.isoformat(), T0.isoformat()),
            )  # fmt: skip
            db.execute(
                "INSERT INTO outbox VALUES (?,?,?,?,?,?,?,?)",
                ("o1", "c1", "card", 1, v2_token(key, '{"card": 1}'), 0, T0.isoformat(),
                 T0.isoformat()),
            )  # fmt: skip
        db.commit()


def _shape(path: Path) -> dict[str, object]:
    """Every table's columns (name, type, not null, default, key) and every index's SQL.

    A primary key counts as NOT NULL: SQLite alone lets a one-column key hold NULL (the
    first release never wrote one), and SQLAlchemy declares keys NOT NULL."""
    with contextlib.closing(sqlite3.connect(path)) as db:

        def info(table: str) -> list[tuple[int, str, str, int, object, int]]:
            return db.execute(f"PRAGMA table_info({table})").fetchall()

        tables = [
            r[0]
            for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if r[0] not in ("alembic_version", "schema_version", "sqlite_sequence")
        ]
        shape: dict[str, object] = {
            t: [(n, kind, bool(nn or pk), dflt, pk) for _, n, kind, nn, dflt, pk in info(t)]
            for t in tables
        }
        for name, sql in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'"):
            if "alembic_version" not in name:
                shape[name] = " ".join((sql or "").replace('"', "").split())
    return shape


def test_revision_0001_builds_exactly_the_first_release_s_schema(tmp_path: Path) -> None:
    first_release = tmp_path / "legacy.sqlite3"
    _first_release_file(first_release, Fernet.generate_key())
    fresh = tmp_path / "fresh.sqlite3"
    engine = create_engine(f"sqlite:///{fresh}")
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
    engine.dispose()
    assert _shape(fresh) == _shape(first_release)


@pytest.mark.parametrize("scripts", [len(LEGACY_SCRIPTS), 5, 4, FIRST_RELEASE_SCRIPTS, 1])
async def test_a_file_the_first_release_made_upgrades_in_place_and_serves(
    tmp_path: Path, scripts: int
) -> None:
    key = Fernet.generate_key()
    data = tmp_path / "data"
    data.mkdir()
    _first_release_file(data / "upstander.sqlite3", key, scripts)
    settings = Settings.from_env(
        {"UPSTANDER_DATA_DIR": str(data), "UPSTANDER_SECRET_KEY": key.decode()}
    )
    store = await open_store(settings)
    try:
        run = await store.practice.active_run("console:ann")
        assert run is not None and run.step_id == "s2" and run.status is RunStatus.ACTIVE
        assert run.started_at == T0
        assert dict(await store.stats.counts("console", "tactic")) == {"delay": 3}
        if scripts >= FIRST_RELEASE_SCRIPTS:
            checkin = await store.checkins.active_checkin("console:ann")
            assert checkin is not None and checkin.status is CheckinStatus.OPEN
            assert (checkin.text, checkin.member_name) == ("older words", "Ann")
            [card] = await store.outbox.lease_due_outbox(T0, 10, "p1", T0)
            assert card.payload == '{"card": 1}'
            assert await store.checkins.claim("c1", ("v", "v", "V"), T0, [], _audit())
    finally:
        await store.close_store()
    with contextlib.closing(sqlite3.connect(data / "upstander.sqlite3")) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "schema_version" not in tables and {"leases", "sightings"} <= tables


@pytest.mark.parametrize("scripts", [len(LEGACY_SCRIPTS), 4])
async def test_a_file_past_the_first_release_is_upgraded_to_exactly_the_latest_schema(
    tmp_path: Path, scripts: int
) -> None:
    """Legacy scripts 4-6 then revision 0002 build what 0001-0003 build."""
    legacy = tmp_path / "legacy.sqlite3"
    key = Fernet.generate_key()
    _first_release_file(legacy, key, scripts)
    engine = make_engine(sqlite_url(legacy))
    try:
        await upgrade(engine, Cipher(key).fingerprint)
        assert await _head(engine) == [HEAD]
    finally:
        await engine.dispose()
    fresh = tmp_path / "fresh.sqlite3"
    sync_engine = create_engine(f"sqlite:///{fresh}")
    with sync_engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    sync_engine.dispose()
    assert _shape(legacy) == _shape(fresh)


async def test_rows_written_at_legacy_version_6_serve_after_the_upgrade(tmp_path: Path) -> None:
    key = Fernet.generate_key()
    data = tmp_path / "data"
    data.mkdir()
    path = data / "upstander.sqlite3"
    _first_release_file(path, key, len(LEGACY_SCRIPTS))
    later = (T0 + timedelta(hours=1)).isoformat()
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute(
            "UPDATE checkins SET status = 'claimed', claimed_at = ?, claimed_by = 'v',"
            " last_activity_at = ?, region = 'GB' WHERE id = 'c1'",
            (T0.isoformat(), later),
        )
        db.execute("INSERT INTO volunteers VALUES ('v', 'console', 1, 1)")
        path_json = json.dumps([["s1", 0, "delay", [2, 1]]])
        db.execute(
            "INSERT INTO group_sessions VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            ("g1", "lift", "en", "console:ann", "s2", 2, path_json, "voting", "[]",
             T0.isoformat(), later),
        )  # fmt: skip
        db.execute("INSERT INTO group_votes VALUES ('g1', 2, 'fp', 1)")
        db.commit()
    settings = Settings.from_env(
        {"UPSTANDER_DATA_DIR": str(data), "UPSTANDER_SECRET_KEY": key.decode()}
    )
    store = await open_store(settings)
    try:
        checkin = await store.checkins.get_checkin("c1")
        assert checkin is not None and checkin.region == "GB"
        assert checkin.last_activity_at == T0 + timedelta(hours=1)
        assert await store.volunteers.volunteer_anonymous("v")
        assert await store.volunteers.is_available("v")
        [quiet] = await store.handover.idle_claimed(T0 + timedelta(hours=2))
        assert quiet.id == "c1"
        group = await store.groups.get_group("g1")
        assert group is not None and group.number == 2 and group.path[0].votes == (2, 1)
        assert await store.groups.group_tally("g1", 2) == {1: 1}
        assert await store.groups.cast_vote("g1", 2, "console:bob", 0, T0) == 2
    finally:
        await store.close_store()


async def _runs_at_0003(engine: AsyncEngine) -> None:
    """A database at revision 0003 holding two practice runs keyed by plain ids."""

    def build(sync: Connection) -> None:
        command.upgrade(alembic_config(sync), "0003")
        for run_id, member, status in (
            ("r1", "discord:42", "active"),
            ("r2", "slack:U9", "finished"),
        ):
            sync.execute(
                text("INSERT INTO runs VALUES (:id, :m, 'lift', 'en', 's2', '[]', :st, :t, :t)"),
                {"id": run_id, "m": member, "st": status, "t": T0.isoformat()},
            )

    async with engine.begin() as conn:
        await conn.run_sync(build)


async def _rekeyed_runs_serve(engine: AsyncEngine, cipher: Cipher) -> None:
    await upgrade(engine, cipher.fingerprint)
    async with engine.connect() as conn:
        stored = dict((await conn.execute(text("SELECT id, member FROM runs"))).all())
    assert stored == {"r1": cipher.fingerprint("discord:42"), "r2": cipher.fingerprint("slack:U9")}
    assert "discord:42" not in stored.values()
    store = sql_stores(Database(engine, cipher))
    try:
        run = await store.practice.active_run("discord:42")
        assert run is not None and run.id == "r1" and run.member == "discord:42"
        assert [r.id for r in await store.practice.member_runs("slack:U9")] == ["r2"]
        assert await store.practice.delete_member_runs("slack:U9") == 1
    finally:
        await store.close_store()


async def test_0004_rekeys_practice_runs_by_fingerprint_on_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    prepare_sqlite_file(path)
    engine = make_engine(sqlite_url(path))
    try:
        await _runs_at_0003(engine)
        await _rekeyed_runs_serve(engine, Cipher(Fernet.generate_key()))
    finally:
        await engine.dispose()


async def test_0004_rekeys_practice_runs_by_fingerprint_on_postgresql(
    pg_database: PgDatabase,
) -> None:
    engine = make_engine(pg_database.url, schema=pg_database.schema)
    try:
        await _runs_at_0003(engine)
        await _rekeyed_runs_serve(engine, Cipher(Fernet.generate_key()))
    finally:
        await engine.dispose()


async def test_0004_without_the_key_refuses_rather_than_orphan_runs(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    prepare_sqlite_file(path)
    engine = make_engine(sqlite_url(path))
    try:
        await _runs_at_0003(engine)
        with pytest.raises(RuntimeError, match="secret key"):
            await upgrade(engine)
        async with engine.connect() as conn:
            kept = (await conn.execute(text("SELECT member FROM runs ORDER BY id"))).all()
        assert [r[0] for r in kept] == ["discord:42", "slack:U9"]  # rolled back whole
    finally:
        await engine.dispose()


def _audit() -> AuditEntry:
    return AuditEntry(T0, "c1", "Member C1", "claimed", "V")


async def test_fetching_due_items_walks_the_index_without_a_sort_on_sqlite(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite3"
    prepare_sqlite_file(path)
    engine = make_engine(sqlite_url(path))
    try:
        await upgrade(engine)
        sql = str(due_query(T0, 50).compile(engine, compile_kwargs={"literal_binds": True}))
        async with engine.begin() as conn:
            await _fill(conn)
            await conn.execute(text("ANALYZE"))
            plan = " | ".join(
                str(r[-1]) for r in await conn.execute(text(f"EXPLAIN QUERY PLAN {sql}"))
            )
        assert "outbox_due" in plan and "TEMP B-TREE" not in plan, plan
    finally:
        await engine.dispose()


async def test_fetching_due_items_walks_the_index_without_a_sort_on_postgresql(
    pg_database: PgDatabase,
) -> None:
    engine = make_engine(pg_database.url, schema=pg_database.schema)
    try:
        await upgrade(engine)
        sql = str(due_query(T0, 50).compile(engine, compile_kwargs={"literal_binds": True}))
        async with engine.begin() as conn:
            await _fill(conn)
            await conn.execute(text("ANALYZE outbox"))
            plan = " | ".join(r[0] for r in await conn.execute(text(f"EXPLAIN {sql}")))
        assert "outbox_due" in plan and "Sort" not in plan, plan
    finally:
        await engine.dispose()


async def _fill(conn: AsyncConnection) -> None:
    """10,000 items, half of them due: enough that a planner prefers the index."""
    rows = [
        {"id": f"o{n}", "checkin_id": "c", "purpose": "card", "priority": n % 3,
         "payload_enc": "", "attempts": 0, "next_attempt_at": T0 + timedelta(seconds=n - 5000),
         "created_at": T0, "seq": 0}
        for n in range(10_000)
    ]  # fmt: skip
    await conn.execute(outbox.insert(), rows)


def _cli(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_command_line_upgrades_a_first_release_file(tmp_path: Path) -> None:
    key = Fernet.generate_key()
    data = tmp_path / "data"
    data.mkdir()
    _first_release_file(data / "upstander.sqlite3", key)
    done = _cli({"UPSTANDER_DATA_DIR": str(data), "UPSTANDER_SECRET_KEY": key.decode()})
    assert done.returncode == 0, done.stderr
    assert "latest revision" in done.stdout
    with contextlib.closing(sqlite3.connect(data / "upstander.sqlite3")) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]


async def test_the_command_line_upgrades_postgresql(
    pg_database: PgDatabase, tmp_path: Path
) -> None:
    env = {"UPSTANDER_DATA_DIR": str(tmp_path), **pg_database.env()}
    done = _cli(env)
    assert done.returncode == 0, done.stderr
    engine = make_engine(pg_database.url, schema=pg_database.schema)
    try:
        assert await _head(engine) == [HEAD]
    finally:
        await engine.dispose()
