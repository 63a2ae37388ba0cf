"""The in-memory store: the contract's fake, for unit tests and throwaway runs.

One `MemoryState` behind one small class per port, as the SQL store has one module per
port; `MemoryStore()` gives them all as `Stores`.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.core.community import community_id, community_of_key, scope_of
from bot.core.group_model import GroupSession, GroupStatus
from bot.core.models import (
    AuditEntry,
    CheckIn,
    CheckinFigures,
    CheckinStatus,
    Community,
    CommunityStatus,
    Opening,
    OpeningState,
    OutboxItem,
    PracticeRun,
    RunStatus,
    SentCopy,
)
from bot.core.ports import Stores
from bot.core.schedule_model import Schedule
from bot.core.settings import CommunitySettings
from bot.storage.memory_content import MemoryContentFiles


@dataclass
class MemoryState:
    runs: dict[str, PracticeRun] = field(default_factory=dict)
    # (community, metric) -> key -> count.
    counts: dict[tuple[str, str], dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    checkins: dict[str, CheckIn] = field(default_factory=dict)
    # Ids of each member's check-ins, so that the desk's per-request checks do not scan
    # every check-in. Ids may outlive their row or its member (purged, forgotten):
    # lookups re-check both.
    ids_by_member: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    outbox: dict[str, OutboxItem] = field(default_factory=dict)
    # Item id → (owner, until) while a process holds it.
    outbox_leases: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    # Volunteer key -> (community, available).
    availability: dict[str, tuple[str, bool]] = field(default_factory=dict)
    blocks: dict[str, datetime] = field(default_factory=dict)
    block_communities: dict[str, str] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    job_leases: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    sightings: dict[str, datetime] = field(default_factory=dict)
    # Insertion order of outbox items, to keep items queued together in their order.
    queued: int = 0
    order: dict[str, int] = field(default_factory=dict)
    anonymous_volunteers: set[str] = field(default_factory=set)
    groups: dict[str, GroupSession] = field(default_factory=dict)
    # (session, step number) -> voter fingerprint -> choice index.
    group_votes: dict[tuple[str, int], dict[str, int]] = field(default_factory=dict)
    copies: dict[str, SentCopy] = field(default_factory=dict)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    communities: dict[str, Community] = field(default_factory=dict)
    community_settings: dict[str, CommunitySettings] = field(default_factory=dict)

    def add_outbox(self, items: list[OutboxItem]) -> None:
        for item in items:
            self.outbox[item.id] = item
            self.order[item.id] = self.queued
            self.queued += 1

    def drop_outbox(self, item_id: str) -> None:
        self.outbox.pop(item_id, None)
        self.outbox_leases.pop(item_id, None)
        self.order.pop(item_id, None)

    def bump(self, community: str, metric: str, key: str, by: int) -> None:
        bucket = self.counts[community, metric]
        bucket[key] = bucket.get(key, 0) + by


class _Part:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    @property
    def state(self) -> MemoryState:
        return self._s


class MemoryPractice(_Part):
    async def save_run(self, run: PracticeRun) -> None:
        self._s.runs[run.id] = run

    async def save_runs(
        self, community: str, runs: Sequence[PracticeRun], counts: Sequence[tuple[str, str]] = ()
    ) -> None:
        # Through save_run, so a subclass that watches run saves sees these too.
        for run in runs:
            await self.save_run(run)
        for metric, key in counts:
            self._s.bump(community, metric, key, 1)

    async def get_run(self, run_id: str, member: str) -> PracticeRun | None:
        run = self._s.runs.get(run_id)
        return run if run is not None and run.member == member else None

    async def active_run(self, member: str) -> PracticeRun | None:
        active = [
            r for r in self._s.runs.values() if r.member == member and r.status is RunStatus.ACTIVE
        ]
        return max(active, key=lambda r: r.updated_at, default=None)

    async def member_runs(self, member: str) -> list[PracticeRun]:
        return sorted(
            (r for r in self._s.runs.values() if r.member == member), key=lambda r: r.started_at
        )

    async def delete_member_runs(self, member: str) -> int:
        doomed = [k for k, r in self._s.runs.items() if r.member == member]
        for key in doomed:
            del self._s.runs[key]
        return len(doomed)

    async def purge_runs(self, updated_before: datetime) -> int:
        doomed = [k for k, r in self._s.runs.items() if r.updated_at < updated_before]
        for key in doomed:
            del self._s.runs[key]
        return len(doomed)


class MemoryStats(_Part):
    async def bump(self, community: str, metric: str, key: str, by: int = 1) -> None:
        self._s.bump(community, metric, key, by)

    async def counts(self, community: str, metric: str) -> Mapping[str, int]:
        summed: dict[str, int] = {}
        for scope in scope_of(community):
            for key, count in self._s.counts.get((scope, metric), {}).items():
                summed[key] = summed.get(key, 0) + count
        return summed


class MemoryCheckins(_Part):
    async def save_draft(self, checkin: CheckIn) -> None:
        self._s.checkins[checkin.id] = checkin
        self._s.ids_by_member[checkin.member].append(checkin.id)

    def _members_checkins(self, member: str) -> list[CheckIn]:
        found = (self._s.checkins.get(i) for i in self._s.ids_by_member.get(member, ()))
        return [c for c in found if c is not None and c.member == member]

    async def get_checkin(self, checkin_id: str) -> CheckIn | None:
        return self._s.checkins.get(checkin_id)

    async def purge_draft(self, checkin_id: str) -> bool:
        current = self._s.checkins.get(checkin_id)
        if current is None or current.status is not CheckinStatus.DRAFT:
            return False
        del self._s.checkins[checkin_id]
        return True

    async def open_checkin(
        self,
        checkin_id: str,
        member: str,
        at: datetime,
        outbox: Callable[[CheckIn], list[OutboxItem]],
    ) -> Opening:
        current = self._s.checkins.get(checkin_id)
        if current is None or current.member != member:
            return Opening(None, False, False)
        on_duty = any(c == current.community and on for c, on in self._s.availability.values())
        if current.status is not CheckinStatus.DRAFT:
            return Opening(current, False, on_duty)
        opened = replace(current, status=CheckinStatus.OPEN, opened_at=at)
        items = outbox(opened)  # before any change: if it raises, nothing changed
        self._s.checkins[checkin_id] = opened
        self._s.add_outbox(items)
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
        current = self._s.checkins.get(checkin_id)
        if current is None or current.status is not CheckinStatus.OPEN:
            return False
        key, user_id, name = volunteer
        self._s.checkins[checkin_id] = replace(
            current,
            status=CheckinStatus.CLAIMED,
            claimed_at=at,
            claimed_by=key,
            claimed_by_user_id=user_id,
            claimed_by_name=name,
        )
        self._s.add_outbox(outbox)
        self._s.audit.append(audit)
        return True

    async def active_claim(self, volunteer: str) -> CheckIn | None:
        for checkin in self._s.checkins.values():
            if checkin.claimed_by == volunteer and checkin.status is CheckinStatus.CLAIMED:
                return checkin
        return None

    async def close(
        self, checkin_id: str, by: str, at: datetime, outbox: list[OutboxItem], audit: AuditEntry
    ) -> bool:
        current = self._s.checkins.get(checkin_id)
        if current is None or not current.is_active:
            return False
        self._s.checkins[checkin_id] = replace(
            current, status=CheckinStatus.CLOSED, closed_at=at, closed_by=by
        )
        for item_id in [
            k
            for k, i in self._s.outbox.items()
            if i.checkin_id == checkin_id and i.purpose == "relay"
        ]:
            self._s.drop_outbox(item_id)
        self._s.add_outbox(outbox)
        self._s.audit.append(audit)
        return True

    async def rate(self, checkin_id: str, rating: int) -> bool:
        current = self._s.checkins.get(checkin_id)
        if (
            current is None
            or current.status is not CheckinStatus.CLOSED
            or current.rating is not None
        ):
            return False
        self._s.checkins[checkin_id] = replace(current, rating=rating)
        return True

    async def escalate(
        self, checkin_id: str, level: int, at: datetime, outbox: list[OutboxItem], audit: AuditEntry
    ) -> bool:
        current = self._s.checkins.get(checkin_id)
        if (
            current is None
            or current.status is not CheckinStatus.OPEN
            or current.escalation_level >= level
        ):
            return False
        self._s.checkins[checkin_id] = replace(
            current, escalation_level=level, last_escalated_at=at
        )
        self._s.add_outbox(outbox)
        self._s.audit.append(audit)
        return True

    async def unclaimed(self, community: str | None = None) -> list[CheckIn]:
        return sorted(
            (
                c
                for c in self._s.checkins.values()
                if c.status is CheckinStatus.OPEN and community in (None, c.community)
            ),
            key=lambda c: (not c.crisis, c.opened_at or c.created_at),
        )

    async def set_card_ref(self, checkin_id: str, ref: str) -> None:
        current = self._s.checkins.get(checkin_id)
        if current is not None:
            self._s.checkins[checkin_id] = replace(current, card_ref=ref)

    async def opening_state(self, member: str) -> OpeningState:
        return OpeningState(
            self._s.blocks.get(member),
            await self.active_checkin(member),
            await self.last_closed_at(member),
        )

    async def checkin_figures(self, community: str) -> list[CheckinFigures]:
        return [
            CheckinFigures(c.opened_at, c.claimed_at, c.closed_at, c.rating)
            for c in self._s.checkins.values()
            if c.status is not CheckinStatus.DRAFT and c.community == community
        ]

    async def purge(self, closed_before: datetime, drafts_before: datetime) -> int:
        purged = 0
        for key, c in list(self._s.checkins.items()):
            if c.status is CheckinStatus.DRAFT and c.created_at < drafts_before:
                del self._s.checkins[key]
                purged += 1
            elif (
                c.status is CheckinStatus.CLOSED
                and c.closed_at
                and c.closed_at < closed_before
                and c.member
            ):
                self._s.checkins[key] = _forgotten(c)
                purged += 1
        return purged

    async def member_checkins(self, member: str) -> list[CheckIn]:
        return sorted(
            (c for c in self._s.checkins.values() if c.member == member), key=lambda c: c.created_at
        )

    async def forget_member(self, member: str) -> int:
        mine = [key for key, c in self._s.checkins.items() if c.member == member]
        for key in mine:
            self._s.checkins[key] = _forgotten(self._s.checkins[key])
        relays = [
            k for k, i in self._s.outbox.items() if i.checkin_id in mine and i.purpose == "relay"
        ]
        for item_id in relays:
            self._s.drop_outbox(item_id)
        # A block stays: it protects volunteers and names nobody.
        return len(mine)

    async def pseudonym_in_use(self, community: str, pseudonym: str, since: datetime) -> bool:
        return any(
            c.community == community
            and c.pseudonym == pseudonym
            and (c.closed_at is None or c.closed_at >= since)
            for c in self._s.checkins.values()
        )


class MemoryHandover(_Part):
    """Handover and idle close (issue 18.4)."""

    async def requeue(
        self,
        checkin_id: str,
        claimed_by: str,
        at: datetime,
        outbox: list[OutboxItem],
        audit: AuditEntry,
    ) -> bool:
        current = self._s.checkins.get(checkin_id)
        if (
            current is None
            or current.status is not CheckinStatus.CLAIMED
            or current.claimed_by != claimed_by
        ):
            return False
        self._s.checkins[checkin_id] = replace(
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
        self._s.add_outbox(outbox)
        self._s.audit.append(audit)
        return True

    async def relay(self, checkin_id: str, items: list[OutboxItem], at: datetime) -> None:
        current = self._s.checkins.get(checkin_id)
        if current is not None:
            self._s.checkins[checkin_id] = replace(
                current, last_activity_at=at, idle_reminded_at=None
            )
        self._s.add_outbox(items)

    async def idle_claimed(self, quiet_since: datetime) -> list[CheckIn]:
        return sorted(
            (
                c
                for c in self._s.checkins.values()
                if c.status is CheckinStatus.CLAIMED and _last_activity(c) < quiet_since
            ),
            key=_last_activity,
        )

    async def remind_idle(
        self, checkin_id: str, at: datetime, outbox: list[OutboxItem], audit: AuditEntry
    ) -> bool:
        current = self._s.checkins.get(checkin_id)
        if (
            current is None
            or current.status is not CheckinStatus.CLAIMED
            or current.idle_reminded_at is not None
        ):
            return False
        self._s.checkins[checkin_id] = replace(current, idle_reminded_at=at)
        self._s.add_outbox(outbox)
        self._s.audit.append(audit)
        return True

    async def close_idle(
        self,
        checkin_id: str,
        quiet_since: datetime,
        at: datetime,
        outbox: list[OutboxItem],
        audit: AuditEntry,
    ) -> bool:
        current = self._s.checkins.get(checkin_id)
        if (
            current is None
            or current.status is not CheckinStatus.CLAIMED
            or _last_activity(current) >= quiet_since
        ):
            return False
        return await MemoryCheckins(self._s).close(checkin_id, "system", at, outbox, audit)


class MemoryGroups(_Part):
    """Group practice sessions (issue 21.1)."""

    async def create_group(self, session: GroupSession) -> None:
        self._s.groups[session.id] = session

    async def get_group(self, session_id: str) -> GroupSession | None:
        return self._s.groups.get(session_id)

    async def cast_vote(
        self, session_id: str, number: int, voter: str, choice: int, at: datetime
    ) -> int | None:
        session = self._s.groups.get(session_id)
        if session is None or session.status is not GroupStatus.VOTING or session.number != number:
            return None
        self._s.groups[session_id] = replace(session, active_at=at)
        fingerprint = hashlib.sha256(f"{session_id}:{voter}".encode()).hexdigest()[:32]
        votes = self._s.group_votes.setdefault((session_id, number), {})
        votes[fingerprint] = choice
        return len(votes)

    async def group_tally(self, session_id: str, number: int) -> dict[int, int]:
        tally: dict[int, int] = {}
        for choice in self._s.group_votes.get((session_id, number), {}).values():
            tally[choice] = tally.get(choice, 0) + 1
        return tally

    async def update_group(
        self,
        session: GroupSession,
        expected_status: GroupStatus,
        expected_number: int,
        counts: Sequence[tuple[str, str, int]] = (),
    ) -> bool:
        stored = self._s.groups.get(session.id)
        if stored is None or (stored.status, stored.number) != (expected_status, expected_number):
            return False
        self._s.groups[session.id] = session
        for metric, key, by in counts:
            self._s.bump(session.community, metric, key, by)
        for kept in [k for k in self._s.group_votes if k[0] == session.id]:
            if not session.is_open or kept[1] < session.number:
                del self._s.group_votes[kept]
        return True

    async def idle_groups(self, quiet_since: datetime) -> list[GroupSession]:
        return [s for s in self._s.groups.values() if s.is_open and s.active_at <= quiet_since]


class MemorySchedules(_Part):
    """Scenarios of the week (issue 21.2)."""

    async def add_schedule(self, schedule: Schedule) -> None:
        self._s.schedules[schedule.id] = schedule

    async def get_schedule(self, schedule_id: str) -> Schedule | None:
        return self._s.schedules.get(schedule_id)

    async def list_schedules(self, community: str) -> list[Schedule]:
        return [s for s in self._s.schedules.values() if s.community == community]

    async def set_schedule_paused(self, schedule_id: str, paused: bool, next_due: datetime) -> bool:
        stored = self._s.schedules.get(schedule_id)
        if stored is None:
            return False
        self._s.schedules[schedule_id] = replace(stored, paused=paused, next_due=next_due)
        return True

    async def remove_schedule(self, schedule_id: str) -> bool:
        return self._s.schedules.pop(schedule_id, None) is not None

    async def due_schedules(self, now: datetime) -> list[Schedule]:
        due = [s for s in self._s.schedules.values() if not s.paused and s.next_due <= now]
        return sorted(due, key=lambda s: s.next_due)

    async def claim_schedule(
        self, claimed: Schedule, expected_due: datetime, outbox: list[OutboxItem]
    ) -> bool:
        stored = self._s.schedules.get(claimed.id)
        if stored is None or stored.paused or stored.next_due != expected_due:
            return False
        self._s.schedules[claimed.id] = replace(claimed, paused=False)
        self._s.add_outbox(outbox)
        return True


class MemoryVolunteers(_Part):
    async def set_availability(self, volunteer: str, community: str, available: bool) -> None:
        self._s.availability[volunteer] = (community, available)

    async def is_available(self, volunteer: str) -> bool:
        return self._s.availability.get(volunteer, ("", False))[1]

    async def available_volunteers(self, community: str) -> list[str]:
        return sorted(k for k, (c, on) in self._s.availability.items() if c == community and on)

    async def block(self, member: str, until: datetime, community: str) -> None:
        self._s.blocks[member] = until
        self._s.block_communities[member] = community

    async def blocked_until(self, member: str) -> datetime | None:
        return self._s.blocks.get(member)

    async def set_volunteer_anonymous(
        self, volunteer: str, community: str, anonymous: bool
    ) -> None:
        if anonymous:
            self._s.anonymous_volunteers.add(volunteer)
        else:
            self._s.anonymous_volunteers.discard(volunteer)

    async def volunteer_anonymous(self, volunteer: str) -> bool:
        return volunteer in self._s.anonymous_volunteers


class MemoryAudit(_Part):
    async def audit_entries(self, community: str, limit: int) -> list[AuditEntry]:
        scope = scope_of(community)
        theirs = [a for a in self._s.audit if a.community in scope]
        return sorted(theirs, key=lambda a: a.at, reverse=True)[:limit]


class MemoryOutbox(_Part):
    async def enqueue(self, items: list[OutboxItem]) -> None:
        self._s.add_outbox(items)

    async def pending_outbox_count(self) -> int:
        return len(self._s.outbox)

    async def delivered(self, *item_ids: str) -> None:
        for item_id in item_ids:
            self._s.drop_outbox(item_id)

    async def retry_later(self, item_id: str, attempts: int, at: datetime) -> None:
        item = self._s.outbox.get(item_id)
        if item is not None:
            self._s.outbox[item_id] = replace(item, attempts=attempts, next_attempt_at=at)
            self._s.outbox_leases.pop(item_id, None)

    # -- outbox leases, job leases, event sightings (shared spec) ----------------------

    async def lease_due_outbox(
        self, now: datetime, limit: int, owner: str, lease_until: datetime
    ) -> list[OutboxItem]:
        free = [
            i
            for i in self._s.outbox.values()
            if i.next_attempt_at <= now and self._lease_ended(i.id, now)
        ]
        free.sort(key=lambda i: (-i.priority, i.next_attempt_at, self._s.order[i.id]))
        taken = free[:limit]
        for item in taken:
            self._s.outbox_leases[item.id] = (owner, lease_until)
        return taken

    def _lease_ended(self, item_id: str, now: datetime) -> bool:
        lease = self._s.outbox_leases.get(item_id)
        return lease is None or lease[1] <= now

    async def release_outbox_leases(self) -> int:
        held = len(self._s.outbox_leases)
        self._s.outbox_leases.clear()
        return held

    async def give_up(self, item_id: str, audit: AuditEntry) -> None:
        self._s.drop_outbox(item_id)
        self._s.audit.append(audit)

    async def oldest_pending_at(self) -> datetime | None:
        return min((i.created_at for i in self._s.outbox.values()), default=None)


class MemoryCopies(_Part):
    async def record_copy(self, copy: SentCopy) -> None:
        self._s.copies[copy.id] = copy

    async def queue_erasure(self, erase: Callable[[SentCopy], OutboxItem]) -> int:
        doomed = [c for c in self._s.copies.values() if not self._active(c.checkin_id)]
        items = [erase(c) for c in doomed]
        self._s.add_outbox(items)
        for copy in doomed:
            del self._s.copies[copy.id]
        return len(doomed)

    def _active(self, checkin_id: str) -> bool:
        checkin = self._s.checkins.get(checkin_id)
        return checkin is not None and checkin.is_active

    async def copies_of(self, checkin_id: str) -> list[SentCopy]:
        mine = (c for c in self._s.copies.values() if c.checkin_id == checkin_id)
        return sorted(mine, key=lambda c: (c.created_at, c.id))


class MemoryLeases(_Part):
    async def take_lease(self, name: str, owner: str, now: datetime, until: datetime) -> bool:
        held = self._s.job_leases.get(name)
        if held is not None and held[1] > now:
            return False
        self._s.job_leases[name] = (owner, until)
        return True


class MemoryEvents(_Part):
    async def first_sighting(self, key: str, at: datetime) -> bool:
        if key in self._s.sightings:
            return False
        self._s.sightings[key] = at
        return True

    async def forget_sightings(self, before: datetime) -> int:
        old = [k for k, at in self._s.sightings.items() if at < before]
        for key in old:
            del self._s.sightings[key]
        return len(old)


class MemorySettings(_Part):
    async def get(self, community: str) -> CommunitySettings | None:
        return self._s.community_settings.get(community)

    async def save(
        self, community: str, settings: CommunitySettings, by_name: str, at: datetime
    ) -> None:
        self._s.community_settings[community] = settings

    # -- end of the shared spec --------------------------------------------------------


class MemoryCommunities(_Part):
    """The registry; `purge` empties every part of the state a community has rows in."""

    async def register(
        self, platform: str, workspace: str, name: str, at: datetime, *, default_workspace: str = ""
    ) -> str:
        cid = community_id(platform, workspace, default_workspace)
        known = self._s.communities.get(cid)
        if known is not None:
            self._s.communities[cid] = replace(known, name=name)
        else:
            active = CommunityStatus.ACTIVE
            self._s.communities[cid] = Community(cid, platform, workspace, name, active, at)
        return cid

    async def get_community(self, community: str) -> Community | None:
        return self._s.communities.get(community)

    async def active_communities(self, platform: str | None = None) -> list[Community]:
        return sorted(
            (
                c
                for c in self._s.communities.values()
                if c.status is CommunityStatus.ACTIVE and platform in (None, c.platform)
            ),
            key=lambda c: c.id,
        )

    async def mark_removed(self, community: str, at: datetime, purge_after: datetime) -> bool:
        return self._set(
            community, status=CommunityStatus.REMOVED, removed_at=at, purge_after=purge_after
        )

    async def restore(self, community: str) -> bool:
        return self._set(
            community, status=CommunityStatus.ACTIVE, removed_at=None, purge_after=None
        )

    def _set(self, community: str, **changes: Any) -> bool:
        known = self._s.communities.get(community)
        if known is None:
            return False
        self._s.communities[community] = replace(known, **changes)
        return True

    async def removed_due(self, now: datetime) -> list[Community]:
        due = [
            c
            for c in self._s.communities.values()
            if c.status is CommunityStatus.REMOVED and c.purge_after and c.purge_after <= now
        ]
        return sorted(due, key=lambda c: (c.purge_after or now, c.id))

    async def purge(self, community: str, audit_entry: AuditEntry | None = None) -> int:
        gone = sum(step(self._s, community) for step in MEMORY_PURGE_STEPS)
        if audit_entry is not None:
            self._s.audit.append(audit_entry)
        return gone


def _drop(table: dict[Any, Any], doomed: Callable[[Any, Any], bool]) -> int:
    keys = [k for k, v in table.items() if doomed(k, v)]
    for key in keys:
        del table[key]
    return len(keys)


def _purge_checkins(s: MemoryState, community: str) -> int:
    items = [k for k, i in s.outbox.items() if i.community == community]
    for item_id in items:
        s.drop_outbox(item_id)
    gone = len(items) + _drop(s.copies, lambda _, c: c.community == community)
    return gone + _drop(s.checkins, lambda _, c: c.community == community)


def _purge_people(s: MemoryState, community: str) -> int:
    gone = _drop(s.availability, lambda _, v: v[0] == community)
    gone += _drop(s.blocks, lambda k, _: s.block_communities.get(k) == community)
    _drop(s.block_communities, lambda _, c: c == community)
    theirs = {v for v in s.anonymous_volunteers if community_of_key(v) == community}
    s.anonymous_volunteers -= theirs
    return gone + _drop(s.runs, lambda _, r: _run_community(r) == community)


def _run_community(run: PracticeRun) -> str:
    return run.community or community_of_key(run.member)


def _purge_records(s: MemoryState, community: str) -> int:
    gone = _drop(s.counts, lambda k, _: k[0] == community)
    kept = [a for a in s.audit if a.community != community]
    gone += len(s.audit) - len(kept)
    s.audit[:] = kept
    sessions = {k for k, g in s.groups.items() if g.community == community}
    _drop(s.group_votes, lambda k, _: k[0] in sessions)
    gone += _drop(s.groups, lambda k, _: k in sessions)
    gone += _drop(s.schedules, lambda _, sc: sc.community == community)
    return gone + _drop(s.communities, lambda k, _: k == community)


def _purge_settings(s: MemoryState, community: str) -> int:
    return _drop(s.community_settings, lambda k, _: k == community)


# What the purge empties, in order; a part of the state added later adds a step here.
MEMORY_PURGE_STEPS: list[Callable[[MemoryState, str], int]] = [
    _purge_checkins,
    _purge_people,
    _purge_records,
    _purge_settings,
]


async def _nothing_to_close() -> None:
    return None


def MemoryStore(state: MemoryState | None = None, **parts: Any) -> Stores:
    """Every port over one in-memory state; `parts` replace some (a test's own class)."""
    state = state or MemoryState()
    stores = Stores(
        practice=MemoryPractice(state),
        stats=MemoryStats(state),
        checkins=MemoryCheckins(state),
        volunteers=MemoryVolunteers(state),
        outbox=MemoryOutbox(state),
        audit=MemoryAudit(state),
        leases=MemoryLeases(state),
        events=MemoryEvents(state),
        handover=MemoryHandover(state),
        groups=MemoryGroups(state),
        copies=MemoryCopies(state),
        schedules=MemorySchedules(state),
        communities=MemoryCommunities(state),
        close_store=_nothing_to_close,
        content_files=MemoryContentFiles(),
        settings=MemorySettings(state),
    )
    return replace(stores, **parts)


def _forgotten(checkin: CheckIn) -> CheckIn:
    return replace(checkin, member="", member_user_id="", member_name="", text="", region="")


def _last_activity(checkin: CheckIn) -> datetime:
    # A claimed check-in always has claimed_at; created_at only guards the type.
    return checkin.last_activity_at or checkin.claimed_at or checkin.created_at
