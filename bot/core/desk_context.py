"""What every part of the check-in desk works with: its stores, access, clock and settings."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.core.access import Access
from bot.core.actors import Actor
from bot.core.catalog import Catalog
from bot.core.checkin_notices import CheckinNotices
from bot.core.clock import Clock
from bot.core.crisis import Stage, pinned_for_checkin
from bot.core.desk_support import DeskSettings
from bot.core.errors import NotFound, UserFacingError
from bot.core.limits import CommunityLimits
from bot.core.messages import Section
from bot.core.models import CheckIn
from bot.core.ports import CheckinStore, ContentSource, HandoverStore, VolunteerStore
from bot.core.settings import CommunitySettings, SettingsBook


@dataclass(frozen=True, slots=True)
class DeskContext:
    content: ContentSource
    checkins: CheckinStore
    volunteers: VolunteerStore
    handover: HandoverStore
    access: Access
    clock: Clock
    settings: DeskSettings
    # Set whenever the outbox gains items, so the delivery worker wakes at once.
    outbox_changed: asyncio.Event = field(default_factory=asyncio.Event)
    # Per-community rate limits (None: none); the crisis-flagged always go through.
    limits: CommunityLimits | None = None
    # Each community's settings (issue 20.2); without one, the desk's own settings.
    book: SettingsBook | None = None

    async def community(self, community: str) -> CommunitySettings:
        """The settings in effect in `community`."""
        book = self.book or SettingsBook(None, self.settings)
        return await book.get(community)

    async def checkins_ready(self, community: str) -> bool:
        return self.book is None or await self.book.checkins_ready(community)

    def catalog_and_locale(self, actor: Actor) -> tuple[Catalog, str]:
        catalog = self.content.catalog(actor.community)
        return catalog, catalog.locale_for(actor.locale)

    def notices(self, catalog: Catalog, checkin: CheckIn, now: datetime) -> CheckinNotices:
        return CheckinNotices(catalog, checkin, now, self.settings.crisis_region)

    def pinned_for(
        self, catalog: Catalog, locale: str, checkin: CheckIn, stage: Stage
    ) -> tuple[Section, ...]:
        """The crisis lines for a reply about `checkin` in `locale` (none unless flagged)."""
        if locale != checkin.locale:
            checkin = replace(checkin, locale=locale)
        return pinned_for_checkin(catalog, checkin, self.settings.crisis_region, stage)

    async def queue_or_refuse(self, stored: Awaitable[bool], refusal: UserFacingError) -> None:
        """Await a store call that also queues outbox items: wake the delivery worker, or
        raise `refusal` when the store refused (someone else got there first)."""
        if not await stored:
            raise refusal
        self.outbox_changed.set()

    async def own_checkin(self, actor: Actor, checkin_id: str) -> CheckIn:
        """The actor's own check-in; any other id reads as gone, saying nothing of it."""
        checkin = await self.checkins.get_checkin(checkin_id)
        if checkin is None or checkin.member != actor.key:
            raise NotFound("error.checkin_gone")
        return checkin
