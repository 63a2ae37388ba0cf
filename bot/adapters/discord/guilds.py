"""One bot in many Discord servers: which community a guild is, who holds which roles
there, and what happens when the bot joins or leaves a server.

- A guild's community is ``community_id("discord", str(guild_id), DISCORD_GUILD_ID)``:
  the guild ``DISCORD_GUILD_ID`` names (if any) is the default community ``discord``.
- A DM has no guild. Buttons the bot sends in DMs carry their community as a tag in
  front of the core's action id (:func:`tag_for`); a press is believed only for a guild
  the bot is in and the presser is a member of (:class:`GuildRoles`).
- Role look-ups are per guild and cached: an interaction's member record (Discord's own,
  in the payload) refreshes the entry; a DM's look-up fetches the member over REST once.
  Role changes and deletions drop the guild's entries; member updates (when the members
  intent is on) and removals refresh or drop one; an entry also expires after
  ``ROLE_TTL_SECONDS``, since without the members intent Discord sends no member updates.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord

from bot.adapters.discord.convert import actor_from_interaction, custom_id
from bot.core.actors import Actor
from bot.core.community import community_id, is_default

__all__ = [
    "Communities",
    "GuildHooks",
    "GuildRoles",
    "MemberRecord",
    "community_of",
    "guild_of",
    "split_tag",
    "tag_for",
    "tagged",
]

log = logging.getLogger(__name__)

PLATFORM = "discord"
TAG_MARK = "~"
# The longest tag: "~" + a 64-bit snowflake in base 36 (13 characters) + "~".
TAG_MAX = 15
CUSTOM_ID_MAX = 100
ROLE_TTL_SECONDS = 300.0
ROLE_CACHE_MAX = 50_000
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"

Joined = Callable[[str, str], Awaitable[None]]
Removed = Callable[[str], Awaitable[None]]


def community_of(guild_id: int | None, default_guild_id: int | None) -> str:
    """The community of a guild (None: a DM, the default community)."""
    default = str(default_guild_id) if default_guild_id is not None else ""
    return community_id(PLATFORM, str(guild_id) if guild_id is not None else "", default)


def guild_of(community: str, default_guild_id: int | None) -> int | None:
    """The guild a community stands for (the default one: ``DISCORD_GUILD_ID``, if set)."""
    if is_default(community):
        return default_guild_id if community == PLATFORM else None
    platform, _, workspace = community.partition(":")
    if platform != PLATFORM or not workspace.isdigit():
        return None
    return int(workspace)


def _base36(number: int) -> str:
    out = ""
    while True:
        number, digit = divmod(number, 36)
        out = _DIGITS[digit] + out
        if not number:
            return out


def tag_for(community: str, default_guild_id: int | None) -> str:
    """The prefix a DM button's custom id carries for ``community`` ("" for the default)."""
    guild_id = guild_of(community, default_guild_id)
    if is_default(community) or guild_id is None:
        return ""
    return f"{TAG_MARK}{_base36(guild_id)}{TAG_MARK}"


def tagged(tag: str, custom_id: str) -> str:
    """``custom_id`` with the tag, when the whole still fits Discord's 100 characters."""
    if not tag or len(tag) + len(custom_id) > CUSTOM_ID_MAX:
        if tag:
            log.warning("a DM button's id is too long to carry its community")
        return custom_id
    return tag + custom_id


def split_tag(custom_id: str) -> tuple[int | None, str]:
    """The guild a DM press names (None when untagged or malformed) and the core's id."""
    if not custom_id.startswith(TAG_MARK):
        return None, custom_id
    end = custom_id.find(TAG_MARK, 1)
    if end < 2 or end > TAG_MAX - 1:
        return None, custom_id
    try:
        guild_id = int(custom_id[1:end], 36)
    except ValueError:
        return None, custom_id
    return guild_id, custom_id[end + 1 :]


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """A member's roles in one guild, as Discord's member record gave them."""

    role_ids: frozenset[int]
    owner: bool
    seen_at: float
    member: bool = True  # False: Discord said they are not a member (cached as such)


class GuildRoles:
    """Per-guild member records, cached; permissions computed from the guild's cached roles
    (discord.py keeps them current from GUILD_ROLE_* events)."""

    def __init__(self, client: discord.Client, *, ttl: float = ROLE_TTL_SECONDS) -> None:
        self._client = client
        self._ttl = ttl
        self._records: OrderedDict[tuple[int, int], MemberRecord] = OrderedDict()

    def remember(self, member: discord.Member) -> None:
        """Discord's member record (an interaction's, a member update's): the freshest."""
        guild = member.guild
        if self._client.get_guild(guild.id) is None:
            return  # not a server the bot is in (a partial guild): nothing to keep
        owner = guild.owner_id == member.id
        self._put((guild.id, member.id), MemberRecord(frozenset(member._roles), owner, _now()))

    def forget_guild(self, guild_id: int) -> None:
        for key in [k for k in self._records if k[0] == guild_id]:
            del self._records[key]

    def forget_member(self, guild_id: int, user_id: int) -> None:
        self._records.pop((guild_id, user_id), None)

    async def record(self, guild_id: int, user_id: int) -> MemberRecord | None:
        """The member's record in the guild; None when they are not a member (or the bot
        is not in the guild, or Discord cannot be asked: access then fails closed)."""
        key = (guild_id, user_id)
        found = self._records.get(key)
        if found is None or _now() - found.seen_at >= self._ttl:
            found = await self._fetch(guild_id, user_id)
            if found is None:
                return None
        self._put(key, found)
        return found if found.member else None

    def manage_guild(self, guild_id: int, record: MemberRecord) -> bool:
        """Manage Server from the guild's roles as cached now (owner: always)."""
        guild = self._client.get_guild(guild_id)
        if guild is None:
            return False
        if record.owner:
            return True
        everyone = guild.default_role.permissions.value
        value = everyone
        for role_id in record.role_ids:
            role = guild.get_role(role_id)
            if role is not None:
                value |= role.permissions.value
        perms = discord.Permissions(value)
        return perms.administrator or perms.manage_guild

    async def _fetch(self, guild_id: int, user_id: int) -> MemberRecord | None:
        """Discord's record over REST; None when it cannot be had (nothing is cached)."""
        guild = self._client.get_guild(guild_id)
        if guild is None:
            return None
        try:
            member = await guild.fetch_member(user_id)
        except discord.NotFound:
            return MemberRecord(frozenset(), False, _now(), member=False)
        except (discord.HTTPException, OSError):
            log.warning("could not look up a member's roles; treating them as a member")
            return None
        return MemberRecord(frozenset(member._roles), guild.owner_id == user_id, _now())

    def _put(self, key: tuple[int, int], record: MemberRecord) -> None:
        self._records[key] = record
        self._records.move_to_end(key)
        while len(self._records) > ROLE_CACHE_MAX:
            self._records.popitem(last=False)


def _now() -> float:
    return time.monotonic()


async def _nothing_joined(_community: str, _name: str) -> None:
    return None


async def _nothing_removed(_community: str) -> None:
    return None


class GuildHooks:
    """The bot joined or left a server: tell the deployment (the community registry marks
    a removed community for purging after its grace period; a rejoin restores it)."""

    def __init__(
        self,
        default_guild_id: int | None,
        on_joined: Joined | None = None,
        on_removed: Removed | None = None,
    ) -> None:
        self._default = default_guild_id
        self._on_joined = on_joined or _nothing_joined
        self._on_removed = on_removed or _nothing_removed

    async def joined(self, guild: discord.Guild, *, new: bool) -> None:
        """The bot joined ``guild`` (``new``) or found it at start or after an outage."""
        community = community_of(guild.id, self._default)
        if new:
            log.info("joined Discord guild %s (community %s)", guild.id, community)
        try:
            await self._on_joined(community, guild.name)
        except Exception:
            log.exception("recording a joined Discord guild failed")

    async def removed(self, guild: discord.Guild) -> None:
        community = community_of(guild.id, self._default)
        log.info("removed from Discord guild %s (community %s)", guild.id, community)
        try:
            await self._on_removed(community)
        except Exception:
            log.exception("recording a removed Discord guild failed")


class Communities:
    """Which community an interaction acts in: its guild's, or in a DM the one its button
    carries — believed only for a guild the bot is in and the presser is a member of."""

    def __init__(self, client: discord.Client, default_guild_id: int | None) -> None:
        self._client = client
        self.default_guild_id = default_guild_id
        self.roles = GuildRoles(client)

    def of_guild(self, guild_id: int | None) -> str:
        return community_of(guild_id, self.default_guild_id)

    def tag(self, community: str) -> str:
        return tag_for(community, self.default_guild_id)

    def guild(self, community: str) -> int | None:
        return guild_of(community, self.default_guild_id)

    def actor(self, interaction: discord.Interaction[Any]) -> Actor:
        """The actor of an interaction in a guild (or an untagged one in a DM); the member
        record Discord sent with it refreshes the role cache."""
        if isinstance(interaction.user, discord.Member):
            self.roles.remember(interaction.user)
        return actor_from_interaction(interaction, self.of_guild(interaction.guild_id))

    async def press_actor(self, interaction: discord.Interaction[Any]) -> Actor:
        """As :meth:`actor`; in a DM, in the community the pressed button's tag names."""
        if interaction.guild_id is not None:
            return self.actor(interaction)
        guild_id, _ = split_tag(custom_id(interaction))
        if guild_id is None:
            return self.actor(interaction)
        if self._client.get_guild(guild_id) is None:
            log.info("a DM press names a guild the bot is not in; using the default community")
            return self.actor(interaction)
        if await self.roles.record(guild_id, interaction.user.id) is None:
            log.info("a DM press names a guild the presser is not in; using the default community")
            return self.actor(interaction)
        return actor_from_interaction(interaction, self.of_guild(guild_id))

    def in_bot_guilds(self) -> list[str]:
        """Every community the bot is in now, the default one first."""
        found = [PLATFORM]
        for guild in self._client.guilds:
            community = self.of_guild(guild.id)
            if community not in found:
                found.append(community)
        return found
