"""Group practice state (issue 21.1): a scenario played together in a channel.

The session names its starter only while it is open (to let them Begin, Reveal and break
a tie); votes are kept by the store under a fingerprint of the voter, for "one vote each",
and never reach a session, a stat or a reply.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from bot.core.catalog import Tactic
from bot.core.errors import NotFound
from bot.core.messages import is_plain_number


class GroupStatus(StrEnum):
    WAITING = "waiting"  # content warnings shown; the starter has not begun yet
    VOTING = "voting"
    TIED = "tied"  # revealed with a tie: the starter picks one of `tied`
    FINISHED = "finished"
    EXPIRED = "expired"  # idle too long
    CANCELLED = "cancelled"


OPEN_STATUSES = (GroupStatus.WAITING, GroupStatus.VOTING, GroupStatus.TIED)


@dataclass(frozen=True, slots=True)
class GroupMove:
    """A step the group went through: the choice taken and how the votes fell."""

    step_id: str
    choice_index: int
    tactic: Tactic
    votes: tuple[int, ...]  # votes per choice, in the step's choice order


@dataclass(frozen=True, slots=True)
class GroupSession:
    id: str
    scenario_id: str
    locale: str
    starter: str  # Actor.key of who started it; "" once the session has ended
    step_id: str
    number: int  # the step's number in this session, from 1
    path: tuple[GroupMove, ...]
    status: GroupStatus
    tied: tuple[int, ...]  # the tied choices' indices while TIED
    started_at: datetime
    active_at: datetime  # the last vote or step: idle expiry counts from here
    community: str = ""  # the channel's community: its counters are counted there

    @classmethod
    def waiting(
        cls,
        session_id: str,
        scenario_id: str,
        locale: str,
        start: str,
        starter: str,
        at: datetime,
        community: str = "",
    ) -> GroupSession:
        """A new session at its scenario's start, waiting for Begin."""
        return cls(
            id=session_id,
            scenario_id=scenario_id,
            locale=locale,
            starter=starter,
            step_id=start,
            number=1,
            path=(),
            status=GroupStatus.WAITING,
            tied=(),
            started_at=at,
            active_at=at,
            community=community,
        )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def moved(self, move: GroupMove, next_step: str, at: datetime, *, end: bool) -> GroupSession:
        status = GroupStatus.FINISHED if end else GroupStatus.VOTING
        return replace(
            self,
            step_id=next_step,
            number=self.number + 1,
            path=(*self.path, move),
            status=status,
            tied=(),
            active_at=at,
            starter="" if end else self.starter,
        )

    def ended(self, status: GroupStatus, at: datetime) -> GroupSession:
        """Closed for good: the starter is forgotten with it."""
        return replace(self, status=status, tied=(), active_at=at, starter="")


@dataclass(frozen=True, slots=True)
class GroupArg:
    """What a group button carries: ``session:number`` and, for a choice, ``:index``."""

    session_id: str
    number: int
    index: int = -1

    def encode(self) -> str:
        base = f"{self.session_id}:{self.number}"
        return base if self.index < 0 else f"{base}:{self.index}"

    @classmethod
    def parse(cls, arg: str, *, with_index: bool) -> GroupArg:
        parts = arg.split(":")
        if len(parts) != (3 if with_index else 2) or not all(_short_number(p) for p in parts[1:]):
            raise NotFound("group.gone")
        index = int(parts[2]) if with_index else -1
        return cls(parts[0], int(parts[1]), index)


def _short_number(text: str) -> bool:
    return is_plain_number(text) and len(text) < 6
