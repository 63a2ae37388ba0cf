"""The discord.py client: slash commands, button presses, modal submits and DMs, in any
number of servers (each its own community: see guilds.py).

Intents: ``guilds`` (the guilds, their channels and roles in the cache: the volunteers'
channel and role checks use them; joins and removals) and ``dm_messages`` (a member's and
a volunteer's DMs to the bot are the check-in relay). Nothing privileged: interactions
arrive whatever the intents, and the content of a DM to the bot is delivered without the
message-content intent. Guild messages are not needed and not asked for.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord.ext import commands

from bot.adapters.discord.commands import add_commands
from bot.adapters.discord.convert import PLATFORM, custom_id
from bot.adapters.discord.directory import DiscordDirectory, env_settings
from bot.adapters.discord.dms import DirectMessages
from bot.adapters.discord.guilds import Communities, GuildHooks, Joined, Removed
from bot.adapters.discord.interactions import FAST_SECONDS, NO_MENTIONS, Interactions
from bot.adapters.discord.messenger import DiscordMessenger
from bot.adapters.discord.settings import DiscordSettings
from bot.adapters.discord.translator import ContentTranslator
from bot.adapters.discord.workspace import DiscordWorkspace
from bot.core.app import Upstander
from bot.core.ports import ContentSource

__all__ = ["ShardedUpstanderClient", "UpstanderClient", "client_for", "intents"]

log = logging.getLogger(__name__)


def intents() -> discord.Intents:
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.dm_messages = True
    return wanted


class UpstanderClient(commands.Bot):
    """The bot: slash commands from the feature cogs, presses and DMs routed to the core.

    A ``commands.Bot`` for its cogs only: no prefix commands are defined, and messages are
    handled by :meth:`on_message` alone.
    """

    def __init__(
        self,
        app: Upstander,
        content: ContentSource,
        settings: DiscordSettings,
        *,
        ack_after: float = FAST_SECONDS,
        on_joined: Joined | None = None,
        on_removed: Removed | None = None,
        **options: Any,
    ) -> None:
        if settings.application_id is not None:
            options.setdefault("application_id", settings.application_id)
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents(),
            allowed_mentions=NO_MENTIONS,
            **options,
        )
        self.settings = settings
        self.app = app
        self.content = content
        self.communities = Communities(self, settings.guild_id)
        self.guild_hooks = GuildHooks(settings.guild_id, on_joined, on_removed)
        self.router = Interactions(app, content, self.communities, ack_after=ack_after)
        self.dms = DirectMessages(self, app, self.communities)
        setup = app.services.setup
        ids = env_settings(settings)
        setup.book.set_default(
            PLATFORM, ids.volunteers_channel, ids.volunteer_role, ids.lead_role, ids.moderator_role
        )
        setup.add_check(PLATFORM, DiscordWorkspace(self, settings))
        self.directory = DiscordDirectory(self, settings, self.communities, setup.book)
        self.messenger = DiscordMessenger(self, settings, self.directory.ids)
        self.ready = asyncio.Event()
        self._guard_interaction_parser()

    def _guard_interaction_parser(self) -> None:
        """Drop an interaction discord.py cannot parse, instead of losing the connection.

        discord.py parses gateway events inline, in the task that reads the socket: a
        KeyError from a malformed INTERACTION_CREATE would end ``Client.start``. There is no
        public hook for this, so the one parser is wrapped where discord.py keeps it.
        """
        parsers = self._connection.parsers
        original = parsers["INTERACTION_CREATE"]

        def parse(data: Any) -> None:
            try:
                original(data)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                log.warning("refused a malformed interaction (%s)", type(exc).__name__)

        parsers["INTERACTION_CREATE"] = parse

    async def setup_hook(self) -> None:
        await add_commands(self, self.router)
        await self.tree.set_translator(ContentTranslator(self.content))
        if self.settings.sync_on_start:
            await sync_tree(self.tree, self.settings.guild_id)

    async def on_ready(self) -> None:
        log.info("connected to Discord as %s", self.user)
        self.ready.set()

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        # Slash commands and autocomplete go through the tree; buttons and modals have no
        # view objects to dispatch to (see render.py), so every press lands here.
        if interaction.type is discord.InteractionType.component:
            if interaction.guild_id is None and DirectMessages.is_choice(custom_id(interaction)):
                await self._choose(interaction)
                return
            await self.router.component(interaction)
        elif interaction.type is discord.InteractionType.modal_submit:
            await self.router.modal_submit(interaction)

    async def _choose(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await self.dms.choose(interaction, custom_id(interaction))
        except discord.HTTPException as exc:
            log.warning("could not answer a server choice (HTTP %s, code %s)", exc.status, exc.code)

    async def on_message(self, message: discord.Message) -> None:
        if message.guild is not None or message.author.bot:
            return
        if not isinstance(message.channel, discord.DMChannel):
            return
        try:
            await self.dms.on_message(message)
        except discord.HTTPException as exc:
            log.warning("could not answer a DM (HTTP %s, code %s)", exc.status, exc.code)

    # -- servers joined and left; roles changed ----------------------------------------

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.guild_hooks.joined(guild, new=True)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        # At start (and after an outage): a server joined while the bot was offline, or
        # rejoined within its grace period, is registered (or restored) here.
        await self.guild_hooks.joined(guild, new=False)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        self.communities.roles.forget_guild(guild.id)
        await self.guild_hooks.removed(guild)

    async def on_guild_role_update(self, before: discord.Role, after: discord.Role) -> None:
        self.communities.roles.forget_guild(after.guild.id)

    async def on_guild_role_delete(self, role: discord.Role) -> None:
        self.communities.roles.forget_guild(role.guild.id)

    async def on_member_update(self, before: discord.Member, after: discord.Member) -> None:
        # Only with the (privileged) members intent; otherwise entries expire instead.
        self.communities.roles.remember(after)

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        self.communities.roles.forget_member(payload.guild_id, payload.user.id)


class ShardedUpstanderClient(UpstanderClient, discord.AutoShardedClient):
    """Several shards in one process (DISCORD_SHARD_COUNT, and several or no
    DISCORD_SHARD_IDS): discord.py connects each and routes their events here."""


def client_for(
    app: Upstander, content: ContentSource, settings: DiscordSettings, **options: Any
) -> UpstanderClient:
    """The client the settings ask for: one connection, one shard of many, or several."""
    options = {**settings.shard_options(), **options}
    if settings.sharded:
        return ShardedUpstanderClient(app, content, settings, **options)
    return UpstanderClient(app, content, settings, **options)


async def sync_tree(tree: discord.app_commands.CommandTree[Any], guild_id: int | None) -> int:
    """Register the commands with Discord: always globally (every server the bot is in,
    however many), and also in ``guild_id`` when given, where they appear at once (for
    development; a global change can take a while to reach every server)."""
    count = len(await tree.sync())
    if guild_id is not None:
        guild = discord.Object(guild_id)
        tree.copy_global_to(guild=guild)
        await tree.sync(guild=guild)
    return count
