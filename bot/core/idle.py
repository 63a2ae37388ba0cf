"""Periodic care for quiet conversations (issue 18.4).

A claimed check-in with no relayed message either way for `DeskSettings.idle_close` is
closed, with a notice to both sides. Both are reminded first, once two thirds of that
time has passed, and any message withdraws the reminder. A reminder always comes at
least a third of the period before the close, even after the bot was down.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.core.catalog import Catalog
from bot.core.checkin_notices import CheckinNotices
from bot.core.clock import Clock
from bot.core.crisis import Stage
from bot.core.desk_support import DeskSettings, card_closed
from bot.core.erasure import Erasure
from bot.core.models import AuditEntry, CheckIn, OutboxItem
from bot.core.ports import ContentSource, HandoverStore

log = logging.getLogger(__name__)


class IdleWatch:
    def __init__(
        self,
        content: ContentSource,
        store: HandoverStore,
        clock: Clock,
        settings: DeskSettings,
        erasure: Erasure,
    ) -> None:
        self._erasure = erasure
        self._content = content
        self._store = store
        self._clock = clock
        self._settings = settings

    async def idle_round(self) -> int:
        """Remind or close quiet conversations. Returns how many messages were queued for."""
        period = self._settings.idle_close
        if period.total_seconds() <= 0:
            return 0
        now = self._clock.now()
        catalog = self._content.current
        acted = 0
        for checkin in await self._store.idle_claimed(now - period * 2 / 3):
            if checkin.idle_reminded_at is None:
                acted += await self._remind(catalog, checkin, now)
            elif now - checkin.idle_reminded_at >= period / 3 and _quiet(checkin, now) >= period:
                acted += await self._close(catalog, checkin, now)
        return acted

    async def _remind(self, catalog: Catalog, checkin: CheckIn, now: datetime) -> int:
        hours = max(1, round((self._settings.idle_close / 3).total_seconds() / 3600))
        member = catalog.text(checkin.locale, "idle.reminder_member", hours=hours)
        volunteer = catalog.text(
            catalog.default_locale,
            "idle.reminder_volunteer",
            pseudonym=checkin.pseudonym,
            hours=hours,
        )
        notices = self._notices(catalog, checkin, now)
        items = _to_both(notices, member, volunteer, Stage.SENT)
        by = catalog.text(catalog.default_locale, "audit.the_bot")
        audit = AuditEntry(
            now, checkin.id, checkin.pseudonym, "idle_reminded", by, checkin.community
        )
        if not await self._store.remind_idle(checkin.id, now, items, audit):
            return 0
        log.info("reminded both sides of quiet check-in %s", checkin.id)
        return 1

    async def _close(self, catalog: Catalog, checkin: CheckIn, now: datetime) -> int:
        member = catalog.text(checkin.locale, "idle.closed_member")
        volunteer = catalog.text(
            catalog.default_locale, "idle.closed_volunteer", pseudonym=checkin.pseudonym
        )
        notices = self._notices(catalog, checkin, now)
        items = _to_both(notices, member, volunteer, Stage.CLOSED)
        items.append(notices.to_channel(card_closed(catalog, checkin)))
        by = catalog.text(catalog.default_locale, "audit.the_bot")
        audit = AuditEntry(now, checkin.id, checkin.pseudonym, "idle_closed", by, checkin.community)
        quiet_since = now - self._settings.idle_close
        if not await self._store.close_idle(checkin.id, quiet_since, now, items, audit):
            return 0
        await self._erasure.sweep()
        log.info("closed quiet check-in %s", checkin.id)
        return 1

    def _notices(self, catalog: Catalog, checkin: CheckIn, now: datetime) -> CheckinNotices:
        return CheckinNotices(catalog, checkin, now, self._settings.crisis_region)


def _to_both(
    notices: CheckinNotices, member: str, volunteer: str, stage: Stage
) -> list[OutboxItem]:
    checkin = notices.checkin
    items: list[OutboxItem] = []
    if checkin.member_user_id:
        # A crisis-flagged check-in: the crisis lines first, as in every reply about it.
        items.append(notices.to_member(member, crisis_stage=stage))
    if checkin.claimed_by_user_id:
        items.append(notices.to_volunteer(checkin.claimed_by_user_id, volunteer))
    return items


def _quiet(checkin: CheckIn, now: datetime) -> timedelta:
    since = checkin.last_activity_at or checkin.claimed_at or checkin.created_at
    return now - since
