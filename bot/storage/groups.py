"""Group practice sessions in a channel (issue 21.1).

A vote's row holds a keyed fingerprint of session and voter, never the voter, and lives
until its step is revealed or the session ends.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, delete, func, insert, select, update

from bot.core.catalog import Tactic
from bot.core.group_model import OPEN_STATUSES, GroupMove, GroupSession, GroupStatus
from bot.storage.engine import Database, upsert
from bot.storage.schema import group_sessions, group_votes
from bot.storage.stats import add_counts

# Once a session is over every vote goes: no step number reaches this.
_ALL_STEPS = 2**31 - 1


class SqlGroups:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create_group(self, session: GroupSession) -> None:
        async with self._db.write() as conn:
            await conn.execute(insert(group_sessions).values(**_row(session)))

    async def get_group(self, session_id: str) -> GroupSession | None:
        query = select(group_sessions).where(group_sessions.c.id == session_id)
        async with self._db.read() as conn:
            row = (await conn.execute(query)).mappings().first()
        return _session(row) if row else None

    async def cast_vote(
        self, session_id: str, number: int, voter: str, choice: int, at: datetime
    ) -> int | None:
        s, v = group_sessions.c, group_votes.c
        fps = self._db.cipher.fingerprints(f"group:{session_id}:{voter}")
        vote = {"session_id": session_id, "number": number, "voter_fp": fps[0], "choice": choice}
        async with self._db.write() as conn:
            moved = await conn.execute(
                update(group_sessions)
                .where(s.id == session_id, s.status == GroupStatus.VOTING.value, s.number == number)
                .values(active_at=at)
            )
            if moved.rowcount != 1:
                return None
            if len(fps) > 1:  # a vote cast under a key now old is replaced, not added to
                older = v.session_id == session_id, v.number == number, v.voter_fp.in_(fps[1:])
                await conn.execute(delete(group_votes).where(*older))
            await conn.execute(_vote(self._db.dialect), vote)
            voters = select(func.count()).where(v.session_id == session_id, v.number == number)
            return int((await conn.execute(voters)).scalar_one())

    async def group_tally(self, session_id: str, number: int) -> dict[int, int]:
        v = group_votes.c
        query = (
            select(v.choice, func.count())
            .where(v.session_id == session_id, v.number == number)
            .group_by(v.choice)
        )
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).all()
        return {int(choice): int(n) for choice, n in rows}

    async def update_group(
        self,
        session: GroupSession,
        expected_status: GroupStatus,
        expected_number: int,
        counts: Sequence[tuple[str, str, int]] = (),
    ) -> bool:
        s, v = group_sessions.c, group_votes.c
        row = _row(session)
        del row["id"], row["scenario_id"], row["locale"], row["started_at"], row["community"]
        # Votes of earlier steps go; every vote goes once the session is over.
        keep_from = session.number if session.is_open else _ALL_STEPS
        async with self._db.write() as conn:
            moved = await conn.execute(
                update(group_sessions)
                .where(
                    s.id == session.id,
                    s.status == expected_status.value,
                    s.number == expected_number,
                )
                .values(**row)
            )
            if moved.rowcount != 1:
                return False
            await conn.execute(
                delete(group_votes).where(v.session_id == session.id, v.number < keep_from)
            )
            await add_counts(conn, self._db.dialect, session.community, counts)
        return True

    async def idle_groups(self, quiet_since: datetime) -> list[GroupSession]:
        s = group_sessions.c
        query = (
            select(group_sessions)
            .where(s.status.in_([g.value for g in OPEN_STATUSES]), s.active_at <= quiet_since)
            .order_by(s.active_at, s.id)
        )
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_session(row) for row in rows]


@functools.cache
def _vote(dialect: str) -> Any:
    """A voter's vote at a step, replacing their earlier one there: built once."""
    insert_ = upsert(dialect, group_votes)
    v = group_votes.c
    return insert_.on_conflict_do_update(
        index_elements=[v.session_id, v.number, v.voter_fp],
        set_={"choice": insert_.excluded["choice"]},
    )


def _row(session: GroupSession) -> dict[str, Any]:
    path = [[m.step_id, m.choice_index, m.tactic.value, list(m.votes)] for m in session.path]
    return {
        "id": session.id,
        "scenario_id": session.scenario_id,
        "locale": session.locale,
        "starter": session.starter,
        "step_id": session.step_id,
        "number": session.number,
        "path": json.dumps(path),
        "status": session.status.value,
        "tied": json.dumps(list(session.tied)),
        "started_at": session.started_at,
        "active_at": session.active_at,
        "community": session.community,
    }


def _session(row: RowMapping) -> GroupSession:
    path = tuple(
        GroupMove(s, int(i), Tactic(t), tuple(int(v) for v in votes))
        for s, i, t, votes in json.loads(row["path"])
    )
    return GroupSession(
        id=row["id"],
        scenario_id=row["scenario_id"],
        locale=row["locale"],
        starter=row["starter"],
        step_id=row["step_id"],
        number=int(row["number"]),
        path=path,
        status=GroupStatus(row["status"]),
        tied=tuple(int(i) for i in json.loads(row["tied"])),
        started_at=row["started_at"],
        active_at=row["active_at"],
        community=row["community"],
    )
