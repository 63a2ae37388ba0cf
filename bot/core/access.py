"""Permissions, decided in the core from what the platform's Directory says."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.actors import Actor, Role
from bot.core.errors import PermissionDenied
from bot.core.ports import Directory


class Access:
    def __init__(self, directories: Mapping[str, Directory]) -> None:
        self._directories = directories

    async def roles(self, actor: Actor) -> frozenset[Role]:
        directory = self._directories.get(actor.platform)
        if directory is None:
            return frozenset()
        return await directory.roles(actor)

    async def require(self, actor: Actor, *allowed: Role) -> frozenset[Role]:
        roles = await self.roles(actor)
        if not roles.intersection(allowed):
            raise PermissionDenied(_denial_key(allowed))
        return roles

    async def has(self, actor: Actor, role: Role) -> bool:
        return role in await self.roles(actor)

    async def has_any(self, actor: Actor, *roles: Role) -> bool:
        return bool((await self.roles(actor)).intersection(roles))


def _denial_key(allowed: tuple[Role, ...]) -> str:
    if Role.MODERATOR in allowed:
        return "error.moderators_only"
    if Role.VOLUNTEER not in allowed:
        return "error.leads_only"
    return "error.volunteers_only"


class StaticDirectory:
    """Roles given by configuration: the console and tests use it."""

    def __init__(self, roles_by_user: Mapping[str, frozenset[Role]] | None = None) -> None:
        self._roles: dict[str, frozenset[Role]] = dict(roles_by_user or {})

    def grant(self, user_id: str, roles: frozenset[Role]) -> None:
        self._roles[user_id] = roles

    async def roles(self, actor: Actor) -> frozenset[Role]:
        return self._roles.get(actor.user_id, frozenset())
