"""State the core keeps in the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.core.catalog import Tactic


class RunStatus(StrEnum):
    ACTIVE = "active"  # in progress or paused by Stop; resumable
    FINISHED = "finished"
    ABANDONED = "abandoned"  # replaced by another scenario


@dataclass(frozen=True, slots=True)
class Move:
    step_id: str
    choice_index: int
    tactic: Tactic


@dataclass(frozen=True, slots=True)
class PracticeRun:
    id: str
    member: str  # Actor.key: needed to resume; removed by /mydata delete
    scenario_id: str
    locale: str
    step_id: str
    moves: tuple[Move, ...]
    status: RunStatus
    started_at: datetime
    updated_at: datetime
    community: str = ""  # the member's community (their key's prefix when empty)

    def advanced(self, move: Move, next_step: str, at: datetime, *, finished: bool) -> PracticeRun:
        # Built directly: dataclasses.replace looks up the fields each time, and this runs
        # on every press.
        return PracticeRun(
            id=self.id,
            member=self.member,
            scenario_id=self.scenario_id,
            locale=self.locale,
            step_id=next_step,
            moves=(*self.moves, move),
            status=RunStatus.FINISHED if finished else RunStatus.ACTIVE,
            started_at=self.started_at,
            updated_at=at,
            community=self.community,
        )

    def tactics_used(self) -> tuple[Tactic, ...]:
        seen: list[Tactic] = []
        for move in self.moves:
            if move.tactic not in seen:
                seen.append(move.tactic)
        return tuple(seen)


class CheckinStatus(StrEnum):
    DRAFT = "draft"  # the form was filled; the member has not confirmed yet
    OPEN = "open"  # stored, queued for volunteers
    CLAIMED = "claimed"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class CheckIn:
    """A private request for support.

    `member` and `member_name` identify the person: they go to the member's own DMs and,
    only when `anonymous` is False, to the volunteer who claims it. `text` is the member's
    own words; stores encrypt it at rest. `pseudonym` is what volunteers see.
    """

    id: str
    platform: str
    member: str
    member_user_id: str
    member_name: str
    pseudonym: str
    category: str
    urgency: str
    anonymous: bool
    text: str
    crisis: bool
    locale: str
    status: CheckinStatus
    created_at: datetime
    opened_at: datetime | None = None
    claimed_at: datetime | None = None
    claimed_by: str = ""
    claimed_by_user_id: str = ""
    claimed_by_name: str = ""
    closed_at: datetime | None = None
    closed_by: str = ""  # "member" | "volunteer" | "system"
    rating: int | None = None
    escalation_level: int = 0
    last_escalated_at: datetime | None = None
    card_ref: str = ""
    # Idle close (issue 18.4): the last relayed message either way (None: none since the
    # claim), and when both sides were reminded that a quiet conversation will close.
    last_activity_at: datetime | None = None
    idle_reminded_at: datetime | None = None
    region: str = ""  # the member's region when known (e.g. "GB"): picks the crisis lines
    # The community it was opened in: its volunteers alone see, claim and count it.
    # Empty means the platform's default community.
    community: str = ""

    def __post_init__(self) -> None:
        if not self.community:
            object.__setattr__(self, "community", self.platform)

    @property
    def is_active(self) -> bool:
        return self.status in (CheckinStatus.OPEN, CheckinStatus.CLAIMED)


@dataclass(frozen=True, slots=True)
class OpeningState:
    """What decides whether a member may open a check-in now."""

    blocked_until: datetime | None
    active: CheckIn | None  # their open or claimed check-in, if any
    last_closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Opening:
    """What Send found, read and changed in the one transaction that opened it."""

    checkin: CheckIn | None  # as it now is; None if it is not the member's (or is gone)
    opened: bool  # this call opened it (draft → open, its outbox items queued)
    volunteers_on_duty: bool  # a volunteer on its platform is available


@dataclass(frozen=True, slots=True)
class SentCopy:
    """A message the bot sent that carries a member's words or name, kept until deleted.

    `platform`, `kind` and `user_id` are its destination; `ref` is the platform's
    reference to it, as the Messenger returned it."""

    id: str
    checkin_id: str
    platform: str
    kind: str
    user_id: str
    ref: str
    created_at: datetime
    community: str = ""  # empty: the platform's default community

    def __post_init__(self) -> None:
        if not self.community:
            object.__setattr__(self, "community", self.platform)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A message waiting to be delivered. `payload` carries text, so stores encrypt it."""

    id: str
    checkin_id: str
    # "card" | "card_update" | "card_retired" | "details" | "relay" | "notice" | "escalation"
    # | "erase" (delete a message the bot sent: its destination and `update_ref` say which)
    purpose: str
    priority: int  # higher first: crisis check-ins jump the queue
    payload: str  # JSON of the Outbound, built by bot.core.outbound_json
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    community: str = ""  # whose message it is: purged with that community


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    checkin_id: str
    pseudonym: str
    action: str  # "claimed" | "closed" | "escalated" | "blocked" | "handed_back" | ...
    by: str  # a volunteer's or moderator's display name; never a member
    community: str = ""  # whose audit it is: only that community's moderators see it


@dataclass(frozen=True, slots=True)
class CheckinFigures:
    """Identity-free metadata kept for stats after personal data is purged."""

    opened_at: datetime | None
    claimed_at: datetime | None
    closed_at: datetime | None
    rating: int | None


class CommunityStatus(StrEnum):
    ACTIVE = "active"
    REMOVED = "removed"  # the bot was removed; its data is purged after `purge_after`


@dataclass(frozen=True, slots=True)
class Community:
    """A registered community: one Discord server or Slack workspace (bot/core/community.py)."""

    id: str
    platform: str
    workspace: str
    name: str
    status: CommunityStatus
    created_at: datetime
    removed_at: datetime | None = None
    purge_after: datetime | None = None
