"""Group practice (issue 21.1): a scenario played together in a channel.

The starter posts a scenario with `/practice together`; everyone sees its content
warnings and the starter presses Begin. At each step members vote by pressing a choice
(one vote each, changeable until the reveal) and the message shows how many voted, never
who. The starter (or a moderator) presses Reveal: the channel sees how the votes fell,
each choice's tactic and feedback, and the group goes on along the most chosen path; on a
tie the starter picks. The end shows a group recap and the reflection to discuss.

Every press reads the session from the store and changes it by compare-and-set, so a
session survives restarts and works whichever process gets the press. A session with no
vote for `idle` ends by itself: on its next press, or in `expire_idle_groups`.
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import replace
from datetime import timedelta

from bot.core import group_view as view
from bot.core.access import Access
from bot.core.actors import Actor, Role
from bot.core.catalog import Catalog, Scenario, Step
from bot.core.clock import Clock
from bot.core.errors import NotFound
from bot.core.group_model import GroupArg, GroupMove, GroupSession, GroupStatus
from bot.core.group_view import current_step
from bot.core.messages import Reply
from bot.core.ports import ContentSource, GroupPracticeStore

DEFAULT_IDLE = timedelta(minutes=120)


class GroupPractice:
    def __init__(
        self,
        content: ContentSource,
        store: GroupPracticeStore,
        access: Access,
        clock: Clock,
        idle: timedelta = DEFAULT_IDLE,
    ) -> None:
        self._content = content
        self._store = store
        self._access = access
        self._clock = clock
        self._idle = idle

    # -- starting ----------------------------------------------------------------------

    async def start(self, actor: Actor, scenario_id: str) -> Reply:
        """Post the scenario and its warnings in the channel; nothing starts until Begin."""
        catalog = self._content.catalog(actor.community)
        locale = catalog.locale_for(actor.locale)
        if not scenario_id:
            raise NotFound("group.needs_scenario")
        scenario = catalog.scenario_or_raise(scenario_id, locale)
        now = self._clock.now()
        session = GroupSession.waiting(
            secrets.token_hex(8),
            scenario.id,
            locale,
            scenario.start,
            actor.key,
            now,
            actor.community,
        )
        await self._store.create_group(session)
        return view.intro(catalog, session, scenario)

    async def begin(self, actor: Actor, session_id: str) -> Reply:
        found = await self._session_to_lead(actor, session_id)
        if isinstance(found, Reply):
            return found
        if found.status is not GroupStatus.WAITING:
            return await self._show(actor, found)
        voting = replace(found, status=GroupStatus.VOTING, active_at=self._clock.now())
        started = [("groups_started", found.scenario_id, 1)]
        return await self._change(actor, found, voting, started)

    async def cancel(self, actor: Actor, session_id: str) -> Reply:
        found = await self._session_to_lead(actor, session_id)
        if isinstance(found, Reply):
            return found
        cancelled = found.ended(GroupStatus.CANCELLED, self._clock.now())
        return await self._change(actor, found, cancelled, [])

    # -- voting and revealing ----------------------------------------------------------

    async def vote(self, actor: Actor, arg: str) -> Reply:
        pressed = GroupArg.parse(arg, with_index=True)
        found = await self._open_session(actor, pressed.session_id)
        if isinstance(found, Reply):
            return found
        catalog = self._content.catalog(actor.community)
        scenario = catalog.scenario_or_raise(found.scenario_id, found.locale)
        here = current_step(scenario, found)
        closed = view.note(catalog, catalog.locale_for(actor.locale), "group.vote_closed")
        if found.status is not GroupStatus.VOTING or found.number != pressed.number:
            return closed
        if not 0 <= pressed.index < len(here.choices):
            return closed
        now = self._clock.now()
        voters = await self._store.cast_vote(found.id, found.number, actor.key, pressed.index, now)
        if voters is None:
            return closed
        return view.step(catalog, replace(found, active_at=now), scenario, voters)

    async def reveal(self, actor: Actor, arg: str) -> Reply:
        pressed = GroupArg.parse(arg, with_index=False)
        found = await self._session_to_lead(actor, pressed.session_id)
        if isinstance(found, Reply):
            return found
        if found.status is not GroupStatus.VOTING or found.number != pressed.number:
            return await self._show(actor, found)
        catalog = self._content.catalog(actor.community)
        scenario = catalog.scenario_or_raise(found.scenario_id, found.locale)
        here = current_step(scenario, found)
        tally = await self._store.group_tally(found.id, found.number)
        if not any(tally.values()):
            return view.note(catalog, catalog.locale_for(actor.locale), "group.no_votes")
        top = max(tally.values())
        winners = tuple(i for i in range(len(here.choices)) if tally.get(i, 0) == top)
        if len(winners) == 1:
            return await self._advance(actor, found, scenario, here, winners[0])
        tied = replace(found, status=GroupStatus.TIED, tied=winners, active_at=self._clock.now())
        return await self._change(actor, found, tied, [])

    async def pick(self, actor: Actor, arg: str) -> Reply:
        """The starter breaks a tie by pressing one of the tied choices."""
        pressed = GroupArg.parse(arg, with_index=True)
        found = await self._session_to_lead(actor, pressed.session_id)
        if isinstance(found, Reply):
            return found
        fresh = found.status is GroupStatus.TIED and found.number == pressed.number
        if not fresh or pressed.index not in found.tied:
            return await self._show(actor, found)
        catalog = self._content.catalog(actor.community)
        scenario = catalog.scenario_or_raise(found.scenario_id, found.locale)
        return await self._advance(
            actor, found, scenario, current_step(scenario, found), pressed.index
        )

    # -- ending by itself --------------------------------------------------------------

    async def expire_idle_groups(self) -> int:
        """End every open session with no vote for the idle time; how many ended."""
        if self._idle <= timedelta(0):
            return 0
        now = self._clock.now()
        ended = 0
        for session in await self._store.idle_groups(now - self._idle):
            expired = session.ended(GroupStatus.EXPIRED, now)
            if await self._store.update_group(expired, session.status, session.number, ()):
                ended += 1
        return ended

    # -- helpers -----------------------------------------------------------------------

    async def _advance(
        self, actor: Actor, session: GroupSession, scenario: Scenario, here: Step, index: int
    ) -> Reply:
        choice = here.choices[index]
        following = scenario.step(choice.next)
        if following is None:
            raise NotFound("error.step_gone")
        tally = await self._store.group_tally(session.id, session.number)
        votes = tuple(tally.get(i, 0) for i in range(len(here.choices)))
        move = GroupMove(here.id, index, choice.tactic, votes)
        moved = session.moved(move, following.id, self._clock.now(), end=following.end)
        # Tactic choices only, summed over the step: no count stands for one person's vote.
        by_tactic: Counter[str] = Counter()
        for i, count in enumerate(votes):
            by_tactic[here.choices[i].tactic.value] += count
        counts = [("group_tactic", tactic, n) for tactic, n in by_tactic.items() if n]
        if following.end:
            counts.append(("groups_finished", scenario.id, 1))
        if not await self._store.update_group(moved, session.status, session.number, counts):
            return await self._reread(actor, session.id)
        catalog = self._content.catalog(actor.community)
        lead = (
            view.results(catalog, session.locale, here, tally),
            view.taken(catalog, session.locale, choice.label),
        )
        if following.end:
            return view.recap(catalog, moved, scenario, following, lead)
        return view.step(catalog, moved, scenario, 0, lead)

    async def _change(
        self,
        actor: Actor,
        before: GroupSession,
        after: GroupSession,
        counts: list[tuple[str, str, int]],
    ) -> Reply:
        """Save `after` if the session is still as `before`, then show it; if another
        press changed it first, show what it is now."""
        if not await self._store.update_group(after, before.status, before.number, counts):
            return await self._reread(actor, before.id)
        return await self._show(actor, after)

    async def _reread(self, actor: Actor, session_id: str) -> Reply:
        session = await self._store.get_group(session_id)
        if session is None or not _in_community(session, actor):
            raise NotFound("group.gone")
        return await self._show(actor, session)

    async def _show(self, actor: Actor, session: GroupSession) -> Reply:
        """The channel's message for the session as it is now."""
        catalog = self._content.catalog(actor.community)
        if not session.is_open:
            return self._ended(catalog, actor, session)
        scenario = catalog.scenario_or_raise(session.scenario_id, session.locale)
        if session.status is GroupStatus.WAITING:
            return replace(view.intro(catalog, session, scenario), replace=True)
        tally = await self._store.group_tally(session.id, session.number)
        here = current_step(scenario, session)
        if session.status is GroupStatus.TIED:
            return view.tie(catalog, session, here, tally)
        return view.step(catalog, session, scenario, sum(tally.values()))

    async def _open_session(self, actor: Actor, session_id: str) -> GroupSession | Reply:
        """The session a button names, ended first if it has been idle too long; for a
        session that is over, the reply that says so."""
        session = await self._store.get_group(session_id)
        if session is None or not _in_community(session, actor):
            raise NotFound("group.gone")
        now = self._clock.now()
        if session.is_open and self._idle > timedelta(0) and session.active_at <= now - self._idle:
            expired = session.ended(GroupStatus.EXPIRED, now)
            if await self._store.update_group(expired, session.status, session.number, ()):
                session = expired
            else:
                return await self._reread(actor, session_id)
        if session.is_open:
            return session
        return self._ended(self._content.catalog(actor.community), actor, session)

    def _ended(self, catalog: Catalog, actor: Actor, session: GroupSession) -> Reply:
        if session.status is GroupStatus.EXPIRED:
            minutes = int(self._idle.total_seconds() // 60)
            return view.ended(catalog, session.locale, "group.expired", minutes=minutes)
        if session.status is GroupStatus.CANCELLED:
            return view.ended(catalog, session.locale, "group.cancelled")
        return view.note(catalog, catalog.locale_for(actor.locale), "group.over")

    async def _session_to_lead(self, actor: Actor, session_id: str) -> GroupSession | Reply:
        """The open session a starter's button names, if this actor may lead it; else the
        reply that says why not."""
        found = await self._open_session(actor, session_id)
        if isinstance(found, Reply):
            return found
        if not await self._may_lead(actor, found):
            return self._only_starter(actor)
        return found

    async def _may_lead(self, actor: Actor, session: GroupSession) -> bool:
        # The platform is asked only when the presser is not the starter.
        if session.starter and actor.key == session.starter:
            return True
        return await self._access.has(actor, Role.MODERATOR)

    def _only_starter(self, actor: Actor) -> Reply:
        catalog = self._content.catalog(actor.community)
        return view.note(catalog, catalog.locale_for(actor.locale), "group.only_starter")


def _in_community(session: GroupSession, actor: Actor) -> bool:
    """A session is played in its own community alone (one from before communities,
    with none recorded, anywhere on its platform)."""
    return session.community in ("", actor.community)
