"""The Discord adapter's settings, read from the environment (tokens live only there)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.errors import UpstanderError

__all__ = ["DiscordSettings", "DiscordSettingsError"]


class DiscordSettingsError(UpstanderError, ValueError):
    """A Discord setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True, slots=True)
class DiscordSettings:
    token: str
    application_id: int | None
    # DISCORD_GUILD_ID, optional: the server whose community is the default one
    # ("discord"); commands are also synced there. The bot serves every server it is in.
    guild_id: int | None
    # The default community's volunteers' channel; a deployment only for servers set up
    # with `/upstander setup` needs none.
    volunteer_channel_id: int | None
    volunteer_role_id: int | None
    lead_role_id: int | None
    moderator_role_id: int | None
    api_base: str | None = None
    gateway_url: str | None = None
    # DISCORD_SHARD_COUNT alone: every shard in this process (AutoShardedClient); with
    # DISCORD_SHARD_IDS: only those shards, so that shards run in separate processes.
    shard_count: int | None = None
    shard_ids: tuple[int, ...] = ()
    # DISCORD_SYNC_ON_START: register the commands at every start (development).
    sync_on_start: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DiscordSettings:
        token = env.get("DISCORD_TOKEN", "").strip()
        if not token:
            raise DiscordSettingsError("DISCORD_TOKEN is not set")
        channel = _snowflake(env, "DISCORD_VOLUNTEER_CHANNEL_ID")
        return cls(
            token=token,
            application_id=_snowflake(env, "DISCORD_APPLICATION_ID"),
            guild_id=_snowflake(env, "DISCORD_GUILD_ID"),
            volunteer_channel_id=channel,
            volunteer_role_id=_snowflake(env, "DISCORD_VOLUNTEER_ROLE_ID"),
            lead_role_id=_snowflake(env, "DISCORD_LEAD_ROLE_ID"),
            moderator_role_id=_snowflake(env, "DISCORD_MODERATOR_ROLE_ID"),
            api_base=env.get("DISCORD_API_BASE") or None,
            gateway_url=env.get("DISCORD_GATEWAY_URL") or None,
            sync_on_start=env.get("DISCORD_SYNC_ON_START", "") in ("1", "true", "yes"),
            **_shards(env),
        )

    @property
    def sharded(self) -> bool:
        """More than one shard in this process: discord.py's AutoShardedClient runs them."""
        return self.shard_count is not None and len(self.shard_ids) != 1

    def shard_options(self) -> dict[str, Any]:
        """The client's shard arguments: none, one shard, or a set of them."""
        if self.shard_count is None:
            return {}
        if len(self.shard_ids) == 1:
            return {"shard_id": self.shard_ids[0], "shard_count": self.shard_count}
        if self.shard_ids:
            return {"shard_ids": list(self.shard_ids), "shard_count": self.shard_count}
        return {"shard_count": self.shard_count}


def _shards(env: Mapping[str, str]) -> dict[str, Any]:
    raw_count = env.get("DISCORD_SHARD_COUNT", "").strip()
    raw_ids = env.get("DISCORD_SHARD_IDS", "").strip()
    if not raw_count:
        if raw_ids:
            raise DiscordSettingsError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT")
        return {}
    if not raw_count.isdigit() or int(raw_count) < 1:
        raise DiscordSettingsError(
            f"DISCORD_SHARD_COUNT must be a whole number of at least 1, not {raw_count!r}"
        )
    count = int(raw_count)
    parts = [p.strip() for p in raw_ids.split(",") if p.strip()]
    if not all(p.isdigit() and int(p) < count for p in parts):
        raise DiscordSettingsError(
            f"DISCORD_SHARD_IDS must be shard numbers from 0 to {count - 1}, comma-separated,"
            f" not {raw_ids!r}"
        )
    return {"shard_count": count, "shard_ids": tuple(sorted({int(p) for p in parts}))}


def _snowflake(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise DiscordSettingsError(f"{name} must be a numeric Discord id, not {raw!r}")
    return int(raw)
