"""Keys that cannot fail silently (issue 18.5): a key that does not open the stored data
stops the store from opening; old keys still open and find; `keys rotate` re-seals
everything under the new key; a sealed value opens only in its own row and column."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text, update

from bot.core.errors import StorageError, WrongKey
from bot.core.group_model import GroupSession, GroupStatus
from bot.core.models import AuditEntry, CheckIn, CheckinStatus, OutboxItem
from bot.core.ports import Stores
from bot.storage.crypto import Cipher
from bot.storage.engine import make_engine, prepare_sqlite_file, sqlite_url
from bot.storage.rotation import rotate_keys
from bot.storage.schema import blocks, checkins, key_check, outbox
from bot.storage.sql import open_database, open_sql_store, sql_stores
from tests.conftest import pg_schema

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
KEY_A = Fernet.generate_key()
KEY_B = Fernet.generate_key()


@dataclass(frozen=True)
class Target:
    url: str
    schema: str | None = None

    async def open(self, key: bytes, *old: bytes) -> Stores:
        return await open_sql_store(self.url, Cipher(key, old), schema=self.schema)

    async def raw(self, statement: object) -> list[tuple[object, ...]]:
        engine = make_engine(self.url, schema=self.schema)
        try:
            async with engine.begin() as conn:
                result = await conn.execute(statement)  # type: ignore[call-overload]
                return [tuple(r) for r in result] if result.returns_rows else []
        finally:
            await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def target(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Target]:
    if request.param == "sqlite":
        path = tmp_path / "data" / "db.sqlite3"
        prepare_sqlite_file(path)
        yield Target(sqlite_url(path))
        return
    async with pg_schema() as pg:
        yield Target(pg.url, pg.schema)


def checkin(cid: str, member: str, words: str = "private words") -> CheckIn:
    return CheckIn(
        id=cid, platform="p", member=member, member_user_id=member.split(":")[1],
        member_name="Ann", pseudonym=f"Member {cid.upper()}", category="other",
        urgency="today", anonymous=True, text=words, crisis=False, locale="en",
        status=CheckinStatus.DRAFT, created_at=T0,
    )  # fmt: skip


def card(iid: str, cid: str) -> OutboxItem:
    return OutboxItem(iid, cid, "card", 1, '{"words": "private words"}', 0, T0, T0)


async def _made_under_a(target: Target, checkins_count: int = 1) -> None:
    """Under key A: an open check-in with a card queued, a closed one, a block."""
    store = await target.open(KEY_A)
    try:
        for n in range(checkins_count):
            await store.checkins.save_draft(checkin(f"c{n}", "p:ann"))
            await store.checkins.open_checkin(
                f"c{n}", "p:ann", T0, lambda _, n=n: [card(f"o{n}", f"c{n}")]
            )
            audit = AuditEntry(T0, f"c{n}", "Member", "closed", "V")
            if n:  # all but the first closed: one open at a time
                assert await store.checkins.close(f"c{n}", "member", T0, [], audit)
        await store.volunteers.block("p:ann", T0 + timedelta(days=7), "p")
        await store.volunteers.block("p:bob", T0 + timedelta(days=7), "p")  # no check-in names bob
    finally:
        await store.close_store()


async def _serves_everything(store: Stores, checkins_count: int = 1) -> None:
    """Export, the one-open-check-in rule, blocks and the outbox, as under key A."""
    active = await store.checkins.active_checkin("p:ann")
    assert active is not None and active.id == "c0" and active.text == "private words"
    mine = await store.checkins.member_checkins("p:ann")
    assert sorted(c.id for c in mine) == [f"c{n}" for n in range(checkins_count)]
    assert all(c.member_name == "Ann" for c in mine)
    state = await store.checkins.opening_state("p:ann")
    assert state.active is not None and state.blocked_until == T0 + timedelta(days=7)
    assert await store.volunteers.blocked_until("p:ann") == T0 + timedelta(days=7)
    items = await store.outbox.lease_due_outbox(T0, 100, "test", T0)
    assert sorted(i.id for i in items) == [f"o{n}" for n in range(checkins_count)]
    assert {i.payload for i in items} == {'{"words": "private words"}'}


async def test_a_key_that_does_not_open_the_data_stops_the_store_from_opening(
    target: Target,
) -> None:
    await _made_under_a(target)
    with pytest.raises(WrongKey) as refused:
        await target.open(KEY_B)
    message = str(refused.value)
    assert "UPSTANDER_SECRET_KEY does not open the stored data" in message
    assert Cipher(KEY_A).key_id in message and "\n" not in message
    assert KEY_A.decode() not in message and KEY_B.decode() not in message
    store = await target.open(KEY_A)  # refused, nothing changed: the right key still serves
    try:
        await _serves_everything(store)
    finally:
        await store.close_store()


async def test_an_empty_database_records_the_key_it_is_first_opened_with(
    target: Target,
) -> None:
    store = await target.open(KEY_A)
    await store.close_store()
    [(key_id, sealed)] = await target.raw(select(key_check.c.key_id, key_check.c.check_enc))
    assert key_id == Cipher(KEY_A).key_id and str(sealed).startswith("v3.")
    assert KEY_A.decode() not in f"{key_id}{sealed}"
    with pytest.raises(WrongKey):
        await target.open(KEY_B)


async def test_rotation_old_key_serves_then_rotate_then_new_key_alone(target: Target) -> None:
    await _made_under_a(target, checkins_count=5)
    store = await target.open(KEY_B, KEY_A)  # B seals, A still opens and finds
    try:
        await _serves_everything(store, 5)
        # Written now under B, found with the rest.
        await store.checkins.save_draft(checkin("c9", "p:ann"))
        assert "c9" in [c.id for c in await store.checkins.member_checkins("p:ann")]
        assert await store.checkins.purge_draft("c9")
        # Blocked again, for less time, under B: the rotation keeps the later of the two.
        await store.volunteers.block("p:ann", T0 + timedelta(days=1), "p")
        assert await store.volunteers.blocked_until("p:ann") == T0 + timedelta(days=7)
    finally:
        await store.close_store()
    db = await open_database(target.url, Cipher(KEY_B, [KEY_A]), schema=target.schema)
    try:
        done = await rotate_keys(db, batch=2)  # several batches
    finally:
        await db.close()
    assert (done.checkins, done.outbox, done.blocks, done.blocks_unmatched) == (5, 5, 1, 1)
    assert done.key_id == Cipher(KEY_B).key_id
    store = await target.open(KEY_B)
    try:
        await _serves_everything(store, 5)
    finally:
        await store.close_store()
    with pytest.raises(WrongKey):
        await target.open(KEY_A)


async def test_a_block_moved_by_the_rotation_stays_its_community_s(target: Target) -> None:
    await _made_under_a(target)
    db = await open_database(target.url, Cipher(KEY_B, [KEY_A]), schema=target.schema)
    try:
        assert (await rotate_keys(db)).blocks == 1
    finally:
        await db.close()
    assert await target.raw(select(blocks.c.community)) == [("p",), ("p",)]


async def test_a_rotation_cut_short_still_serves_with_both_keys(target: Target) -> None:
    await _made_under_a(target, checkins_count=3)
    # As a rotation stopped after its first batch leaves it: one row re-sealed under B.
    db = await open_database(target.url, Cipher(KEY_B, [KEY_A]), schema=target.schema)
    try:
        stores = sql_stores(db)
        c0 = await stores.checkins.get_checkin("c0")
        assert c0 is not None
        async with db.write() as conn:
            b = Cipher(KEY_B)
            await conn.execute(
                update(checkins)
                .where(checkins.c.id == "c0")
                .values(
                    member_fp=b.fingerprint("p:ann"),
                    text_enc=b.seal(c0.text, ("checkins", "c0", "text_enc")),
                )
            )
    finally:
        await db.close()
    with pytest.raises(WrongKey):
        await target.open(KEY_B)  # the record still names A: B alone is refused
    store = await target.open(KEY_B, KEY_A)
    try:
        await _serves_everything(store, 3)
    finally:
        await store.close_store()


async def test_a_value_copied_into_another_row_or_column_does_not_open(target: Target) -> None:
    store = await target.open(KEY_A)
    try:
        await store.checkins.save_draft(checkin("c1", "p:ann", "Ann's words"))
        await store.checkins.save_draft(checkin("c2", "p:bob", "Bob's words"))
    finally:
        await store.close_store()
    [(anns_words, anns_name)] = await target.raw(
        select(checkins.c.text_enc, checkins.c.member_enc).where(checkins.c.id == "c1")
    )
    await target.raw(update(checkins).where(checkins.c.id == "c2").values(text_enc=anns_words))
    store = await target.open(KEY_A)
    try:
        with pytest.raises(StorageError, match=r"checkins\.text_enc cannot be decrypted"):
            await store.checkins.get_checkin("c2")
        got = await store.checkins.get_checkin("c1")
        assert got is not None and got.text == "Ann's words"  # in its own row it opens
    finally:
        await store.close_store()
    # Into another column of its own row: refused too.
    await target.raw(update(checkins).where(checkins.c.id == "c1").values(text_enc=anns_name))
    store = await target.open(KEY_A)
    try:
        with pytest.raises(StorageError, match="cannot be decrypted"):
            await store.checkins.get_checkin("c1")
    finally:
        await store.close_store()


async def test_a_pre_alembic_file_gets_its_key_recorded_and_rotate_upgrades_its_values(
    tmp_path: Path,
) -> None:
    from tests.storage.test_migrations import _first_release_file

    path = tmp_path / "upstander.sqlite3"
    _first_release_file(path, KEY_A)
    with pytest.raises(WrongKey):  # a wrong key at the first start: its values do not open
        await open_sql_store(sqlite_url(path), Cipher(KEY_B))
    store = await open_sql_store(sqlite_url(path), Cipher(KEY_A))
    await store.close_store()
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT key_id FROM key_check").fetchall() == [(Cipher(KEY_A).key_id,)]
        older = db.execute("SELECT text_enc, member_enc FROM checkins").fetchone()
        assert not any(v.startswith("v3.") for v in older), "Fernet and v2 as written"
    with pytest.raises(WrongKey):
        await open_sql_store(sqlite_url(path), Cipher(KEY_B))
    db_ = await open_database(sqlite_url(path), Cipher(KEY_A))
    try:
        await rotate_keys(db_)
    finally:
        await db_.close()
    with contextlib.closing(sqlite3.connect(path)) as db:
        values = db.execute("SELECT text_enc, member_enc FROM checkins").fetchone()
        values += db.execute("SELECT payload_enc FROM outbox").fetchone()
    assert all(v.startswith("v3.") for v in values), "every value bound to its place"
    store = await open_sql_store(sqlite_url(path), Cipher(KEY_A))
    try:
        got = await store.checkins.active_checkin("console:ann")
        assert got is not None and (got.text, got.member_name) == ("older words", "Ann")
        [item] = await store.outbox.lease_due_outbox(T0, 10, "t", T0)
        assert json.loads(item.payload) == {"card": 1}
    finally:
        await store.close_store()


async def test_the_outbox_payload_is_bound_to_its_item(target: Target) -> None:
    store = await target.open(KEY_A)
    try:
        await store.outbox.enqueue([card("o1", "c1"), card("o2", "c1")])
    finally:
        await store.close_store()
    [(sealed,)] = await target.raw(select(outbox.c.payload_enc).where(outbox.c.id == "o1"))
    await target.raw(
        text("UPDATE outbox SET payload_enc = :v WHERE id = 'o2'").bindparams(v=sealed)
    )
    store = await target.open(KEY_A)
    try:
        with pytest.raises(StorageError, match=r"outbox\.payload_enc cannot be decrypted"):
            await store.outbox.lease_due_outbox(T0, 10, "t", T0)
    finally:
        await store.close_store()


async def test_a_vote_cast_before_a_key_change_counts_once(target: Target) -> None:
    store = await target.open(KEY_A)
    session = GroupSession(
        "g1", "lift", "en", "p:starter", "s1", 1, (), GroupStatus.VOTING, (), T0, T0
    )
    try:
        await store.groups.create_group(session)
        assert await store.groups.cast_vote("g1", 1, "p:ann", 0, T0) == 1
    finally:
        await store.close_store()
    store = await target.open(KEY_B, KEY_A)
    try:
        assert await store.groups.cast_vote("g1", 1, "p:ann", 2, T0) == 1, "Ann changed her vote"
        assert await store.groups.group_tally("g1", 1) == {2: 1}
    finally:
        await store.close_store()
