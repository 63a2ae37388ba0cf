"""Outbox leases, job leases and event sightings for today's SqliteStore (a stop-gap).

Today's SQLite store serves one process per data directory (the data-directory lock
refuses a second), so the leases can live in this process's memory: no other process
could hold one. The SQLAlchemy store replaces this module with tables.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from bot.core.models import AuditEntry, OutboxItem

T = TypeVar("T")


class _SqliteParts(Protocol):
    async def _write(self, body: Callable[[sqlite3.Connection], T]) -> T: ...

    async def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]: ...

    async def _change(self, sql: str, params: Sequence[Any] = ()) -> int: ...

    def _outbox_item(self, row: sqlite3.Row) -> OutboxItem: ...


@dataclass
class _Leases:
    outbox: dict[str, datetime] = field(default_factory=dict)
    jobs: dict[str, datetime] = field(default_factory=dict)
    sightings: dict[str, datetime] = field(default_factory=dict)


_STATE: weakref.WeakKeyDictionary[object, _Leases] = weakref.WeakKeyDictionary()


def _state(store: object) -> _Leases:
    return _STATE.setdefault(store, _Leases())


class SharedSpecSqlite:
    def end_outbox_lease(self, item_id: str, due_at: datetime | None = None) -> None:
        """Called by SqliteStore when an item is delivered (`due_at` None) or put back.

        A read that started before the change can still return the row as it was: so a
        delivered item stays leased until its lease ends, and one put back stays taken
        until it is due again."""
        if due_at is not None:
            _state(self).outbox[item_id] = due_at

    async def lease_due_outbox(
        self: _SqliteParts, now: datetime, limit: int, owner: str, lease_until: datetime
    ) -> list[OutboxItem]:
        leases = _state(self).outbox
        for ended in [k for k, until in leases.items() if until <= now]:
            del leases[ended]
        rows = await self._read(
            "SELECT * FROM outbox WHERE next_attempt_at <= ?"
            " ORDER BY priority DESC, next_attempt_at, created_at, rowid",
            (now.isoformat(),),
        )
        taken: list[OutboxItem] = []
        for row in rows:
            if len(taken) >= limit:
                break
            held = leases.get(row["id"])
            if held is None or held <= now:
                leases[row["id"]] = lease_until
                taken.append(self._outbox_item(row))
        return taken

    async def give_up(self: _SqliteParts, item_id: str, audit: AuditEntry) -> None:
        def body(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM outbox WHERE id = ?", (item_id,))
            db.execute(
                "INSERT INTO audit (at, checkin_id, pseudonym, action, by_name) VALUES (?,?,?,?,?)",
                (audit.at.isoformat(), audit.checkin_id, audit.pseudonym, audit.action, audit.by),
            )

        await self._write(body)

    async def oldest_pending_at(self: _SqliteParts) -> datetime | None:
        rows = await self._read("SELECT MIN(created_at) AS oldest FROM outbox")
        oldest = rows[0]["oldest"] if rows else None
        return datetime.fromisoformat(oldest) if oldest else None

    async def take_lease(self, name: str, owner: str, now: datetime, until: datetime) -> bool:
        jobs = _state(self).jobs
        held = jobs.get(name)
        if held is not None and held > now:
            return False
        jobs[name] = until
        return True

    async def first_sighting(self, key: str, at: datetime) -> bool:
        sightings = _state(self).sightings
        if key in sightings:
            return False
        sightings[key] = at
        return True

    async def forget_sightings(self, before: datetime) -> int:
        sightings = _state(self).sightings
        old = [k for k, at in sightings.items() if at < before]
        for key in old:
            del sightings[key]
        return len(old)
