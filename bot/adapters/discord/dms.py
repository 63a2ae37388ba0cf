"""A DM to the bot, in many servers: which community's conversation it belongs to.

A DM carries no guild. It is relayed in the one community where its author has a
conversation (a check-in open, or one claimed); the member's key is per community, so
each community the bot is in is asked in turn. With conversations in two or more, the
message waits (in memory, briefly) and the author is asked which server it is for, one
button per server: nothing is guessed. A press relays everything that waited.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.adapters.discord.convert import PLATFORM, actor_from_message
from bot.adapters.discord.guilds import Communities, split_tag
from bot.adapters.discord.render import render
from bot.core.actors import Actor
from bot.core.app import Upstander
from bot.core.catalog import Catalog
from bot.core.messages import Action, Reply, Section, parse_action_id

__all__ = ["WHICH", "DirectMessages"]

log = logging.getLogger(__name__)

# The kind of the "which server?" buttons; the adapter answers them, not the core.
WHICH = "dm.which"
HOLD_SECONDS = 15 * 60
HOLD_MESSAGES = 10
HOLD_USERS = 10_000
NO_MENTIONS = discord.AllowedMentions.none()


@dataclass(slots=True)
class _Held:
    texts: list[str] = field(default_factory=list)
    since: float = field(default_factory=time.monotonic)


class DirectMessages:
    """Routes DMs to the right community's conversation, asking when there are several."""

    def __init__(self, client: discord.Client, app: Upstander, communities: Communities) -> None:
        self._client = client
        self._app = app
        self._communities = communities
        self._held: dict[int, _Held] = {}

    async def on_message(self, message: discord.Message) -> None:
        """A DM: relayed in its community, or held while the author chooses."""
        author = message.author
        open_in = await self._conversations(actor_from_message(message))
        if len(open_in) <= 1:
            community = open_in[0] if open_in else PLATFORM
            reply = await self._app.message(actor_from_message(message, community), message.content)
            if reply is not None:
                await message.channel.send(
                    **render(reply, tag=self._tag(community)).send_kwargs(),
                    allowed_mentions=NO_MENTIONS,
                )
            return
        asking = self._hold(author.id, message.content)
        if asking:
            await message.channel.send(
                **render(self._question(open_in)).send_kwargs(), allowed_mentions=NO_MENTIONS
            )

    async def choose(self, interaction: discord.Interaction[Any], action_id: str) -> None:
        """A "which server?" press: relay what waited there, then say where it went."""
        guild_id, _ = split_tag(action_id)
        community = self._communities.of_guild(guild_id)
        actor = Actor(PLATFORM, str(interaction.user.id), community=community)
        catalog = self._catalog()
        locale = catalog.locale_for(str(interaction.locale))
        held = self._take(interaction.user.id)
        # Only a community where the presser has a conversation: a forged tag names none.
        if not held or not await self._app.services.desk.conversation.in_conversation(actor):
            await interaction.response.edit_message(
                content=catalog.text(locale, "relay.which_expired"), view=None
            )
            return
        # Relayed before the answer: when the member sees "sent", it is queued.
        replies = [reply for text in held if (reply := await self._app.message(actor, text))]
        server = self._name(self._communities.guild(community))
        sent = catalog.text(locale, "relay.which_sent", server=server)
        await interaction.response.edit_message(content=sent, view=None)
        for reply in replies:
            await interaction.followup.send(
                **render(reply, tag=self._tag(community)).send_kwargs(),
                allowed_mentions=NO_MENTIONS,
            )

    @staticmethod
    def is_choice(action_id: str) -> bool:
        _, untagged = split_tag(action_id)
        return parse_action_id(untagged)[0] == WHICH

    # -- helpers ---------------------------------------------------------------------

    async def _conversations(self, author: Actor) -> list[str]:
        """The communities where the author has a conversation (one look-up per community
        the bot is in: a member's key differs in each)."""
        conversation = self._app.services.desk.conversation
        found: list[str] = []
        for community in self._communities.in_bot_guilds():
            actor = Actor(PLATFORM, author.user_id, community=community)
            if await conversation.in_conversation(actor):
                found.append(community)
        return found

    def _hold(self, user_id: int, text: str) -> bool:
        """Keep ``text`` until the author chooses; True when they must be asked (again)."""
        now = time.monotonic()
        held = self._held.get(user_id)
        if held is None or now - held.since > HOLD_SECONDS:
            held = _Held(since=now)
            self._held[user_id] = held
            self._forget_oldest()
        if len(held.texts) >= HOLD_MESSAGES:
            return False
        held.texts.append(text)
        return len(held.texts) == 1

    def _take(self, user_id: int) -> list[str]:
        held = self._held.pop(user_id, None)
        if held is None or time.monotonic() - held.since > HOLD_SECONDS:
            return []
        return held.texts

    def _forget_oldest(self) -> None:
        while len(self._held) > HOLD_USERS:
            del self._held[next(iter(self._held))]

    def _question(self, communities: list[str]) -> Reply:
        catalog = self._catalog()
        text = catalog.text(catalog.locale_for(None), "relay.which_community")
        actions = tuple(
            Action(kind=self._tag(c) + WHICH, arg="", label=self._name(self._communities.guild(c)))
            for c in communities
        )
        return Reply(sections=(Section(text),), actions=actions)

    def _tag(self, community: str) -> str:
        return self._communities.tag(community)

    def _name(self, guild_id: int | None) -> str:
        guild = self._client.get_guild(guild_id) if guild_id is not None else None
        return guild.name if guild is not None else PLATFORM.capitalize()

    def _catalog(self) -> Catalog:
        return self._app.services.content.current
