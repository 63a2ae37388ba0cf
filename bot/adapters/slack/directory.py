"""Who is a volunteer, a lead or a moderator in the Slack workspace.

- volunteers: members of SLACK_VOLUNTEER_GROUP (``usergroups.users.list``), or, when no
  group is set, members of the volunteers' channel (``conversations.members``);
- leads: members of SLACK_LEAD_GROUP (leads count as volunteers too);
- moderators: members of SLACK_MODERATOR_GROUP, and workspace admins and owners
  (``users.info``), who are also the community's admins (they may change its settings);
- the groups and the channel are the community's settings (``/upstander setup``), else
  the environment's;
- names: people are shown as Slack shows them (``users.info``: display name, else full
  name, else the legacy handle), never by the handle a request carries.

Answers are cached briefly (60 s by default).  A failed lookup grants nothing and is not
cached: access fails closed, and the next request asks again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.failures import failure_reason
from bot.adapters.slack.messenger import env_settings
from bot.adapters.slack.settings import SlackSettings
from bot.core.actors import Actor, Role
from bot.core.settings import CommunitySettings, SettingsBook

log = logging.getLogger(__name__)

# The user id of whoever installed the app in a community, or None (OAuth's seam).
Installer = Callable[[str], Awaitable[str | None]]

CACHE_SECONDS = 60.0
PAGE_LIMIT = 200
MAX_PAGES = 50


class SlackDirectory:
    def __init__(
        self,
        client: AsyncWebClient,
        settings: SlackSettings,
        *,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        book: SettingsBook | None = None,
        installer: Installer | None = None,
    ) -> None:
        self._client = client
        self._settings = settings
        self._book = book
        # Who installed the app in a community (OAuth installs): an admin there too.
        self._installer = installer
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[str, tuple[float, Any]] = {}

    async def roles(self, actor: Actor) -> frozenset[Role]:
        user = actor.user_id
        roles: set[Role] = set()
        ids = await self._ids(actor.community)
        if ids.volunteer_role:
            if user in await self._group(ids.volunteer_role):
                roles.add(Role.VOLUNTEER)
        elif ids.volunteers_channel and user in await self._channel(ids.volunteers_channel):
            roles.add(Role.VOLUNTEER)
        if ids.lead_role and user in await self._group(ids.lead_role):
            roles.update((Role.LEAD, Role.VOLUNTEER))
        if ids.moderator_role and user in await self._group(ids.moderator_role):
            roles.add(Role.MODERATOR)
        if await self._is_admin(user) or await self._installed(actor):
            roles.update((Role.ADMIN, Role.MODERATOR))
        return frozenset(roles)

    async def _installed(self, actor: Actor) -> bool:
        if self._installer is None:
            return False
        return await self._installer(actor.community) == actor.user_id

    async def _ids(self, community: str) -> CommunitySettings:
        """The community's channel and user groups: its settings, else the environment's."""
        if self._book is None:
            return env_settings(self._settings)
        return await self._book.get(community)

    def forget(self) -> None:
        """Drop every cached answer (e.g. after a membership change the bot was told of)."""
        self._cache.clear()

    # -- lookups ------------------------------------------------------------------------

    async def _cached(self, key: str, fetch: Callable[[], Awaitable[Any]], empty: Any) -> Any:
        now = self._clock()
        hit = self._cache.get(key)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        try:
            value = await fetch()
        except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
            log.warning("Slack lookup %s failed: %s", key, failure_reason(exc))
            return empty
        self._cache[key] = (now, value)
        return value

    async def _group(self, group_id: str) -> frozenset[str]:
        async def fetch() -> frozenset[str]:
            response = await self._client.usergroups_users_list(usergroup=group_id)
            return frozenset(str(u) for u in response.get("users") or ())

        found: frozenset[str] = await self._cached(f"group:{group_id}", fetch, frozenset())
        return found

    async def _channel(self, channel_id: str) -> frozenset[str]:
        async def fetch() -> frozenset[str]:
            members: set[str] = set()
            cursor = ""
            for _ in range(MAX_PAGES):
                response = await self._client.conversations_members(
                    channel=channel_id, limit=PAGE_LIMIT, cursor=cursor or None
                )
                members.update(str(m) for m in response.get("members") or ())
                metadata = response.get("response_metadata") or {}
                cursor = str(metadata.get("next_cursor") or "")
                if not cursor:
                    break
            return frozenset(members)

        found: frozenset[str] = await self._cached(f"channel:{channel_id}", fetch, frozenset())
        return found

    async def display_name(self, user_id: str) -> str:
        """How Slack shows this person: the display name, else the full name, else the
        legacy handle; "" when the lookup fails."""
        user = await self._user(user_id)
        profile = user.get("profile")
        profile = profile if isinstance(profile, Mapping) else {}
        for name in (profile.get("display_name"), profile.get("real_name"), user.get("real_name")):
            if isinstance(name, str) and name.strip():
                return name.strip()
        handle = user.get("name")
        return handle if isinstance(handle, str) else ""

    async def _is_admin(self, user_id: str) -> bool:
        user = await self._user(user_id)
        return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))

    async def _user(self, user_id: str) -> Mapping[str, Any]:
        """``users.info``'s user object, shared by the admin check and the name."""

        async def fetch() -> Mapping[str, Any]:
            response = await self._client.users_info(user=user_id)
            user = response.get("user")
            return user if isinstance(user, Mapping) else {}

        found: Mapping[str, Any] = await self._cached(f"user:{user_id}", fetch, {})
        return found
