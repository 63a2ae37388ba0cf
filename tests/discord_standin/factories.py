"""Small dataclass factories for the people and places of the stand-in's world.

Payload shapes follow Discord's API documentation (user, guild member, role, channel,
guild objects) closely enough for discord.py 2.7 to parse them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000

_counter = itertools.count()
_counter_lock = threading.Lock()


def next_snowflake() -> int:
    """A fresh, increasing Discord-style snowflake stamped with the current wall clock."""
    with _counter_lock:
        increment = next(_counter) & 0xFFF
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    # Keep ids increasing even when many are made in the same millisecond.
    return (ms << 22) | (1 << 17) | increment


def iso_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


# Permission bits (https://discord.com/developers/docs/topics/permissions).
class Perm:
    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    SEND_MESSAGES_IN_THREADS = 1 << 38
    MODERATE_MEMBERS = 1 << 40

    ALL = (1 << 51) - 1
    MEMBER_DEFAULT = (
        VIEW_CHANNEL
        | SEND_MESSAGES
        | ADD_REACTIONS
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | SEND_MESSAGES_IN_THREADS
    )
    BOT_DEFAULT = MEMBER_DEFAULT | CREATE_PRIVATE_THREADS | MANAGE_THREADS | MANAGE_MESSAGES


@dataclass
class FakeUser:
    """A Discord user. ``accepts_dms=False`` makes DMs to them fail with 50007."""

    username: str = "member"
    id: int = field(default_factory=next_snowflake)
    global_name: str | None = None
    bot: bool = False
    accepts_dms: bool = True
    discriminator: str = "0"

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": self.discriminator,
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
        }
        if self.bot:
            payload["bot"] = True
        return payload


@dataclass
class FakeRole:
    name: str
    id: int = field(default_factory=next_snowflake)
    permissions: int = 0
    position: int = 1
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False

    def to_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {
                "primary_color": self.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }


@dataclass
class FakeMember:
    """A user's membership in the guild. ``permissions`` overrides the role-derived value."""

    user: FakeUser
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    permissions: int | None = None
    joined_at: str = field(default_factory=iso_now)

    @property
    def id(self) -> int:
        return self.user.id

    def to_payload(
        self, *, with_user: bool = True, permissions: int | None = None
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "roles": [str(r) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            payload["user"] = self.user.to_payload()
        if permissions is not None:
            payload["permissions"] = str(permissions)
        return payload


# Channel types.
GUILD_TEXT = 0
DM = 1
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12


@dataclass
class FakeChannel:
    name: str | None
    type: int = GUILD_TEXT
    id: int = field(default_factory=next_snowflake)
    guild_id: int | None = None
    parent_id: int | None = None
    position: int = 0
    topic: str | None = None
    # Guild text channels: Discord permission overwrites, as payload dicts.
    permission_overwrites: list[dict[str, Any]] = field(default_factory=list)
    # DMs: the other person.
    recipient: FakeUser | None = None
    # Threads.
    owner_id: int | None = None
    invitable: bool = True
    auto_archive_duration: int = 1440
    member_ids: set[int] = field(default_factory=set)
    created_at: str = field(default_factory=iso_now)

    @property
    def is_thread(self) -> bool:
        return self.type in (PUBLIC_THREAD, PRIVATE_THREAD)

    def to_payload(self) -> dict[str, Any]:
        if self.type == DM:
            return {
                "id": str(self.id),
                "type": DM,
                "last_message_id": None,
                "recipients": [self.recipient.to_payload()] if self.recipient else [],
                "flags": 0,
            }
        payload: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "guild_id": str(self.guild_id) if self.guild_id is not None else None,
            "position": self.position,
            "permission_overwrites": list(self.permission_overwrites),
            "nsfw": False,
            "parent_id": str(self.parent_id) if self.parent_id is not None else None,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }
        if self.type == GUILD_TEXT:
            payload["topic"] = self.topic
            payload["default_auto_archive_duration"] = 1440
        if self.is_thread:
            payload.update(
                {
                    "owner_id": str(self.owner_id) if self.owner_id is not None else None,
                    "message_count": 0,
                    "member_count": len(self.member_ids),
                    "total_message_sent": 0,
                    "thread_metadata": {
                        "archived": False,
                        "auto_archive_duration": self.auto_archive_duration,
                        "archive_timestamp": self.created_at,
                        "locked": False,
                        "invitable": self.invitable,
                        "create_timestamp": self.created_at,
                    },
                }
            )
            payload.pop("permission_overwrites")
            payload.pop("position")
        return payload


@dataclass
class FakeGuild:
    """A guild with roles, channels and members. The @everyone role's id is the guild id."""

    name: str = "Upstander Test Guild"
    id: int = field(default_factory=next_snowflake)
    owner_id: int = 0
    roles: list[FakeRole] = field(default_factory=list)
    channels: list[FakeChannel] = field(default_factory=list)
    members: dict[int, FakeMember] = field(default_factory=dict)
    preferred_locale: str = "en-US"

    def __post_init__(self) -> None:
        if not any(r.id == self.id for r in self.roles):
            everyone = FakeRole(
                name="@everyone", id=self.id, permissions=Perm.MEMBER_DEFAULT, position=0
            )
            self.roles.insert(0, everyone)

    # -- lookups ----------------------------------------------------------------------

    def role(self, name: str) -> FakeRole:
        for role in self.roles:
            if role.name == name:
                return role
        raise KeyError(f"no role named {name!r}")

    def channel(self, name: str) -> FakeChannel:
        for channel in self.channels:
            if channel.name == name:
                return channel
        raise KeyError(f"no channel named {name!r}")

    def add_role(self, name: str, permissions: int = 0) -> FakeRole:
        role = FakeRole(name=name, permissions=permissions, position=len(self.roles))
        self.roles.append(role)
        return role

    def add_channel(self, name: str, **kwargs: Any) -> FakeChannel:
        channel = FakeChannel(name=name, guild_id=self.id, position=len(self.channels), **kwargs)
        self.channels.append(channel)
        return channel

    def add_member(
        self,
        user: FakeUser,
        roles: list[str | int | FakeRole] | None = None,
        *,
        nick: str | None = None,
        permissions: int | None = None,
    ) -> FakeMember:
        role_ids: list[int] = []
        for r in roles or []:
            if isinstance(r, FakeRole):
                role_ids.append(r.id)
            elif isinstance(r, int):
                role_ids.append(r)
            else:
                role_ids.append(self.role(r).id)
        member = FakeMember(user=user, roles=role_ids, nick=nick, permissions=permissions)
        self.members[user.id] = member
        return member

    def member_permissions(self, member: FakeMember) -> int:
        """Guild-level permissions: explicit override, else @everyone | member roles."""
        if member.permissions is not None:
            return member.permissions
        if member.id == self.owner_id:
            return Perm.ALL
        perms = self.role("@everyone").permissions if self.roles else 0
        by_id = {r.id: r for r in self.roles}
        for rid in member.roles:
            role = by_id.get(rid)
            if role is not None:
                perms |= role.permissions
        if perms & Perm.ADMINISTRATOR:
            return Perm.ALL
        return perms

    def channel_permissions(self, member: FakeMember, channel: FakeChannel) -> int:
        """Permissions in ``channel``: guild permissions with Discord's overwrite order
        (@everyone, then roles together, then the member). Threads use their parent's;
        a private thread also needs membership or Manage Threads to be seen."""
        perms = self.member_permissions(member)
        if perms & Perm.ADMINISTRATOR or member.id == self.owner_id:
            return Perm.ALL
        target = channel
        if channel.is_thread and channel.parent_id is not None:
            parent = next((c for c in self.channels if c.id == channel.parent_id), None)
            if parent is not None:
                target = parent
        overwrites = {int(o["id"]): o for o in target.permission_overwrites}
        everyone = overwrites.get(self.id)
        if everyone is not None:
            perms = (perms & ~int(everyone["deny"])) | int(everyone["allow"])
        allow = deny = 0
        for rid in member.roles:
            o = overwrites.get(rid)
            if o is not None and o.get("type", 0) == 0:
                allow |= int(o["allow"])
                deny |= int(o["deny"])
        perms = (perms & ~deny) | allow
        own = overwrites.get(member.id)
        if own is not None and own.get("type", 1) == 1:
            perms = (perms & ~int(own["deny"])) | int(own["allow"])
        if not perms & Perm.VIEW_CHANNEL:
            return 0
        if (
            channel.type == PRIVATE_THREAD
            and member.id not in channel.member_ids
            and not perms & Perm.MANAGE_THREADS
        ):
            return 0
        return perms

    def to_payload(self) -> dict[str, Any]:
        guild_channels = [c for c in self.channels if not c.is_thread]
        threads = [c for c in self.channels if c.is_thread]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.to_payload() for r in self.roles],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.preferred_locale,
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "max_members": 500000,
            "max_video_channel_users": 25,
            # GUILD_CREATE-only fields.
            "joined_at": iso_now(),
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "voice_states": [],
            "members": [m.to_payload() for m in self.members.values()],
            "channels": [c.to_payload() for c in guild_channels],
            "threads": [c.to_payload() for c in threads],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


def make_user(username: str = "member", **kwargs: Any) -> FakeUser:
    return FakeUser(username=username, **kwargs)
