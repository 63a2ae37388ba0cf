"""Communities that come and go: the bot removed from a Discord server (or a Slack
workspace uninstalled) marks its community removed; after a grace period, or at once
when asked, every row it has is deleted.

The purge leaves one audit line in the community's own audit, naming no one: only that
community's moderators could ever read it, if the bot is added again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.core.clock import Clock
from bot.core.models import AuditEntry
from bot.core.ports import CommunityStore

log = logging.getLogger(__name__)

PURGED = "community_purged"
DEFAULT_GRACE = timedelta(days=30)


class Communities:
    def __init__(self, store: CommunityStore, clock: Clock, grace: timedelta = DEFAULT_GRACE):
        self._store = store
        self._clock = clock
        self.grace = grace

    async def removed(self, community: str) -> datetime | None:
        """The bot was removed from `community`: its data is purged after the grace.
        When it will be, or None if the community was never registered."""
        now = self._clock.now()
        purge_after = now + self.grace
        if not await self._store.mark_removed(community, now, purge_after):
            return None
        log.info("community %s removed; purged after %s", community, purge_after.isoformat())
        return purge_after

    async def joined(self, community: str, name: str) -> None:
        """The bot is in `community` (added, or found at start-up): recorded, and
        restored if it had been removed and is not purged yet."""
        platform, _, workspace = community.partition(":")
        await self._store.register(platform, workspace, name, self._clock.now())
        await self._store.restore(community)

    async def left(self, community: str) -> None:
        """`removed`, for an adapter's hook that expects no answer."""
        await self.removed(community)

    async def uninstalled(self, community: str) -> None:
        """The app was uninstalled (or its token revoked) there: purged at once, since
        nothing can be sent there any more and nobody there asked to keep anything."""
        await self.purge_community(community, "uninstalled")

    async def added_again(self, community: str) -> bool:
        """Re-added before its purge: nothing is purged."""
        return await self._store.restore(community)

    async def purge_community(self, community: str, reason: str) -> int:
        """Delete every row of `community` now, with one audit line; `reason` (why, in a
        word: "removed", "uninstalled") goes to the log. How many rows went."""
        now = self._clock.now()
        line = AuditEntry(now, "", "", PURGED, "", community)
        gone = await self._store.purge(community, line)
        log.info("community %s purged (%s): %d rows deleted", community, reason, gone)
        return gone

    async def purge_removed(self) -> int:
        """The periodic job's pass: purge every removed community past its grace."""
        purged = 0
        for community in await self._store.removed_due(self._clock.now()):
            await self.purge_community(community.id, "removed")
            purged += 1
        return purged
