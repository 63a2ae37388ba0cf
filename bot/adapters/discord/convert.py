"""Discord → core, as small pure functions: who is asking, and what they typed or chose.

Nothing here does I/O; the functions read discord.py objects and raw payloads only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import discord

from bot.core.actors import Actor
from bot.core.errors import UpstanderError

PLATFORM = "discord"


class MalformedPayload(UpstanderError, ValueError):
    """Discord sent something this adapter cannot read."""


__all__ = [
    "PLATFORM",
    "actor_from_interaction",
    "actor_from_message",
    "custom_id",
    "modal_values",
]


def actor_from_interaction(interaction: discord.Interaction[Any], community: str = "") -> Actor:
    """The person behind an interaction, with the role ids and permission Discord attests,
    acting in ``community`` (empty: the default one)."""
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
        community=community,
    )


def actor_from_message(message: discord.Message, community: str = "") -> Actor:
    """The author of a DM: no roles in the event, the Directory looks them up."""
    author = message.author
    return Actor(
        platform=PLATFORM,
        user_id=str(author.id),
        display_name=author.display_name,
        community=community,
    )


def custom_id(interaction: discord.Interaction[Any]) -> str:
    """The custom id of a component press or a modal submit ("" when there is none)."""
    data = interaction.data
    value = data.get("custom_id", "") if isinstance(data, Mapping) else ""
    return value if isinstance(value, str) else ""


# Discord allows 5 rows of 5 components in a modal; far more than that is not a form.
MAX_COMPONENTS = 1000


def modal_values(data: Mapping[str, Any] | None) -> dict[str, str]:
    """A MODAL_SUBMIT's inputs by custom id: text as typed, a select's single choice.

    Inputs without a string custom id are skipped; a value that is not a string (or a
    select with no string choice) reads as "".  ``data`` that is not an object raises
    :class:`MalformedPayload`.
    """
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise MalformedPayload("the modal submit's data is not an object")
    values: dict[str, str] = {}
    for component in _walk(data.get("components")):
        cid = component.get("custom_id")
        if not isinstance(cid, str):
            continue
        if "value" in component:
            value = component.get("value")
            values[cid] = value if isinstance(value, str) else ""
        elif "values" in component:
            chosen = component.get("values")
            first = chosen[0] if isinstance(chosen, list) and chosen else None
            values[cid] = first if isinstance(first, str) else ""
    return values


def _walk(components: object) -> Iterator[Mapping[str, Any]]:
    """Every component in the tree, depth first, without recursion and at most
    ``MAX_COMPONENTS`` of them (a payload is never trusted to be small or shallow)."""
    stack: list[object] = [components]
    seen = 0
    while stack and seen < MAX_COMPONENTS:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
            continue
        if not isinstance(node, Mapping):
            continue
        seen += 1
        yield node
        # Children after the node itself: a label's ``component``, a row's ``components``.
        children: list[object] = []
        inner = node.get("component")
        if isinstance(inner, Mapping):
            children.append(inner)
        nested = node.get("components")
        if isinstance(nested, list):
            children.append(nested)
        stack.extend(reversed(children))
