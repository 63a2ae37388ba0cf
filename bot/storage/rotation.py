"""`keys rotate` (issue 18.5): every sealed value re-sealed, every fingerprint that can be
re-computed re-computed, under the sealing key; then that key recorded as the one the
data is sealed under, after which older keys can be dropped.

Batches of rows, each in its own transaction: bots keep serving meanwhile (PostgreSQL),
and a rotation cut short leaves data every key set still opens, so it can run again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, Table, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.crypto import Cipher
from bot.storage.engine import Database, upsert
from bot.storage.keycheck import record_key
from bot.storage.schema import (
    blocks,
    checkins,
    outbox,
    sent_copies,
    slack_bots,
    slack_installations,
)

log = logging.getLogger(__name__)

BATCH = 200


@dataclass(frozen=True, slots=True)
class Rotated:
    checkins: int
    outbox: int
    blocks: int
    # Blocks whose member no check-in names any more: left as they are.
    blocks_unmatched: int
    key_id: str


async def rotate_keys(db: Database, batch: int = BATCH) -> Rotated:
    # Blocks first: they are matched to members through the check-ins' fingerprints.
    moved = await _refingerprint_blocks(db)
    n_checkins = await _in_batches(db, checkins, batch, _reseal_checkins)
    n_outbox = await _in_batches(db, outbox, batch, _reseal_outbox)
    await _in_batches(db, sent_copies, batch, _reseal_copies)
    await _in_batches(db, slack_bots, batch, _reseal_column(slack_bots, "bot_enc"))
    await _in_batches(
        db, slack_installations, batch, _reseal_column(slack_installations, "installation_enc")
    )
    async with db.write() as conn:
        await record_key(conn, db.cipher, db.dialect, replace=True)
        unmatched = await _blocks_without_checkins(conn)
    log.info("keys rotated: the data is sealed under key id %s", db.cipher.key_id)
    return Rotated(n_checkins, n_outbox, moved, unmatched, db.cipher.key_id)


Resealer = Callable[[AsyncConnection, Cipher, list[Row[Any]]], Awaitable[None]]


async def _in_batches(db: Database, table: Table, batch: int, reseal: Resealer) -> int:
    done, after = 0, ""
    while True:
        query: Select[Any] = (
            select(table).where(table.c.id > after).order_by(table.c.id).limit(batch)
        )
        if db.dialect == "postgresql":
            query = query.with_for_update()  # a bot's change to these rows waits for ours
        async with db.write() as conn:
            rows = list((await conn.execute(query)).all())
            if rows:
                await reseal(conn, db.cipher, rows)
        done += len(rows)
        if len(rows) < batch:
            return done
        after = rows[-1].id


async def _reseal_checkins(conn: AsyncConnection, cipher: Cipher, rows: list[Row[Any]]) -> None:
    values = []
    for row in rows:
        identity = cipher.open(row.member_enc, ("checkins", row.id, "member_enc"))
        text = cipher.open(row.text_enc, ("checkins", row.id, "text_enc"))
        member = json.loads(identity)[0] if identity else ""
        values.append(
            {
                "row_id": row.id,
                "new_fp": cipher.fingerprint(member) if member and row.member_fp else row.member_fp,
                "new_member": cipher.seal(identity, ("checkins", row.id, "member_enc")),
                "new_text": cipher.seal(text, ("checkins", row.id, "text_enc")),
            }
        )
    change = (
        update(checkins)
        .where(checkins.c.id == bindparam("row_id"))
        .values(
            member_fp=bindparam("new_fp"),
            member_enc=bindparam("new_member"),
            text_enc=bindparam("new_text"),
        )
    )
    await conn.execute(change, values)


async def _reseal_outbox(conn: AsyncConnection, cipher: Cipher, rows: list[Row[Any]]) -> None:
    values = [
        {
            "row_id": row.id,
            "new_payload": cipher.seal(
                cipher.open(row.payload_enc, ("outbox", row.id, "payload_enc")),
                ("outbox", row.id, "payload_enc"),
            ),
        }
        for row in rows
    ]
    change = (
        update(outbox)
        .where(outbox.c.id == bindparam("row_id"))
        .values(payload_enc=bindparam("new_payload"))
    )
    await conn.execute(change, values)


async def _reseal_copies(conn: AsyncConnection, cipher: Cipher, rows: list[Row[Any]]) -> None:
    values = []
    for row in rows:
        place = ("sent_copies", row.id, "copy_enc")
        values.append(
            {"row_id": row.id, "new_copy": cipher.seal(cipher.open(row.copy_enc, place), place)}
        )
    change = (
        update(sent_copies)
        .where(sent_copies.c.id == bindparam("row_id"))
        .values(copy_enc=bindparam("new_copy"))
    )
    await conn.execute(change, values)


def _reseal_column(table: Table, column: str) -> Resealer:
    """Re-seal one sealed column of `table`, each value at its own place."""

    async def reseal(conn: AsyncConnection, cipher: Cipher, rows: list[Row[Any]]) -> None:
        values = []
        for row in rows:
            place = (table.name, row.id, column)
            sealed = getattr(row, column)
            values.append({"row_id": row.id, "new": cipher.seal(cipher.open(sealed, place), place)})
        mine = table.c.id == bindparam("row_id")
        change = update(table).where(mine).values({column: bindparam("new")})
        await conn.execute(change, values)

    return reseal


async def _refingerprint_blocks(db: Database) -> int:
    """A block holds only a fingerprint: its member comes from a check-in with the same
    one. Blocks are few (one per blocked member), so one transaction."""
    cipher, moved = db.cipher, 0
    async with db.write() as conn:
        found = select(blocks.c.member_fp, blocks.c.until, blocks.c.community)
        for fp, until, community in (await conn.execute(found)).all():
            member = await _member_of(conn, cipher, fp)
            new_fp = fp if member is None else cipher.fingerprint(member)
            if new_fp == fp:
                continue
            await conn.execute(delete(blocks).where(blocks.c.member_fp == fp))
            insert = upsert(db.dialect, blocks)
            # The later of two blocks the member has under two keys.
            greatest = func.greatest if db.dialect == "postgresql" else func.max
            later = greatest(blocks.c.until, insert.excluded.until)
            keep_later = insert.on_conflict_do_update(
                index_elements=[blocks.c.member_fp], set_={"until": later}
            )
            row = {"member_fp": new_fp, "until": until, "community": community}
            await conn.execute(keep_later, row)
            moved += 1
    return moved


async def _blocks_without_checkins(conn: AsyncConnection) -> int:
    """Blocks no check-in's fingerprint matches now that every check-in has the sealing
    key's: made under an old key, they stop applying once it is removed."""
    fps = select(checkins.c.member_fp).where(checkins.c.member_fp != "")
    query = select(func.count()).select_from(blocks).where(blocks.c.member_fp.not_in(fps))
    return int((await conn.execute(query)).scalar_one())


async def _member_of(conn: AsyncConnection, cipher: Cipher, fp: str) -> str | None:
    query = (
        select(checkins.c.id, checkins.c.member_enc)
        .where(checkins.c.member_fp == fp, checkins.c.member_enc != "")
        .limit(1)
    )
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    identity = cipher.open(row.member_enc, ("checkins", row.id, "member_enc"))
    return str(json.loads(identity)[0]) if identity else None
