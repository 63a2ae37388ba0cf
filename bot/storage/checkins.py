"""Check-ins: a change and the messages it queues commit together, or neither does.

Names, platform ids and the member's words are encrypted; a member is found by an HMAC
fingerprint of their key.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    RowMapping,
    Select,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.models import (
    AuditEntry,
    CheckIn,
    CheckinFigures,
    CheckinStatus,
    Opening,
    OpeningState,
    OutboxItem,
)
from bot.storage.audit import write_audit
from bot.storage.crypto import Cipher
from bot.storage.engine import Database, matches_any
from bot.storage.outbox import add_outbox, outbox_rows
from bot.storage.schema import blocks, checkins, outbox, volunteers

_ACTIVE = ("open", "claimed")


class SqlCheckins:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._cipher = db.cipher

    async def save_draft(self, checkin: CheckIn) -> None:
        async with self._db.write() as conn:
            await conn.execute(insert(checkins).values(**_draft_row(self._cipher, checkin)))

    async def get_checkin(self, checkin_id: str) -> CheckIn | None:
        return await self._one(select(checkins).where(checkins.c.id == checkin_id))

    async def purge_draft(self, checkin_id: str) -> bool:
        doomed = checkins.c.id == checkin_id, checkins.c.status == "draft"
        return await self._changed(delete(checkins).where(*doomed))

    async def open_checkin(
        self,
        checkin_id: str,
        member: str,
        at: datetime,
        outbox: Callable[[CheckIn], list[OutboxItem]],
    ) -> Opening:
        mine = checkins.c.id == checkin_id, _member_is(self._cipher, member)
        async with self._db.write() as conn:
            row = (await conn.execute(select(checkins).where(*mine))).mappings().first()
            if row is None:
                return Opening(None, False, False)
            checkin = checkin_of(self._cipher, row)
            on_duty = await _on_duty(conn, checkin.community)
            if checkin.status is not CheckinStatus.DRAFT:
                return Opening(checkin, False, on_duty)
            opened = replace(checkin, status=CheckinStatus.OPEN, opened_at=at)
            rows = outbox_rows(self._cipher, outbox(opened))
            # Guarded by the status, so of two Sends racing in two processes one opens.
            changed = await conn.execute(
                update(checkins)
                .where(checkins.c.id == checkin_id, checkins.c.status == "draft")
                .values(status="open", opened_at=at)
            )
            if changed.rowcount != 1:
                return Opening(await self._reread(conn, checkin_id), False, on_duty)
            await add_outbox(conn, rows)
        return Opening(opened, True, on_duty)

    async def active_checkin(self, member: str) -> CheckIn | None:
        prints = _prints(self._cipher, member)
        async with self._db.read() as conn:
            row = (await conn.execute(_ACTIVE_OF, prints)).mappings().first()
        return checkin_of(self._cipher, row) if row else None

    async def last_closed_at(self, member: str) -> datetime | None:
        async with self._db.read() as conn:
            return await _last_closed(conn, _prints(self._cipher, member))

    async def opening_state(self, member: str) -> OpeningState:
        prints = _prints(self._cipher, member)
        async with self._db.read() as conn:
            until, closed = (await conn.execute(_BLOCKED_AND_CLOSED, prints)).one()
            active = (await conn.execute(_ACTIVE_OF, prints)).mappings().first()
        found = checkin_of(self._cipher, active) if active else None
        return OpeningState(_as_time(until), found, _as_time(closed))

    async def claim(
        self,
        checkin_id: str,
        volunteer: tuple[str, str, str],
        at: datetime,
        outbox: list[OutboxItem],
        audit: AuditEntry,
    ) -> bool:
        key, user_id, name = volunteer
        change = (
            update(checkins)
            .where(checkins.c.id == checkin_id, checkins.c.status == "open")
            .values(
                status="claimed",
                claimed_at=at,
                claimed_by=key,
                claimed_by_user_id=user_id,
                claimed_by_name=name,
            )
        )
        return await self._change_with(change, outbox, audit)

    async def active_claim(self, volunteer: str) -> CheckIn | None:
        query = (
            select(checkins)
            .where(checkins.c.claimed_by == volunteer, checkins.c.status == "claimed")
            .order_by(checkins.c.claimed_at.desc())
            .limit(1)
        )
        return await self._one(query)

    async def close(
        self, checkin_id: str, by: str, at: datetime, outbox: list[OutboxItem], audit: AuditEntry
    ) -> bool:
        change = (
            update(checkins)
            .where(checkins.c.id == checkin_id, checkins.c.status.in_(_ACTIVE))
            .values(status="closed", closed_at=at, closed_by=by)
        )
        return await self._change_with(change, outbox, audit, drop_relays_of=checkin_id)

    async def rate(self, checkin_id: str, rating: int) -> bool:
        unrated = and_(
            checkins.c.id == checkin_id,
            checkins.c.status == "closed",
            checkins.c.rating.is_(None),
        )
        return await self._changed(update(checkins).where(unrated).values(rating=rating))

    async def escalate(
        self, checkin_id: str, level: int, at: datetime, outbox: list[OutboxItem], audit: AuditEntry
    ) -> bool:
        change = (
            update(checkins)
            .where(
                checkins.c.id == checkin_id,
                checkins.c.status == "open",
                checkins.c.escalation_level < level,
            )
            .values(escalation_level=level, last_escalated_at=at)
        )
        return await self._change_with(change, outbox, audit)

    async def unclaimed(self, community: str | None = None) -> list[CheckIn]:
        c = checkins.c
        query = select(checkins).where(c.status == "open")
        if community is not None:
            query = query.where(c.community == community)
        return await self._all(query.order_by(c.crisis.desc(), c.opened_at, c.id))

    async def set_card_ref(self, checkin_id: str, ref: str) -> None:
        await self._changed(
            update(checkins).where(checkins.c.id == checkin_id).values(card_ref=ref)
        )

    async def checkin_figures(self, community: str) -> list[CheckinFigures]:
        c = checkins.c
        query = select(c.opened_at, c.claimed_at, c.closed_at, c.rating).where(
            c.community == community, c.status != "draft"
        )
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).all()
        return [CheckinFigures(*row) for row in rows]

    async def purge(self, closed_before: datetime, drafts_before: datetime) -> int:
        c = checkins.c
        async with self._db.write() as conn:
            drafts = await conn.execute(
                delete(checkins).where(c.status == "draft", c.created_at < drafts_before)
            )
            closed = await conn.execute(
                update(checkins)
                .where(c.status == "closed", c.closed_at < closed_before, c.member_fp != "")
                .values(**_FORGOTTEN)
            )
        return int(drafts.rowcount) + int(closed.rowcount)

    async def member_checkins(self, member: str) -> list[CheckIn]:
        mine = _member_is(self._cipher, member)
        return await self._all(select(checkins).where(mine).order_by(checkins.c.created_at))

    async def pseudonym_in_use(self, community: str, pseudonym: str, since: datetime) -> bool:
        asked = {"pseudonym": pseudonym, "community": community, "since": since}
        async with self._db.read() as conn:
            return (await conn.execute(_PSEUDONYM_IN_USE, asked)).first() is not None

    async def forget_member(self, member: str) -> int:
        fp = _member_is(self._cipher, member)
        theirs = select(checkins.c.id).where(fp)
        async with self._db.write() as conn:
            await conn.execute(
                delete(outbox).where(outbox.c.purpose == "relay", outbox.c.checkin_id.in_(theirs))
            )
            result = await conn.execute(update(checkins).where(fp).values(**_FORGOTTEN))
        return int(result.rowcount)

    # -- plumbing --------------------------------------------------------------------

    async def _change_with(
        self, change: Any, items: list[OutboxItem], audit: AuditEntry, drop_relays_of: str = ""
    ) -> bool:
        return await change_with(self._db, change, items, audit, drop_relays_of)

    async def _changed(self, change: Any) -> bool:
        return await self._db.change(change) == 1

    async def _one(self, query: Select[Any]) -> CheckIn | None:
        async with self._db.read() as conn:
            row = (await conn.execute(query)).mappings().first()
        return checkin_of(self._cipher, row) if row else None

    async def _all(self, query: Select[Any]) -> list[CheckIn]:
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [checkin_of(self._cipher, row) for row in rows]

    async def _reread(self, conn: AsyncConnection, checkin_id: str) -> CheckIn | None:
        query = select(checkins).where(checkins.c.id == checkin_id)
        row = (await conn.execute(query)).mappings().first()
        return checkin_of(self._cipher, row) if row else None


async def change_with(
    db: Database, change: Any, items: list[OutboxItem], audit: AuditEntry, drop_relays_of: str = ""
) -> bool:
    """`change` (one row, guarded by its status) with its messages and audit line, in
    one transaction; False, and nothing changed, when the guard did not hold."""
    rows = outbox_rows(db.cipher, items)
    async with db.write() as conn:
        if (await conn.execute(change)).rowcount != 1:
            return False
        if drop_relays_of:
            await conn.execute(
                delete(outbox).where(
                    outbox.c.checkin_id == drop_relays_of, outbox.c.purpose == "relay"
                )
            )
        await add_outbox(conn, rows)
        await write_audit(conn, audit)
    return True


# Columns that map one to one onto CheckIn's fields.
_PLAIN = (
    "id", "platform", "pseudonym", "category", "urgency", "locale", "created_at", "opened_at",
    "claimed_at", "claimed_by", "claimed_by_user_id", "claimed_by_name", "closed_at",
    "closed_by", "rating", "escalation_level", "last_escalated_at", "card_ref",
    "last_activity_at", "idle_reminded_at", "region", "community",
)  # fmt: skip


# What purge and forget_member clear: who the member is, their words, where they are.
_FORGOTTEN = {"member_fp": "", "member_enc": "", "text_enc": "", "region": ""}


def _member_is(cipher: Cipher, member: str) -> ColumnElement[bool]:
    """The member's rows, made under the sealing key or an older one still set."""
    return matches_any(checkins.c.member_fp, cipher.fingerprints(member))


# The statements every check-in asks, built once: one built per call cost SQLAlchemy more
# than the database took to answer it. "prints": the member's fingerprints (bot/storage/crypto.py).
_PRINTS = checkins.c.member_fp.in_(bindparam("prints", expanding=True))
_ACTIVE_OF = (
    select(checkins)
    .where(_PRINTS, checkins.c.status.in_(_ACTIVE))
    .order_by(checkins.c.created_at.desc())
    .limit(1)
)
_LAST_CLOSED = select(func.max(checkins.c.closed_at)).where(_PRINTS, checkins.c.status == "closed")
_BLOCKED_UNTIL = select(func.max(blocks.c.until)).where(
    blocks.c.member_fp.in_(bindparam("prints", expanding=True))
)
# Both of opening_state's maxima in one statement: one round trip fewer per check-in ask.
_BLOCKED_AND_CLOSED = select(_BLOCKED_UNTIL.scalar_subquery(), _LAST_CLOSED.scalar_subquery())
_ON_DUTY = (
    select(volunteers.c.volunteer)
    .where(volunteers.c.community == bindparam("community"), volunteers.c.available == 1)
    .limit(1)
)
_PSEUDONYM_IN_USE = (
    select(checkins.c.id)
    .where(
        checkins.c.pseudonym == bindparam("pseudonym"),
        checkins.c.community == bindparam("community"),
        or_(checkins.c.closed_at.is_(None), checkins.c.closed_at >= bindparam("since")),
    )
    .limit(1)
)


def _prints(cipher: Cipher, member: str) -> dict[str, Any]:
    """The member's fingerprints under every key set, for the statements built once."""
    return {"prints": list(cipher.fingerprints(member))}


def _as_time(value: Any) -> datetime | None:
    """MAX() loses the column's type on some dialects: a time, read back as one."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


async def _last_closed(conn: AsyncConnection, prints: dict[str, Any]) -> datetime | None:
    return _as_time((await conn.execute(_LAST_CLOSED, prints)).scalar())


async def _on_duty(conn: AsyncConnection, community: str) -> bool:
    return (await conn.execute(_ON_DUTY, {"community": community})).first() is not None


def _draft_row(cipher: Cipher, checkin: CheckIn) -> dict[str, Any]:
    identity = json.dumps([checkin.member, checkin.member_user_id, checkin.member_name])
    cid = checkin.id
    return {
        "id": checkin.id,
        "platform": checkin.platform,
        "member_fp": cipher.fingerprint(checkin.member),
        "member_enc": cipher.seal(identity, ("checkins", cid, "member_enc")),
        "pseudonym": checkin.pseudonym,
        "category": checkin.category,
        "urgency": checkin.urgency,
        "anonymous": int(checkin.anonymous),
        "text_enc": cipher.seal(checkin.text, ("checkins", cid, "text_enc")),
        "crisis": int(checkin.crisis),
        "locale": checkin.locale,
        "status": checkin.status.value,
        "created_at": checkin.created_at,
        "region": checkin.region,
        "community": checkin.community,
    }


def checkin_of(cipher: Cipher, row: RowMapping) -> CheckIn:
    identity = cipher.open(row["member_enc"], ("checkins", row["id"], "member_enc"))
    member, user_id, name = json.loads(identity) if identity else ("", "", "")
    fields = {k: row[k] for k in _PLAIN}
    return CheckIn(
        member=member,
        member_user_id=user_id,
        member_name=name,
        anonymous=bool(row["anonymous"]),
        text=cipher.open(row["text_enc"], ("checkins", row["id"], "text_enc")),
        crisis=bool(row["crisis"]),
        status=CheckinStatus(row["status"]),
        **fields,
    )
