"""The member's Slack locale, which Slack requests do not carry.

``users.info`` with ``include_locale`` gives it (e.g. ``en-GB``); the core takes the
language and, when ``UPSTANDER_CRISIS_REGION`` is not set, the region whose emergency
number the crisis lines start with. Answers are cached for an hour; a failed or slow
lookup gives no locale (the default), is not cached, and never holds up an answer long.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.actors import Actor

log = logging.getLogger(__name__)

CACHE_SECONDS = 3600.0
# Inside the 2 s a modal submission waits for the core: a slow lookup costs the locale,
# never the answer.
LOOKUP_SECONDS = 0.5


class SlackLocales:
    """Locales by user id, looked up with the request's own client (one per workspace)."""

    def __init__(
        self, *, ttl: float = CACHE_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[str, tuple[float, str | None]] = {}

    async def actor(self, client: AsyncWebClient, actor: Actor) -> Actor:
        """The actor with their Slack locale, when Slack tells it."""
        if actor.locale:
            return actor
        locale = await self.of(client, actor.user_id)
        return replace(actor, locale=locale) if locale else actor

    async def of(self, client: AsyncWebClient, user_id: str) -> str | None:
        now = self._clock()
        hit = self._cache.get(user_id)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        try:
            response = await asyncio.wait_for(
                client.users_info(user=user_id, include_locale=True), LOOKUP_SECONDS
            )
        except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
            log.warning("Slack locale lookup failed: %s", type(exc).__name__)
            return None
        user = response.get("user") or {}
        found = user.get("locale")
        locale = found if isinstance(found, str) and found else None
        self._cache[user_id] = (now, locale)
        return locale
