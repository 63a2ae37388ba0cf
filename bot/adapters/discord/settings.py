"""The Discord adapter's settings, read from the environment (tokens live only there)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.errors import UpstanderError

__all__ = ["DiscordSettings", "DiscordSettingsError"]


class DiscordSettingsError(UpstanderError, ValueError):
    """A Discord setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True, slots=True)
class DiscordSettings:
    token: str
    application_id: int | None
    guild_id: int | None
    volunteer_channel_id: int
    volunteer_role_id: int | None
    lead_role_id: int | None
    moderator_role_id: int | None
    api_base: str | None = None
    gateway_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DiscordSettings:
        token = env.get("DISCORD_TOKEN", "").strip()
        if not token:
            raise DiscordSettingsError("DISCORD_TOKEN is not set")
        channel = _snowflake(env, "DISCORD_VOLUNTEER_CHANNEL_ID")
        if channel is None:
            raise DiscordSettingsError("DISCORD_VOLUNTEER_CHANNEL_ID is not set")
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
        )


def _snowflake(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise DiscordSettingsError(f"{name} must be a numeric Discord id, not {raw!r}")
    return int(raw)
