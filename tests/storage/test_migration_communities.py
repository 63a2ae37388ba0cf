"""Revision 0007 on a database at 0006 that holds rows of every kind, on SQLite and
PostgreSQL: each row lands in the community it was stored for, and the store serves
them scoped."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from cryptography.fernet import Fernet
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.crypto import Cipher
from bot.storage.engine import Database, make_engine, prepare_sqlite_file, sqlite_url
from bot.storage.migrations import alembic_config, upgrade
from bot.storage.sql import sql_stores
from tests.conftest import PgDatabase

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
AT = T0.isoformat()


def _checkin(cipher: Cipher, cid: str, platform: str, member: str) -> dict[str, Any]:
    identity = json.dumps([member, member.partition(":")[2], ""])
    return {
        "id": cid, "platform": platform, "member_fp": cipher.fingerprint(member),
        "member_enc": cipher.seal(identity, ("checkins", cid, "member_enc")),
        "pseudonym": f"Member {cid.upper()}", "category": "other", "urgency": "today",
        "anonymous": 1, "text_enc": cipher.seal(f"words of {cid}", ("checkins", cid, "text_enc")),
        "crisis": 0, "locale": "en", "status": "open", "created_at": AT, "opened_at": AT,
    }  # fmt: skip


def _outbox(cipher: Cipher, oid: str, cid: str, seq: int) -> dict[str, Any]:
    payload = cipher.seal('{"x": 1}', ("outbox", oid, "payload_enc"))
    return {
        "id": oid, "checkin_id": cid, "purpose": "card", "priority": 1, "payload_enc": payload,
        "attempts": 0, "next_attempt_at": AT, "created_at": AT, "seq": seq,
    }  # fmt: skip


def _insert(sync: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        names = ", ".join(row)
        values = ", ".join(f":{name}" for name in row)
        sync.execute(text(f"INSERT INTO {table} ({names}) VALUES ({values})"), row)


def _rows_at_0006(cipher: Cipher) -> Callable[[Connection], None]:
    def build(sync: Connection) -> None:
        command.upgrade(alembic_config(sync), "0006")
        _insert(sync, "checkins", [
            _checkin(cipher, "c1", "discord", "discord:42"),
            _checkin(cipher, "c2", "slack", "slack:U1"),
        ])  # fmt: skip
        _insert(sync, "outbox", [
            _outbox(cipher, "o1", "c1", 0), _outbox(cipher, "o2", "c2", 1),
            _outbox(cipher, "o3", "schedule:s1", 2),
        ])  # fmt: skip
        _insert(sync, "audit", [
            {"at": AT, "checkin_id": cid, "pseudonym": "M", "action": "claimed", "by_name": "V"}
            for cid in ("c1", "c2", "")
        ])  # fmt: skip
        _insert(sync, "counters", [{"metric": "tactic", "key": "delay", "count": 3}])
        _insert(sync, "volunteers", [
            {"volunteer": "discord:7", "platform": "discord", "available": 1, "anonymous": 0},
            {"volunteer": "slack:U7", "platform": "slack", "available": 1, "anonymous": 1},
        ])  # fmt: skip
        until = (T0 + timedelta(days=1)).isoformat()
        _insert(sync, "blocks", [{"member_fp": cipher.fingerprint("slack:U1"), "until": until}])
        _insert(sync, "schedules", [{
            "id": "s1", "platform": "slack", "channel": "C1", "weekday": 0, "at_time": "09:30",
            "zone": "UTC", "topics": "", "locale": "en", "created_by": "slack:U7", "paused": 0,
            "next_due": AT, "last_scenario": "", "posted": "",
        }])  # fmt: skip
        copy = cipher.seal(json.dumps(["dm", "42", "ref"]), ("sent_copies", "k1", "copy_enc"))
        _insert(sync, "sent_copies", [
            {"id": "k1", "checkin_id": "c1", "platform": "discord", "copy_enc": copy,
             "created_at": AT},
        ])  # fmt: skip
        _insert(sync, "group_sessions", [
            {"id": gid, "scenario_id": "lift", "locale": "en", "starter": starter,
             "step_id": "s1", "number": 1, "path": "[]", "status": status, "tied": "[]",
             "started_at": AT, "active_at": AT}
            for gid, starter, status in (("g1", "discord:42", "voting"), ("g2", "", "finished"))
        ])  # fmt: skip
        _insert(sync, "runs", [
            {"id": "r1", "member": cipher.fingerprint("discord:42"), "scenario_id": "lift",
             "locale": "en", "step_id": "s1", "moves": "[]", "status": "active",
             "started_at": AT, "updated_at": AT},
        ])  # fmt: skip

    return build


EXPECTED = {
    "checkins": {"c1": "discord", "c2": "slack"},
    "outbox": {"o1": "discord", "o2": "slack", "o3": "slack"},
    "volunteers": {"discord:7": "discord", "slack:U7": "slack"},
    "schedules": {"s1": "slack"},
    "sent_copies": {"k1": "discord"},
    "group_sessions": {"g1": "discord", "g2": ""},
    "runs": {"r1": ""},  # a fingerprint names no community
}
KEYS = {"volunteers": "volunteer"}


async def _attributed(engine: AsyncEngine) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    async with engine.connect() as conn:
        for table in EXPECTED:
            query = text(f"SELECT {KEYS.get(table, 'id')}, community FROM {table}")
            found[table] = {key: community for key, community in await conn.execute(query)}
        audit = await conn.execute(text("SELECT checkin_id, community FROM audit"))
        found["audit"] = dict(audit.all())
        counters = await conn.execute(text("SELECT community, metric, key, count FROM counters"))
        found["counters"] = {"rows": list(counters.all())}  # type: ignore[dict-item]
    return found


async def _upgrades_and_serves(engine: AsyncEngine) -> None:
    cipher = Cipher(Fernet.generate_key())
    async with engine.begin() as conn:
        await conn.run_sync(_rows_at_0006(cipher))
    await upgrade(engine, cipher.fingerprint)
    found = await _attributed(engine)
    assert {t: found[t] for t in EXPECTED} == EXPECTED
    assert found["audit"] == {"c1": "discord", "c2": "slack", "": ""}
    assert found["counters"] == {"rows": [("", "tactic", "delay", 3)]}
    store = sql_stores(Database(engine, cipher))
    try:
        assert [c.id for c in await store.checkins.unclaimed("discord")] == ["c1"]
        assert [c.id for c in await store.checkins.unclaimed("slack")] == ["c2"]
        assert await store.stats.counts("discord", "tactic") == {"delay": 3}, "the older figures"
        assert await store.stats.counts("discord:G1", "tactic") == {}
        assert [e.checkin_id for e in await store.audit.audit_entries("slack", 10)] == ["", "c2"]
        assert await store.volunteers.available_volunteers("slack") == ["slack:U7"]
        assert [s.id for s in await store.schedules.list_schedules("slack")] == ["s1"]
        run = await store.practice.active_run("discord:42")
        assert run is not None and run.community == "discord", "attributed by its reader"
        await store.practice.save_run(run)  # and kept so once saved again
        assert (await _attributed(engine))["runs"] == {"r1": "discord"}
        assert await store.communities.purge("slack") > 0
        assert await store.checkins.get_checkin("c2") is None
        kept = await store.checkins.get_checkin("c1")
        assert kept is not None and kept.text == "words of c1" and kept.community == "discord"
        assert await store.volunteers.blocked_until("slack:U1") is None, "blocks go with it"

    finally:
        await store.close_store()


async def test_a_database_at_0006_upgrades_and_serves_scoped_on_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    prepare_sqlite_file(path)
    engine = make_engine(sqlite_url(path))
    try:
        await _upgrades_and_serves(engine)
    finally:
        await engine.dispose()


async def test_a_database_at_0006_upgrades_and_serves_scoped_on_postgresql(
    pg_database: PgDatabase,
) -> None:
    engine = make_engine(pg_database.url, schema=pg_database.schema)
    try:
        await _upgrades_and_serves(engine)
    finally:
        await engine.dispose()
