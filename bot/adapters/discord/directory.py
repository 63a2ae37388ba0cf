"""Who holds which Upstander role on Discord, decided from the configured role ids, in the
guild of the actor's community."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import discord

from bot.adapters.discord.guilds import Communities
from bot.adapters.discord.settings import DiscordSettings
from bot.core.actors import Actor, Role

__all__ = ["DiscordDirectory", "roles_for"]

log = logging.getLogger(__name__)


def roles_for(
    settings: DiscordSettings, role_ids: Iterable[str], manage_guild: bool
) -> frozenset[Role]:
    """Upstander roles from Discord role ids and the Manage Server permission."""
    held = set(role_ids)
    roles: set[Role] = set()
    if settings.volunteer_role_id is not None and str(settings.volunteer_role_id) in held:
        roles.add(Role.VOLUNTEER)
    if settings.lead_role_id is not None and str(settings.lead_role_id) in held:
        roles.add(Role.LEAD)
    if manage_guild or (
        settings.moderator_role_id is not None and str(settings.moderator_role_id) in held
    ):
        roles.add(Role.MODERATOR)
    return frozenset(roles)


class DiscordDirectory:
    """Roles from the interaction when it carries member data (Discord's member record),
    else from the member's record in the guild of the actor's community.

    A DM carries no member data, so the member's record comes from the per-guild cache
    (``guilds.GuildRoles``: fetched over REST once, refreshed by interactions and by role
    and member updates). Any failure means no roles: access fails closed.
    """

    def __init__(
        self, client: discord.Client, settings: DiscordSettings, communities: Communities
    ) -> None:
        self._client = client
        self._settings = settings
        self._communities = communities

    async def roles(self, actor: Actor) -> frozenset[Role]:
        if actor.roles or actor.is_admin:
            return roles_for(self._settings, actor.roles, actor.is_admin)
        role_ids, manage_guild = await self._member(actor)
        return roles_for(self._settings, role_ids, manage_guild)

    def guild_id(self, community: str = "discord") -> int | None:
        """The guild of ``community``; for the default one without DISCORD_GUILD_ID, the
        guild of the volunteers' channel."""
        guild_id = self._communities.guild(community)
        if guild_id is not None or community != "discord":
            return guild_id
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
