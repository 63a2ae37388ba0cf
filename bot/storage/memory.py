"""An in-memory Store for unit tests and throwaway runs. Same contract as SQLite."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from functools import cached_property

from bot.core.group_model import GroupSession, GroupStatus
from bot.core.models import (
    AuditEntry,
    CheckIn,
    CheckinFigures,
    CheckinStatus,
    Opening,
    OpeningState,
    OutboxItem,
    PracticeRun,
    RunStatus,
)


class MemoryStore:
    def __init__(self) -> None:
        self._runs: dict[str, PracticeRun] = {}
        self._counts: dict[str, dict[str, int]] = defaultdict(dict)
        self._checkins: dict[str, CheckIn] = {}
        # Ids of each member's check-ins, so that the desk's per-request checks do not scan
        # every check-in. Ids may outlive their row or its member (purged, forgotten):
        # lookups re-check both.
        self._ids_by_member: dict[str, list[str]] = defaultdict(list)
        self._outbox: dict[str, OutboxItem] = {}
        self._availability: dict[str, tuple[str, bool]] = {}
        self._blocks: dict[str, datetime] = {}
        self._audit: list[AuditEntry] = []
        self._anonymous_volunteers: set[str] = set()

    async def close_store(self) -> None:
        return None

    # -- practice --------------------------------------------------------------------

    async def save_run(self, run: PracticeRun) -> None:
        self._runs[run.id] = run

    async def save_runs(
        self, runs: Sequence[PracticeRun], counts: Sequence[tuple[str, str]] = ()
    ) -> None:
        # Through save_run, so a subclass that watches run saves sees these too.
        for run in runs:
            await self.save_run(run)
        for metric, key in counts:
            await self.bump(metric, key)

    async def get_run(self, run_id: str) -> PracticeRun | None:
        return self._runs.get(run_id)

    async def active_run(self, member: str) -> PracticeRun | None:
        active = [
            r for r in self._runs.values() if r.member == member and r.status is RunStatus.ACTIVE
        ]
        return max(active, key=lambda r: r.updated_at, default=None)

    async def member_runs(self, member: str) -> list[PracticeRun]:
        return sorted(
            (r for r in self._runs.values() if r.member == member), key=lambda r: r.started_at
        )

    async def delete_member_runs(self, member: str) -> int:
        doomed = [k for k, r in self._runs.items() if r.member == member]
        for key in doomed:
            del self._runs[key]
        return len(doomed)

    # -- stats -----------------------------------------------------------------------

    async def bump(self, metric: str, key: str, by: int = 1) -> None:
        bucket = self._counts[metric]
        bucket[key] = bucket.get(key, 0) + by

    async def counts(self, metric: str) -> Mapping[str, int]:
        return dict(self._counts.get(metric, {}))

    # -- check-ins -------------------------------------------------------------------

    async def save_draft(self, checkin: CheckIn) -> None:
        self._checkins[checkin.id] = checkin
        self._ids_by_member[checkin.member].append(checkin.id)

    def _members_checkins(self, member: str) -> list[CheckIn]:
        found = (self._checkins.get(i) for i in self._ids_by_member.get(member, ()))
        return [c for c in found if c is not None and c.member == member]

    async def get_checkin(self, checkin_id: str) -> CheckIn | None:
        return self._checkins.get(checkin_id)

    async def purge_draft(self, checkin_id: str) -> bool:
        current = self._checkins.get(checkin_id)
        if current is None or current.status is not CheckinStatus.DRAFT:
            return False
        del self._checkins[checkin_id]
        return True

    async def open_checkin(
        self,
        checkin_id: str,
        member: str,
        at: datetime,
        outbox: Callable[[CheckIn], list[OutboxItem]],
    ) -> Opening:
        current = self._checkins.get(checkin_id)
        if current is None or current.member != member:
            return Opening(None, False, False)
        on_duty = any(p == current.platform and on for p, on in self._availability.values())
        if current.status is not CheckinStatus.DRAFT:
            return Opening(current, False, on_duty)
        opened = replace(current, status=CheckinStatus.OPEN, opened_at=at)
        items = outbox(opened)  # before any change: if it raises, nothing changed
        self._checkins[checkin_id] = opened
        self._add_outbox(items)
        return Opening(opened, True, on_duty)

    async def active_checkin(self, member: str) -> CheckIn | None:
        for checkin in self._members_checkins(member):
            if checkin.is_active:
                return checkin
        return None

    async def last_closed_at(self, member: str) -> datetime | None:
        closed = [
            c.closed_at
            for c in self._members_checkins(member)
            if c.status is CheckinStatus.CLOSED and c.closed_at
        ]
        return max(closed, default=None)

    async def claim(
        self,
        checkin_id: str,
        volunteer: tuple[str, str, str],
        at: datetime,
        outbox: list[OutboxItem],
        audit: AuditEntry,
    ) -> bool:
        current = self._checkins.get(checkin_id)
        if current is None or current.status is not CheckinStatus.OPEN:
            return False
        key, user_id, name = volunteer
        self._checkins[checkin_id] = replace(
            current,
            status=CheckinStatus.CLAIMED,
            claimed_at=at,
            claimed_by=key,
            claimed_by_user_id=user_id,
            claimed_by_name=name,
        )
        self._add_outbox(outbox)
        self._audit.append(audit)
        return True

    async def active_claim(self, volunteer: str) -> CheckIn | None:
        for checkin in self._checkins.values():
            if checkin.claimed_by == volunteer and checkin.status is CheckinStatus.CLAIMED:
                return checkin
        return None

    async def close(
        self, checkin_id: str, by: str, at: datetime, outbox: list[OutboxItem], audit: AuditEntry
    ) -> bool:
        current = self._checkins.get(checkin_id)
        if current is None or not current.is_active:
            return False
        self._checkins[checkin_id] = replace(
            current, status=CheckinStatus.CLOSED, closed_at=at, closed_by=by
        )
        for item_id in [
            k
            for k, i in self._outbox.items()
            if i.checkin_id == checkin_id and i.purpose == "relay"
        ]:
            del self._outbox[item_id]
        self._add_outbox(outbox)
        self._audit.append(audit)
        return True

    async def rate(self, checkin_id: str, rating: int) -> bool:
        current = self._checkins.get(checkin_id)
        if (
            current is None
            or current.status is not CheckinStatus.CLOSED
            or current.rating is not None
        ):
            return False
        self._checkins[checkin_id] = replace(current, rating=rating)
        return True

    async def escalate(
        self, checkin_id: str, level: int, at: datetime, outbox: list[OutboxItem], audit: AuditEntry
    ) -> bool:
        current = self._checkins.get(checkin_id)
        if (
            current is None
            or current.status is not CheckinStatus.OPEN
            or current.escalation_level >= level
        ):
            return False
        self._checkins[checkin_id] = replace(current, escalation_level=level, last_escalated_at=at)
        self._add_outbox(outbox)
        self._audit.append(audit)
        return True

    async def unclaimed(self) -> list[CheckIn]:
        return sorted(
            (c for c in self._checkins.values() if c.status is CheckinStatus.OPEN),
            key=lambda c: (not c.crisis, c.opened_at or c.created_at),
        )

    async def set_card_ref(self, checkin_id: str, ref: str) -> None:
        current = self._checkins.get(checkin_id)
        if current is not None:
            self._checkins[checkin_id] = replace(current, card_ref=ref)

    # -- outbox ----------------------------------------------------------------------

    def _add_outbox(self, items: list[OutboxItem]) -> None:
        for item in items:
            self._outbox[item.id] = item

    async def enqueue(self, items: list[OutboxItem]) -> None:
        self._add_outbox(items)

    async def due_outbox(self, now: datetime, limit: int) -> list[OutboxItem]:
        due = [i for i in self._outbox.values() if i.next_attempt_at <= now]
        # Stable sort: items queued together keep the order they were queued in.
        due.sort(key=lambda i: (-i.priority, i.created_at))
        return due[:limit]

    async def pending_outbox_count(self) -> int:
        return len(self._outbox)

    async def delivered(self, item_id: str) -> None:
        self._outbox.pop(item_id, None)

    async def retry_later(self, item_id: str, attempts: int, at: datetime) -> None:
        item = self._outbox.get(item_id)
        if item is not None:
            self._outbox[item_id] = replace(item, attempts=attempts, next_attempt_at=at)

    # -- volunteers, blocks, audit ---------------------------------------------------

    async def set_availability(self, volunteer: str, platform: str, available: bool) -> None:
        self._availability[volunteer] = (platform, available)

    async def is_available(self, volunteer: str) -> bool:
        return self._availability.get(volunteer, ("", False))[1]

    async def available_volunteers(self, platform: str) -> list[str]:
        return sorted(k for k, (p, on) in self._availability.items() if p == platform and on)

    async def block(self, member: str, until: datetime) -> None:
        self._blocks[member] = until

    async def blocked_until(self, member: str) -> datetime | None:
        return self._blocks.get(member)

    async def opening_state(self, member: str) -> OpeningState:
        return OpeningState(
            await self.blocked_until(member),
            await self.active_checkin(member),
            await self.last_closed_at(member),
        )

    async def audit_entries(self, limit: int) -> list[AuditEntry]:
        return sorted(self._audit, key=lambda a: a.at, reverse=True)[:limit]

    async def checkin_figures(self) -> list[CheckinFigures]:
        return [
            CheckinFigures(c.opened_at, c.claimed_at, c.closed_at, c.rating)
            for c in self._checkins.values()
            if c.status is not CheckinStatus.DRAFT
        ]

    async def purge(self, closed_before: datetime, drafts_before: datetime) -> int:
        purged = 0
        for key, c in list(self._checkins.items()):
            if c.status is CheckinStatus.DRAFT and c.created_at < drafts_before:
                del self._checkins[key]
                purged += 1
            elif (
                c.status is CheckinStatus.CLOSED
                and c.closed_at
                and c.closed_at < closed_before
                and c.member
            ):
                self._checkins[key] = _forgotten(c)
                purged += 1
        return purged

    async def member_checkins(self, member: str) -> list[CheckIn]:
        return sorted(
            (c for c in self._checkins.values() if c.member == member), key=lambda c: c.created_at
        )

    async def forget_member(self, member: str) -> int:
        mine = [key for key, c in self._checkins.items() if c.member == member]
        for key in mine:
            self._checkins[key] = _forgotten(self._checkins[key])
        relays = [
            k for k, i in self._outbox.items() if i.checkin_id in mine and i.purpose == "relay"
        ]
        for item_id in relays:
            del self._outbox[item_id]
        # A block stays: it protects volunteers and names nobody.
        return len(mine)

    # -- handover and idle close (issue 18.4) ----------------------------------------

    async def requeue(
        self,
        checkin_id: str,
        claimed_by: str,
        at: datetime,
        outbox: list[OutboxItem],
        audit: AuditEntry,
    ) -> bool:
        current = self._checkins.get(checkin_id)
        if (
            current is None
            or current.status is not CheckinStatus.CLAIMED
            or current.claimed_by != claimed_by
        ):
            return False
        self._checkins[checkin_id] = replace(
            current,
            status=CheckinStatus.OPEN,
            claimed_at=None,
            claimed_by="",
            claimed_by_user_id="",
            claimed_by_name="",
            escalation_level=0,
            last_escalated_at=at,
            last_activity_at=None,
            idle_reminded_at=None,
        )
        self._add_outbox(outbox)
        self._audit.append(audit)
        return True

    async def relay(self, checkin_id: str, items: list[OutboxItem], at: datetime) -> None:
        current = self._checkins.get(checkin_id)
        if current is not None:
            self._checkins[checkin_id] = replace(
                current, last_activity_at=at, idle_reminded_at=None
            )
        self._add_outbox(items)

    async def idle_claimed(self, quiet_since: datetime) -> list[CheckIn]:
        return sorted(
            (
                c
                for c in self._checkins.values()
                if c.status is CheckinStatus.CLAIMED and _last_activity(c) < quiet_since
            ),
            key=_last_activity,
        )

    async def remind_idle(
        self, checkin_id: str, at: datetime, outbox: list[OutboxItem], audit: AuditEntry
    ) -> bool:
        current = self._checkins.get(checkin_id)
        if (
            current is None
            or current.status is not CheckinStatus.CLAIMED
            or current.idle_reminded_at is not None
        ):
            return False
        self._checkins[checkin_id] = replace(current, idle_reminded_at=at)
        self._add_outbox(outbox)
        self._audit.append(audit)
        return True

    async def close_idle(
        self,
        checkin_id: str,
        quiet_since: datetime,
        at: datetime,
        outbox: list[OutboxItem],
        audit: AuditEntry,
    ) -> bool:
        current = self._checkins.get(checkin_id)
        if (
            current is None
            or current.status is not CheckinStatus.CLAIMED
            or _last_activity(current) >= quiet_since
        ):
            return False
        return await self.close(checkin_id, "system", at, outbox, audit)

    async def set_volunteer_anonymous(self, volunteer: str, platform: str, anonymous: bool) -> None:
        if anonymous:
            self._anonymous_volunteers.add(volunteer)
        else:
            self._anonymous_volunteers.discard(volunteer)

    async def volunteer_anonymous(self, volunteer: str) -> bool:
        return volunteer in self._anonymous_volunteers

    # -- group practice (issue 21.1) ---------------------------------------------------

    @cached_property
    def _groups(self) -> dict[str, GroupSession]:
        return {}

    @cached_property
    def _group_votes(self) -> dict[tuple[str, int], dict[str, int]]:
        """(session, step number) -> voter fingerprint -> choice index."""
        return {}

    async def create_group(self, session: GroupSession) -> None:
        self._groups[session.id] = session

    async def get_group(self, session_id: str) -> GroupSession | None:
        return self._groups.get(session_id)

    async def cast_vote(
        self, session_id: str, number: int, voter: str, choice: int, at: datetime
    ) -> int | None:
        session = self._groups.get(session_id)
        if session is None or session.status is not GroupStatus.VOTING or session.number != number:
            return None
        self._groups[session_id] = replace(session, active_at=at)
        fingerprint = hashlib.sha256(f"{session_id}:{voter}".encode()).hexdigest()[:32]
        votes = self._group_votes.setdefault((session_id, number), {})
        votes[fingerprint] = choice
        return len(votes)

    async def group_tally(self, session_id: str, number: int) -> dict[int, int]:
        tally: dict[int, int] = {}
        for choice in self._group_votes.get((session_id, number), {}).values():
            tally[choice] = tally.get(choice, 0) + 1
        return tally

    async def update_group(
        self,
        session: GroupSession,
        expected_status: GroupStatus,
        expected_number: int,
        counts: Sequence[tuple[str, str, int]] = (),
    ) -> bool:
        stored = self._groups.get(session.id)
        if stored is None or (stored.status, stored.number) != (expected_status, expected_number):
            return False
        self._groups[session.id] = session
        for metric, key, by in counts:
            await self.bump(metric, key, by)
        for kept in [k for k in self._group_votes if k[0] == session.id]:
            if not session.is_open or kept[1] < session.number:
                del self._group_votes[kept]
        return True

    async def idle_groups(self, quiet_since: datetime) -> list[GroupSession]:
        return [s for s in self._groups.values() if s.is_open and s.active_at <= quiet_since]

    # -- end of group practice (issue 21.1) --------------------------------------------


def _forgotten(checkin: CheckIn) -> CheckIn:
    return replace(checkin, member="", member_user_id="", member_name="", text="", region="")


def _last_activity(checkin: CheckIn) -> datetime:
    # A claimed check-in always has claimed_at; created_at only guards the type.
    return checkin.last_activity_at or checkin.claimed_at or checkin.created_at
