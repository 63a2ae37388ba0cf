"""What `/upstander setup` asks Discord: does the channel exist and can the bot post
there; does the role exist. Answered from discord.py's cache of the guild (its channels,
roles and overwrites arrive with the ``guilds`` intent)."""

from __future__ import annotations

import discord

from bot.adapters.discord.directory import guild_of
from bot.adapters.discord.settings import DiscordSettings
from bot.core.settings import Finding

__all__ = ["DiscordWorkspace"]

POSTABLE = (discord.TextChannel, discord.Thread, discord.VoiceChannel)


class DiscordWorkspace:
    def __init__(self, client: discord.Client, settings: DiscordSettings) -> None:
        self._client = client
        self._settings = settings

    def _guild(self, community: str) -> discord.Guild | None:
        guild_id = guild_of(self._client, self._settings, community)
        return None if guild_id is None else self._client.get_guild(guild_id)

    async def channel(self, community: str, channel_id: str) -> Finding:
        guild = self._guild(community)
        if guild is None:
            return Finding.UNREACHABLE
        channel = guild.get_channel_or_thread(int(channel_id)) if channel_id.isdigit() else None
        if not isinstance(channel, POSTABLE):
            return Finding.MISSING
        allowed = channel.permissions_for(guild.me)
        if not (allowed.view_channel and allowed.send_messages):
            return Finding.CANNOT_POST
        return Finding.OK

    async def role(self, community: str, role_id: str) -> Finding:
        guild = self._guild(community)
        if guild is None:
            return Finding.UNREACHABLE
        role = guild.get_role(int(role_id)) if role_id.isdigit() else None
        return Finding.MISSING if role is None or role.is_default() else Finding.OK

    def mention(self, kind: str, value: str) -> str:
        # Replies go out with no mentions allowed: a role is shown, never pinged.
        return f"<#{value}>" if kind == "channel" else f"<@&{value}>"
