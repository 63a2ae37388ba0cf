"""Discord → core, as small pure functions: who is asking, and what they typed or chose.

Nothing here does I/O; the functions read discord.py objects and raw payloads only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import discord

from bot.core.actors import Actor

PLATFORM = "discord"

__all__ = [
    "PLATFORM",
    "actor_from_interaction",
    "actor_from_message",
    "custom_id",
    "modal_values",
]


def actor_from_interaction(interaction: discord.Interaction[Any]) -> Actor:
    """The person behind an interaction, with the role ids and permission Discord attests."""
    user = interaction.user
    roles: frozenset[str] = frozenset()
    is_admin = False
    if isinstance(user, discord.Member):
        # _roles: the ids as sent (Member.roles would need the guild's roles cached).
        roles = frozenset(str(role_id) for role_id in user._roles)
        # The member's permissions in this channel, as sent in the interaction payload.
        is_admin = interaction.permissions.manage_guild
    return Actor(
        platform=PLATFORM,
        user_id=str(user.id),
        display_name=user.display_name,
        locale=str(interaction.locale),
        roles=roles,
        is_admin=is_admin,
    )


def actor_from_message(message: discord.Message) -> Actor:
    """The author of a DM: no roles in the event, the Directory looks them up."""
    author = message.author
    return Actor(platform=PLATFORM, user_id=str(author.id), display_name=author.display_name)


def custom_id(interaction: discord.Interaction[Any]) -> str:
    """The custom id of a component press or a modal submit ("" when there is none)."""
    data: Mapping[str, Any] = interaction.data or {}
    value = data.get("custom_id", "")
    return value if isinstance(value, str) else ""


def modal_values(data: Mapping[str, Any] | None) -> dict[str, str]:
    """A MODAL_SUBMIT's inputs by custom id: text as typed, a select's single choice."""
    values: dict[str, str] = {}
    for component in _walk((data or {}).get("components") or []):
        cid = component.get("custom_id")
        if not isinstance(cid, str):
            continue
        if "value" in component:
            value = component.get("value")
            values[cid] = "" if value is None else str(value)
        elif "values" in component:
            chosen = component.get("values") or []
            values[cid] = str(chosen[0]) if chosen else ""
    return values


def _walk(components: Iterable[Any]) -> Iterable[Mapping[str, Any]]:
    for component in components:
        if not isinstance(component, Mapping):
            continue
        yield component
        nested = component.get("components")
        if isinstance(nested, list):
            yield from _walk(nested)
        inner = component.get("component")
        if isinstance(inner, Mapping):
            yield from _walk([inner])
