"""Periodic care: escalate unclaimed check-ins and purge what retention no longer allows."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core.clock import Clock
from bot.core.desk_support import DeskSettings, card, outbox_item, volunteers
from bot.core.erasure import Erasure
from bot.core.messages import Outbound
from bot.core.models import AuditEntry
from bot.core.ports import CheckinStore, ContentSource
from bot.core.settings import SettingsBook

log = logging.getLogger(__name__)


class Escalation:
    def __init__(
        self,
        content: ContentSource,
        store: CheckinStore,
        clock: Clock,
        settings: DeskSettings,
        erasure: Erasure,
        book: SettingsBook | None = None,
    ) -> None:
        self._book = book
        self._erasure = erasure
        self._content = content
        self._store = store
        self._clock = clock
        self._settings = settings

    async def tick(self) -> int:
        """Re-post check-ins nobody claimed in time, mentioning the leads. Returns how many."""
        now = self._clock.now()
        catalog = self._content.current
        escalated = 0
        for checkin in await self._store.unclaimed():
            if checkin.escalation_level >= self._settings.max_escalations:
                continue
            since = checkin.last_escalated_at or checkin.opened_at or checkin.created_at
            if now - since < await self._escalate_after(checkin.community):
                continue
            level = checkin.escalation_level + 1
            repost = Outbound(
                volunteers(checkin.platform, checkin.community),
                card(catalog, checkin, now, escalated=True),
                mention_leads=True,
            )
            item = outbox_item(checkin, "escalation", repost, now)
            audit = AuditEntry(
                now, checkin.id, checkin.pseudonym, "escalated", f"level {level}", checkin.community
            )
            if await self._store.escalate(checkin.id, level, now, [item], audit):
                escalated += 1
                log.info("escalated check-in %s to level %d", checkin.id, level)
        return escalated

    async def _escalate_after(self, community: str) -> timedelta:
        """The escalation delay of the check-in's own community."""
        if self._book is None:
            return self._settings.escalate_after
        settings = await self._book.get(community)
        return settings.escalate_after

    async def purge(self) -> int:
        now = self._clock.now()
        purged = await self._store.purge(
            now - self._settings.retention, now - self._settings.draft_ttl
        )
        if purged:
            log.info("purged personal data from %d check-in(s)", purged)
        await self._erasure.after_purge(now - self._settings.retention)
        return purged
