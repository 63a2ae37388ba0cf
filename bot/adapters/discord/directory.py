"""Who holds which Upstander role on Discord, from the community's role ids.

The role ids are the community's settings (`/upstander setup`), else the environment's
for the server it names. Manage Server makes a member the community's admin (and a
moderator); that permission is checked with Discord, never taken from the payload alone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import discord

from bot.adapters.discord.guilds import Communities
from bot.adapters.discord.settings import DiscordSettings
from bot.core.actors import Actor, Role
from bot.core.community import is_default
from bot.core.settings import CommunitySettings, SettingsBook

__all__ = ["DiscordDirectory", "env_settings", "guild_of", "roles_for"]

log = logging.getLogger(__name__)


def env_settings(settings: DiscordSettings) -> CommunitySettings:
    """The default community's ids as the environment names them."""

    def text(value: int | None) -> str:
        return "" if value is None else str(value)

    return CommunitySettings(
        volunteers_channel=text(settings.volunteer_channel_id),
        volunteer_role=text(settings.volunteer_role_id),
        lead_role=text(settings.lead_role_id),
        moderator_role=text(settings.moderator_role_id),
    )


def roles_for(
    ids: CommunitySettings, role_ids: Iterable[str], manage_guild: bool
) -> frozenset[Role]:
    """Upstander roles from Discord role ids and a verified Manage Server permission."""
    held = set(role_ids)
    roles: set[Role] = set()
    if ids.volunteer_role and ids.volunteer_role in held:
        roles.add(Role.VOLUNTEER)
    if ids.lead_role and ids.lead_role in held:
        roles.add(Role.LEAD)
    if ids.moderator_role and ids.moderator_role in held:
        roles.add(Role.MODERATOR)
    if manage_guild:
        roles.update((Role.ADMIN, Role.MODERATOR))
    return frozenset(roles)


def guild_of(client: discord.Client, settings: DiscordSettings, community: str) -> int | None:
    """The guild id of a community: its own id, or for the default community the
    configured guild (else the guild of the volunteers' channel)."""
    if not is_default(community):
        raw = community.partition(":")[2]
        return int(raw) if raw.isdigit() else None
    if settings.guild_id is not None:
        return settings.guild_id
    if settings.volunteer_channel_id is None:
        return None
    channel = client.get_channel(settings.volunteer_channel_id)
    if isinstance(channel, discord.abc.GuildChannel):
        return channel.guild.id
    return None


class DiscordDirectory:
    """Role ids from the interaction when it carries member data, else from the member's
    record in the guild of the actor's community; the ids they must match are that
    community's settings.

    A DM carries no member data, so the member's record comes from the per-guild cache
    (``guilds.GuildRoles``: fetched over REST once, refreshed by interactions and by role
    and member updates); Manage Server is worked out from it, never taken from a payload
    alone. Any failure means no roles: access fails closed.
    """

    def __init__(
        self,
        client: discord.Client,
        settings: DiscordSettings,
        communities: Communities,
        book: SettingsBook | None = None,
    ) -> None:
        self._client = client
        self._settings = settings
        self._communities = communities
        self._book = book
        self._env = env_settings(settings)

    async def roles(self, actor: Actor) -> frozenset[Role]:
        ids = await self.ids(actor.community)
        if actor.roles and not actor.is_admin:
            return roles_for(ids, actor.roles, False)
        role_ids, manage_guild = await self._member(actor)
        return roles_for(ids, role_ids | actor.roles, manage_guild)

    async def ids(self, community: str) -> CommunitySettings:
        """The community's channel and role ids in effect."""
        if self._book is None:
            return self._env
        return await self._book.get(community)

    def guild_id(self, community: str = "discord") -> int | None:
        """The guild of ``community``; for the default one without DISCORD_GUILD_ID, the
        guild of the volunteers' channel."""
        guild_id = self._communities.guild(community)
        if guild_id is not None or community != "discord":
            return guild_id
        if self._settings.volunteer_channel_id is None:
            return None
        channel = self._client.get_channel(self._settings.volunteer_channel_id)
        if isinstance(channel, discord.abc.GuildChannel):
            return channel.guild.id
        return None

    async def _member(self, actor: Actor) -> tuple[frozenset[str], bool]:
        guild_id = self.guild_id(actor.community)
        if guild_id is None or not actor.user_id.isdigit():
            return frozenset(), False
        cache = self._communities.roles
        record = await cache.record(guild_id, int(actor.user_id))
        if record is None:
            return frozenset(), False
        return frozenset(str(r) for r in record.role_ids), cache.manage_guild(guild_id, record)
