"""Practice runs, in the database only: whichever process gets the next press serves it.

A run is kept under the member's keyed fingerprint (the check-ins' own), never their
platform id; a run read back carries the member the caller asked for."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Select, bindparam, delete, select

from bot.core.catalog import Tactic
from bot.core.community import community_of_key
from bot.core.models import Move, PracticeRun, RunStatus
from bot.storage.engine import Database, matches_any, upsert
from bot.storage.schema import runs
from bot.storage.stats import add_counts


class SqlPractice:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def save_run(self, run: PracticeRun) -> None:
        await self.save_runs(run.community, [run])

    async def save_runs(
        self, community: str, runs_: Sequence[PracticeRun], counts: Sequence[tuple[str, str]] = ()
    ) -> None:
        async with self._db.write() as conn:
            if runs_:
                ordered = sorted(runs_, key=lambda run: run.id)  # one lock order for all
                rows = [_row(run, self._fp(run.member)) for run in ordered]
                # One row is one execute, not a batch of one (asyncpg prepares a batch).
                await conn.execute(_save(self._db.dialect), rows[0] if len(rows) == 1 else rows)
            await add_counts(conn, self._db.dialect, community, [(m, k, 1) for m, k in counts])

    async def get_run(self, run_id: str, member: str) -> PracticeRun | None:
        prints = self._db.cipher.fingerprints(member)
        if len(prints) == 1:
            query, params = _BY_ID, {"run_id": run_id, "member": prints[0]}
        else:
            query, params = select(runs).where(runs.c.id == run_id, self._mine(member)), {}
        async with self._db.read() as conn:
            row = (await conn.execute(query, params)).mappings().first()
        return _run(row, member) if row else None

    def _fp(self, member: str) -> str:
        return self._db.cipher.fingerprint(member)

    def _mine(self, member: str) -> ColumnElement[bool]:
        # Runs saved under an older key are found while that key is still set.
        return matches_any(runs.c.member, self._db.cipher.fingerprints(member))

    async def active_run(self, member: str) -> PracticeRun | None:
        prints = self._db.cipher.fingerprints(member)
        if len(prints) == 1:
            query, params = _ACTIVE, {"member": prints[0]}
        else:
            query, params = _latest_active(self._mine(member)), {}
        async with self._db.read() as conn:
            row = (await conn.execute(query, params)).mappings().first()
        return _run(row, member) if row else None

    async def member_runs(self, member: str) -> list[PracticeRun]:
        query = select(runs).where(self._mine(member)).order_by(runs.c.started_at)
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_run(row, member) for row in rows]

    async def delete_member_runs(self, member: str) -> int:
        async with self._db.write() as conn:
            result = await conn.execute(delete(runs).where(self._mine(member)))
        return int(result.rowcount)

    async def purge_runs(self, updated_before: datetime) -> int:
        async with self._db.write() as conn:
            result = await conn.execute(delete(runs).where(runs.c.updated_at < updated_before))
        return int(result.rowcount)


def _latest_active(mine: ColumnElement[bool]) -> Select[Any]:
    active = runs.c.status == RunStatus.ACTIVE.value
    return select(runs).where(mine, active).order_by(runs.c.updated_at.desc()).limit(1)


# The presses' reads, built once: a statement built per call costs more than SQLite
# takes to answer it (SQLAlchemy walks a new statement to find its compiled form).
_BY_ID = select(runs).where(runs.c.id == bindparam("run_id"), runs.c.member == bindparam("member"))
_ACTIVE = _latest_active(runs.c.member == bindparam("member"))


@functools.cache
def _save(dialect: str) -> Any:
    """Insert or update a run: built once (building `excluded` copies every column)."""
    insert = upsert(dialect, runs)
    # A run from before communities gets its community when next saved.
    moved = ("step_id", "moves", "status", "updated_at", "locale", "community")
    return insert.on_conflict_do_update(
        index_elements=[runs.c.id], set_={name: insert.excluded[name] for name in moved}
    )


def _row(run: PracticeRun, member_fp: str) -> dict[str, Any]:
    moves = [[m.step_id, m.choice_index, m.tactic.value] for m in run.moves]
    return {
        "id": run.id,
        "member": member_fp,
        "scenario_id": run.scenario_id,
        "locale": run.locale,
        "step_id": run.step_id,
        "moves": json.dumps(moves),
        "status": run.status.value,
        "started_at": run.started_at,
        "updated_at": run.updated_at,
        "community": run.community or community_of_key(run.member),
    }


def _run(row: RowMapping, member: str) -> PracticeRun:
    moves = tuple(Move(s, int(i), Tactic(t)) for s, i, t in json.loads(row["moves"]))
    return PracticeRun(
        id=row["id"],
        member=member,
        scenario_id=row["scenario_id"],
        locale=row["locale"],
        step_id=row["step_id"],
        moves=moves,
        status=RunStatus(row["status"]),
        started_at=row["started_at"],
        updated_at=row["updated_at"],
        community=row["community"] or community_of_key(member),
    )
