"""What the core needs from outside, as small Protocols.

Each port has a real implementation (the SQL database, a platform adapter) and an
in-memory one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.actors import Actor, Role
from bot.core.catalog import Catalog
from bot.core.content_files import ContentFile
from bot.core.errors import Problem
from bot.core.group_model import GroupSession, GroupStatus
from bot.core.messages import Outbound
from bot.core.models import (
    AuditEntry,
    CheckIn,
    CheckinFigures,
    Community,
    Opening,
    OpeningState,
    OutboxItem,
    PracticeRun,
    SentCopy,
)
from bot.core.schedule_model import Schedule
from bot.core.settings import SettingsStore


class PracticeStore(Protocol):
    """Practice runs, kept in the database only: any process can serve the next press."""

    async def save_run(self, run: PracticeRun) -> None: ...

    async def save_runs(
        self, community: str, runs: Sequence[PracticeRun], counts: Sequence[tuple[str, str]] = ()
    ) -> None:
        """Save every run and add one to each (metric, key) counter of `community`, in one
        transaction: a practice press costs one write however many counters it moves."""
        ...

    async def get_run(self, run_id: str, member: str) -> PracticeRun | None:
        """`member`'s run `run_id`; None when it is missing or someone else's."""
        ...

    async def active_run(self, member: str) -> PracticeRun | None: ...

    async def member_runs(self, member: str) -> list[PracticeRun]: ...

    async def delete_member_runs(self, member: str) -> int: ...

    async def purge_runs(self, updated_before: datetime) -> int:
        """Delete runs nobody has touched since `updated_before` (retention)."""
        ...


class StatsStore(Protocol):
    """Anonymous counters of a community: a metric and a key (a scenario id, a tactic),
    never a person."""

    async def bump(self, community: str, metric: str, key: str, by: int = 1) -> None: ...

    async def counts(self, community: str, metric: str) -> Mapping[str, int]:
        """`community`'s counters (`scope_of(community)`: a default community's include
        the deployment's from before communities)."""
        ...


class CheckinStore(Protocol):
    """Check-ins and their lifecycle.

    Every method that changes a check-in and queues messages does both in one
    transaction: either the row and its outbox items exist, or neither does.
    """

    async def save_draft(self, checkin: CheckIn) -> None: ...

    async def get_checkin(self, checkin_id: str) -> CheckIn | None: ...

    async def purge_draft(self, checkin_id: str) -> bool:
        """Delete a draft the member cancelled; False if it is no longer a draft."""
        ...

    async def open_checkin(
        self,
        checkin_id: str,
        member: str,
        at: datetime,
        outbox: Callable[[CheckIn], list[OutboxItem]],
    ) -> Opening:
        """Send: if `checkin_id` is `member`'s draft, draft → open at `at` with the outbox
        items `outbox(opened check-in)` makes, committed before this returns; all in one
        store call, with what the reply needs. `outbox` is called inside the transaction,
        so it must only compute; if it raises, nothing changes. A check-in that is not the
        member's comes back as None, one that is no longer a draft as it is, unopened."""
        ...

    async def active_checkin(self, member: str) -> CheckIn | None: ...

    async def last_closed_at(self, member: str) -> datetime | None: ...

    async def opening_state(self, member: str) -> OpeningState:
        """`blocked_until`, `active_checkin` and `last_closed_at` in one call: the desk
        asks on every /checkin and every form."""
        ...

    async def claim(
        self,
        checkin_id: str,
        volunteer: tuple[str, str, str],
        at: datetime,
        outbox: list[OutboxItem],
        audit: AuditEntry,
    ) -> bool:
        """open → claimed by (key, user id, name), atomically; False if not open. Of
        concurrent claimers, in any number of processes, exactly one wins."""
        ...

    async def active_claim(self, volunteer: str) -> CheckIn | None: ...

    async def close(
        self, checkin_id: str, by: str, at: datetime, outbox: list[OutboxItem], audit: AuditEntry
    ) -> bool:
        """open/claimed → closed, relayed content deleted, atomically; False if not active."""
        ...

    async def rate(self, checkin_id: str, rating: int) -> bool: ...

    async def escalate(
        self, checkin_id: str, level: int, at: datetime, outbox: list[OutboxItem], audit: AuditEntry
    ) -> bool: ...

    async def unclaimed(self, community: str | None = None) -> list[CheckIn]:
        """Open check-ins of `community`, crisis first then oldest; of every community
        when None (the escalation job: each carries its community)."""
        ...

    async def set_card_ref(self, checkin_id: str, ref: str) -> None: ...

    async def checkin_figures(self, community: str) -> list[CheckinFigures]: ...

    async def purge(self, closed_before: datetime, drafts_before: datetime) -> int:
        """Drop personal data of check-ins closed before the cutoff and stale drafts."""
        ...

    async def member_checkins(self, member: str) -> list[CheckIn]: ...

    async def pseudonym_in_use(self, community: str, pseudonym: str, since: datetime) -> bool:
        """Whether a check-in of `community` not closed before `since` has `pseudonym`."""
        ...

    async def forget_member(self, member: str) -> int:
        """Remove the member's identity and words from every check-in they opened."""
        ...


class VolunteerStore(Protocol):
    """Volunteers' availability and name preference, and blocked members (by fingerprint).

    A volunteer's key (`Actor.key`) already names their community; `community` is stored
    beside it so that the community's volunteers are listed, and purged, together."""

    async def set_availability(self, volunteer: str, community: str, available: bool) -> None: ...

    async def is_available(self, volunteer: str) -> bool: ...

    async def available_volunteers(self, community: str) -> list[str]: ...

    async def block(self, member: str, until: datetime, community: str) -> None: ...

    async def blocked_until(self, member: str) -> datetime | None: ...

    async def set_volunteer_anonymous(
        self, volunteer: str, community: str, anonymous: bool
    ) -> None:
        """Whether members see this volunteer as "a volunteer" instead of by name."""
        ...

    async def volunteer_anonymous(self, volunteer: str) -> bool: ...


class CopyStore(Protocol):
    """The bot's own messages that carry a member's words or name, until deleted."""

    async def record_copy(self, copy: SentCopy) -> None: ...

    async def queue_erasure(self, erase: Callable[[SentCopy], OutboxItem]) -> int:
        """For every copy whose check-in is no longer active (closed, purged, forgotten or
        gone): queue `erase(copy)` and drop the copy, in one transaction. Returns how many.
        `erase` is called inside the transaction, so it must only compute."""
        ...

    async def copies_of(self, checkin_id: str) -> list[SentCopy]: ...


class OutboxStore(Protocol):
    """Messages waiting to be sent, leased to one process at a time."""

    async def enqueue(self, items: list[OutboxItem]) -> None: ...

    async def lease_due_outbox(
        self, now: datetime, limit: int, owner: str, lease_until: datetime
    ) -> list[OutboxItem]:
        """Due items (next_attempt_at <= now) whose lease is absent or ended, highest
        priority first, then oldest next_attempt_at; each marked leased to `owner` until
        `lease_until`, atomically, so two processes never get the same item."""
        ...

    async def delivered(self, *item_ids: str) -> None:
        """Remove the items and with them the text they carried, in one transaction."""
        ...

    async def retry_later(self, item_id: str, attempts: int, at: datetime) -> None:
        """Try again at `at`; this also ends the lease."""
        ...

    async def give_up(self, item_id: str, audit: AuditEntry) -> None:
        """Delete the item and write the audit line, in one transaction."""
        ...

    async def pending_outbox_count(self) -> int: ...

    async def release_outbox_leases(self) -> int:
        """End every item's lease; how many were held. Only for a database one process
        serves (SQLite under its data-directory lock), at start-up: any lease left there
        is a dead process's."""
        ...

    async def oldest_pending_at(self) -> datetime | None:
        """`created_at` of the oldest undelivered item."""
        ...


class AuditStore(Protocol):
    async def audit_entries(self, community: str, limit: int) -> list[AuditEntry]:
        """`community`'s latest lines (`scope_of(community)`), newest first."""
        ...


class LeaseStore(Protocol):
    """Named leases, so a periodic job runs once per period across all processes."""

    async def take_lease(self, name: str, owner: str, now: datetime, until: datetime) -> bool:
        """True iff no lease `name` is running at `now` (none, or its until <= now); it is
        then `owner`'s until `until`. Of concurrent callers exactly one wins."""
        ...


class EventStore(Protocol):
    """Platform events already seen, so a retried or replayed one is handled once."""

    async def first_sighting(self, key: str, at: datetime) -> bool:
        """True the first time `key` is recorded, across processes."""
        ...

    async def forget_sightings(self, before: datetime) -> int: ...


class HandoverStore(Protocol):
    """Handover, reassignment and idle close of claimed check-ins (issue 18.4).

    Like CheckinStore: a method that changes a check-in and queues messages does both in
    one transaction.
    """

    async def requeue(
        self,
        checkin_id: str,
        claimed_by: str,
        at: datetime,
        outbox: list[OutboxItem],
        audit: AuditEntry,
    ) -> bool:
        """claimed by `claimed_by` → open again, atomically with the outbox items and the
        audit line: the claim is cleared, escalation starts again from `at` (level 0), the
        idle clock is cleared; relayed messages still queued are kept. False if the
        check-in is no longer claimed by `claimed_by`."""
        ...

    async def relay(self, checkin_id: str, items: list[OutboxItem], at: datetime) -> None:
        """Queue relayed messages and note `at` as the check-in's last activity (which
        withdraws an idle reminder), in one transaction."""
        ...

    async def idle_claimed(self, quiet_since: datetime) -> list[CheckIn]:
        """Claimed check-ins with no activity (relayed message, or else the claim) since
        `quiet_since`."""
        ...

    async def remind_idle(
        self, checkin_id: str, at: datetime, outbox: list[OutboxItem], audit: AuditEntry
    ) -> bool:
        """Note that both sides were reminded at `at`, with the reminders; False (and no
        change) if the check-in is not claimed or was already reminded."""
        ...

    async def close_idle(
        self,
        checkin_id: str,
        quiet_since: datetime,
        at: datetime,
        outbox: list[OutboxItem],
        audit: AuditEntry,
    ) -> bool:
        """claimed → closed by "system" at `at` if nothing happened since `quiet_since`,
        relayed content deleted, atomically like `close`; False otherwise."""
        ...


class GroupPracticeStore(Protocol):
    """Group practice sessions in a channel (issue 21.1).

    A vote is kept only so that each voter has one per step: under a keyed fingerprint of
    the voter and the session, never the voter's id, and deleted once its step is
    revealed or the session ends. Nothing here links a vote to a person.
    """

    async def create_group(self, session: GroupSession) -> None: ...

    async def get_group(self, session_id: str) -> GroupSession | None: ...

    async def cast_vote(
        self, session_id: str, number: int, voter: str, choice: int, at: datetime
    ) -> int | None:
        """Record `voter`'s vote for `choice` at step `number`, replacing their earlier
        vote there, and note `at` as the session's last activity, in one transaction.
        The number of voters at that step, or None (nothing recorded) when the session is
        not voting at step `number`."""
        ...

    async def group_tally(self, session_id: str, number: int) -> dict[int, int]:
        """Votes per choice index at step `number`."""
        ...

    async def update_group(
        self,
        session: GroupSession,
        expected_status: GroupStatus,
        expected_number: int,
        counts: Sequence[tuple[str, str, int]] = (),
    ) -> bool:
        """Save `session` if the stored one is still at `expected_status` and
        `expected_number` (compare-and-set), add each (metric, key, by) to the counters,
        and delete the votes of steps before `session.number` (all of them when the
        session is no longer open), in one transaction. False, and no change, if the
        stored session moved on."""
        ...

    async def idle_groups(self, quiet_since: datetime) -> list[GroupSession]:
        """Open sessions with no activity since `quiet_since`."""
        ...


class ScheduleStore(Protocol):
    """Scenarios of the week (issue 21.2): one group session a week in a channel."""

    async def add_schedule(self, schedule: Schedule) -> None: ...

    async def get_schedule(self, schedule_id: str) -> Schedule | None: ...

    async def list_schedules(self, community: str) -> list[Schedule]: ...

    async def set_schedule_paused(self, schedule_id: str, paused: bool, next_due: datetime) -> bool:
        """Pause or resume, with the next due moment; False if there is no such schedule."""
        ...

    async def remove_schedule(self, schedule_id: str) -> bool: ...

    async def due_schedules(self, now: datetime) -> list[Schedule]:
        """Schedules not paused whose next due moment is at or before `now`."""
        ...

    async def claim_schedule(
        self, claimed: Schedule, expected_due: datetime, outbox: list[OutboxItem]
    ) -> bool:
        """Save `claimed` (its next due, last post, posted ids) if the stored schedule is
        not paused and still due at `expected_due`, and queue `outbox`, in one transaction.
        Of concurrent claimers, in any number of processes, exactly one wins."""
        ...


class CommunityStore(Protocol):
    """The registry of communities, and the purge that deletes one's every row."""

    async def register(
        self, platform: str, workspace: str, name: str, at: datetime, *, default_workspace: str = ""
    ) -> str:
        """The community's id, `community_id(platform, workspace, default_workspace)`,
        recorded (active) the first time; a later call only renames it (a removed one
        stays removed: `restore` brings it back). A workspace of `""` or
        `default_workspace` is the platform's default community, whose id is the
        platform's name."""
        ...

    async def get_community(self, community: str) -> Community | None: ...

    async def active_communities(self, platform: str | None = None) -> list[Community]: ...

    async def mark_removed(self, community: str, at: datetime, purge_after: datetime) -> bool:
        """The bot was removed at `at`: its data goes at `purge_after`. False if unknown."""
        ...

    async def restore(self, community: str) -> bool:
        """Re-added before its purge: active again, nothing purged. False if unknown."""
        ...

    async def removed_due(self, now: datetime) -> list[Community]:
        """Removed communities whose `purge_after` is at or before `now`."""
        ...

    async def purge(self, community: str, audit_entry: AuditEntry | None = None) -> int:
        """Delete every row of `community` in every table, and its registry row, in one
        transaction, writing `audit` in it; how many rows went."""
        ...


@dataclass(frozen=True, slots=True)
class Stores:
    """Every store port, as one database (or the in-memory fake) serves them."""

    practice: PracticeStore
    stats: StatsStore
    checkins: CheckinStore
    volunteers: VolunteerStore
    outbox: OutboxStore
    audit: AuditStore
    leases: LeaseStore
    events: EventStore
    handover: HandoverStore
    groups: GroupPracticeStore
    copies: CopyStore
    schedules: ScheduleStore
    communities: CommunityStore
    close_store: Callable[[], Awaitable[None]]
    content_files: ContentFileStore
    settings: SettingsStore


class ReloadOutcome(Protocol):
    @property
    def ok(self) -> bool: ...

    @property
    def problems(self) -> tuple[Problem, ...]: ...


class ContentSource(Protocol):
    """The validated content now serving, and a way to reload it atomically.

    `current` is the deployment's own (bundled) catalog; `catalog(community)` is what a
    community's members are served: the same object for every community without files of
    its own, an overlay for the others (bot/content/overlay.py)."""

    @property
    def current(self) -> Catalog: ...

    async def reload(self) -> ReloadOutcome:
        """Validate first; on errors keep serving the old content."""
        ...

    def catalog(self, community: str) -> Catalog:
        """The community's catalog as built so far (the bundled one until `ready`)."""
        ...

    async def ready(self, community: str) -> None:
        """Build the community's catalog if it has files of its own and none is built yet."""
        ...

    async def reload_community(self, community: str) -> ReloadOutcome:
        """Rebuild one community's catalog; on errors it keeps serving the one it had."""
        ...

    async def check_file(self, community: str, path: str, text: str | None) -> ReloadOutcome:
        """Validate the community's catalog as it would be with `path` holding `text`
        (None: without its stored version), changing nothing."""
        ...

    def disk_files(self, community: str) -> Mapping[str, str]:
        """The community's files under the operator's directory: path -> text."""
        ...


class ContentFileStore(Protocol):
    """A community's own content files, every version kept (bot/core/content_files.py)."""

    async def add_content_file(
        self, community: str, path: str, text: str, at: datetime, by_name: str
    ) -> ContentFile:
        """Store `text` as the next version of `path`."""
        ...

    async def current_content_files(self, community: str) -> list[ContentFile]:
        """The newest version of each path, by path."""
        ...

    async def content_file_versions(self, community: str, path: str) -> list[ContentFile]:
        """Every version of `path`, newest first."""
        ...

    async def drop_content_version(self, community: str, path: str, version: int) -> bool: ...

    async def content_communities(self) -> list[str]:
        """The communities that have any file stored."""
        ...


class Directory(Protocol):
    """A platform's answer to 'what roles does this person hold here?'."""

    async def roles(self, actor: Actor) -> frozenset[Role]: ...


class Messenger(Protocol):
    """Sends to people other than the one being answered (volunteers, the other side)."""

    async def send(self, outbound: Outbound) -> str:
        """Deliver and return a reference to the sent message; raise DeliveryError."""
        ...

    async def delete(self, ref: str) -> None:
        """Delete the bot's own message `ref` (as `send` returned it); a message already
        gone counts as deleted. Raise DeliveryError to be tried again later."""
        ...
