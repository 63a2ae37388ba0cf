"""Who holds which Upstander role on Discord, decided from the configured role ids."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import discord

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
    """Roles from the interaction when it carries member data, else from the guild member.

    A DM carries no member data, so the member is fetched over REST
    (``GET /guilds/{guild}/members/{user}``) from the configured guild, or the guild of
    the volunteers' channel. Any failure means no roles: access fails closed.
    """

    def __init__(self, client: discord.Client, settings: DiscordSettings) -> None:
        self._client = client
        self._settings = settings

    async def roles(self, actor: Actor) -> frozenset[Role]:
        if actor.roles or actor.is_admin:
            return roles_for(self._settings, actor.roles, actor.is_admin)
        role_ids, manage_guild = await self._member(actor.user_id)
        return roles_for(self._settings, role_ids, manage_guild)

    def guild_id(self) -> int | None:
        if self._settings.guild_id is not None:
            return self._settings.guild_id
        channel = self._client.get_channel(self._settings.volunteer_channel_id)
        if isinstance(channel, discord.abc.GuildChannel):
            return channel.guild.id
        return None

    async def _member(self, user_id: str) -> tuple[frozenset[str], bool]:
        guild_id = self.guild_id()
        if guild_id is None or not user_id.isdigit():
            return frozenset(), False
        try:
            guild = self._client.get_guild(guild_id)
            if guild is not None:
                member = await guild.fetch_member(int(user_id))
                ids = frozenset(str(role.id) for role in member.roles)
                return ids, member.guild_permissions.manage_guild
            data = await self._client.http.get_member(guild_id, int(user_id))
            return frozenset(str(r) for r in data.get("roles", [])), False
        except discord.NotFound:
            return frozenset(), False
        except (discord.HTTPException, OSError):
            log.warning("could not look up a member's roles; treating them as a member")
            return frozenset(), False
