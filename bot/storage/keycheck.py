"""The key check at start-up (issue 18.5): a key that does not open the stored data
stops the bot, instead of serving with lookups that find nothing and text that will not
open.

The database records the id of the key its data is sealed under and a value sealed under
that key. A database without the record (empty, or made before it existed) gets one for
the key set now, once a sample of the values it holds has opened with that key.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.errors import StorageError, WrongKey
from bot.storage.crypto import OLD_KEYS_VARIABLE, SECRET_KEY_VARIABLE, Cipher
from bot.storage.engine import Database, upsert
from bot.storage.schema import checkins, key_check, outbox

log = logging.getLogger(__name__)

ROW = "current"


async def check_key(db: Database) -> None:
    """Raise WrongKey unless one of the keys set opens the data; record the key on a
    database that has no record yet."""
    async with db.write() as conn:
        recorded = await _recorded(conn)
        if recorded is None:
            await _probe(conn, db.cipher)
            await record_key(conn, db.cipher, db.dialect, replace=False)
            recorded = await _recorded(conn)
    assert recorded is not None
    key_id, sealed = recorded
    if not db.cipher.opens_check(key_id, sealed):
        raise WrongKey(_refusal(key_id, db.cipher.key_id))
    if key_id != db.cipher.key_id:
        log.warning(
            "the data is sealed under key id %s, now one of %s: run `python -m bot keys rotate`",
            key_id,
            OLD_KEYS_VARIABLE,
        )


async def record_key(conn: AsyncConnection, cipher: Cipher, dialect: str, *, replace: bool) -> None:
    """Record the sealing key as the one the data is sealed under (`replace`: after a
    rotation; otherwise only where nothing is recorded, so of two first starts one wins)."""
    key_id, sealed = cipher.key_check()
    row = {"name": ROW, "key_id": key_id, "check_enc": sealed, "recorded_at": datetime.now(UTC)}
    insert = upsert(dialect, key_check)
    if replace:
        change = insert.on_conflict_do_update(
            index_elements=[key_check.c.name],
            set_={"key_id": key_id, "check_enc": sealed, "recorded_at": row["recorded_at"]},
        )
    else:
        change = insert.on_conflict_do_nothing(index_elements=[key_check.c.name])
    await conn.execute(change, row)


async def _recorded(conn: AsyncConnection) -> tuple[str, str] | None:
    query = select(key_check.c.key_id, key_check.c.check_enc).where(key_check.c.name == ROW)
    row = (await conn.execute(query)).first()
    return None if row is None else (row[0], row[1])


async def _probe(conn: AsyncConnection, cipher: Cipher) -> None:
    """Before the first record: the newest sealed values stored must open."""
    samples = (
        (checkins, checkins.c.member_enc, checkins.c.created_at),
        (outbox, outbox.c.payload_enc, outbox.c.created_at),
    )
    for table, column, newest in samples:
        query = select(table.c.id, column).where(column != "").order_by(newest.desc()).limit(1)
        row = (await conn.execute(query)).first()
        if row is None:
            continue
        try:
            cipher.open(row[1], (table.name, row[0], column.name))
        except StorageError as exc:
            raise WrongKey(_refusal("", cipher.key_id)) from exc


def _refusal(recorded: str, current: str) -> str:
    sealed_under = f"key id {recorded}" if recorded else "another key"
    return (
        f"{SECRET_KEY_VARIABLE} does not open the stored data (sealed under {sealed_under};"
        f" the key set has id {current}): set the key the data was made with, or list it in"
        f" {OLD_KEYS_VARIABLE} and run `python -m bot keys rotate`"
    )
