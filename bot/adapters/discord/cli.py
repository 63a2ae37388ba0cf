"""``python -m bot discord sync [--guild ID]``: register the slash commands with Discord.

Loads the content (the commands' wording in each language is bot copy), logs in over REST
only (no gateway), syncs the command tree and logs out. The commands are always registered
globally (every server the bot is in); with a guild (``--guild`` or DISCORD_GUILD_ID) they
are also registered there, where they show at once (a global change can take a while).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord.ext import commands

from bot.adapters.discord.client import intents, sync_tree
from bot.adapters.discord.commands import add_commands
from bot.adapters.discord.endpoints import configure_endpoints, restore_endpoints
from bot.adapters.discord.settings import DiscordSettings, DiscordSettingsError
from bot.adapters.discord.translator import ContentTranslator
from bot.config import Settings
from bot.content.overlay import CommunityContent
from bot.core.actors import Actor
from bot.core.app import Upstander
from bot.core.errors import ContentInvalid
from bot.core.messages import Reply
from bot.core.ports import ContentSource

__all__ = ["discord_command", "sync_commands"]


def discord_command(args: argparse.Namespace, settings: Settings) -> int:
    if getattr(args, "discord_command", None) != "sync":
        print("usage: python -m bot discord sync [--guild ID]", file=sys.stderr)
        return 2
    try:
        discord_settings = DiscordSettings.from_env(settings.env)
    except DiscordSettingsError as exc:
        print(f"cannot sync: {exc}", file=sys.stderr)
        return 2
    guild: int | None = getattr(args, "guild", None) or discord_settings.guild_id
    try:
        content = CommunityContent.load(settings.content_dir, settings.resources_file)
    except ContentInvalid as exc:
        print(f"cannot sync: the content files have problems ({exc})", file=sys.stderr)
        return 2
    try:
        count = asyncio.run(sync_commands(discord_settings, guild, content))
    except discord.LoginFailure:
        print("cannot sync: Discord refused DISCORD_TOKEN", file=sys.stderr)
        return 1
    except discord.HTTPException as exc:
        print(f"cannot sync: Discord answered HTTP {exc.status} ({exc.text})", file=sys.stderr)
        return 1
    where = "all servers (global; may take a while to appear)"
    if guild:
        where += f", and guild {guild} (at once)"
    print(f"synced {count} commands to {where}")
    return 0


async def sync_commands(
    settings: DiscordSettings, guild_id: int | None, content: ContentSource
) -> int:
    """Log in over REST, sync the tree (globally, and to ``guild_id`` too), log out."""
    previous = configure_endpoints(settings.api_base, settings.gateway_url)
    try:
        options: dict[str, Any] = {}
        if settings.application_id is not None:
            options["application_id"] = settings.application_id
        bot = commands.Bot(
            command_prefix=commands.when_mentioned, help_command=None, intents=intents(), **options
        )
        async with bot:
            # What UpstanderClient.setup_hook does, without a core behind the commands.
            await add_commands(bot, _DefinitionsOnly())
            await bot.tree.set_translator(ContentTranslator(content))
            await bot.login(settings.token)
            return await sync_tree(bot.tree, guild_id)
    finally:
        restore_endpoints(previous)


class _DefinitionsOnly:
    """A router for a tree that is only synced, never run."""

    @property
    def app(self) -> Upstander:
        raise RuntimeError("commands are not served by `discord sync`")

    def actor(self, interaction: discord.Interaction[Any]) -> Actor:
        raise RuntimeError("commands are not served by `discord sync`")

    async def command(
        self, interaction: discord.Interaction[Any], call: Callable[[Actor], Awaitable[Reply]]
    ) -> None:
        raise RuntimeError("commands are not served by `discord sync`")
