"""Many workspaces from one app (installs by OAuth): each community's own bot token.

A community's token is looked up in the installations (``Tokens``) and kept for
``TOKEN_SECONDS``; its Web API client, Directory and Messenger are built once per token
and shared by every request and delivery of that workspace. Uninstalling forgets them
at once in this process; other processes look again within ``TOKEN_SECONDS`` (and Slack
refuses a revoked token meanwhile: a permanent delivery error).

``WorkspaceMessenger`` and ``WorkspaceDirectory`` are what the core gets in this mode:
they route by ``Destination.community`` and ``Actor.community``. A community with no
installation gets nothing: no roles (access fails closed) and a permanent
``DeliveryError`` (the outbox gives up and audits it). The messenger's references name
their community (``"<community>|<channel>:<ts>"``), so that an edit or a deletion later
goes out with the same workspace's token.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.convert import PLATFORM
from bot.adapters.slack.directory import SlackDirectory
from bot.adapters.slack.messenger import SlackMessenger
from bot.adapters.slack.settings import SlackSettings
from bot.adapters.slack.setup import SlackWorkspace, written
from bot.core.actors import Actor, Role
from bot.core.errors import DeliveryError
from bot.core.messages import Outbound
from bot.core.settings import Finding, SettingsBook

log = logging.getLogger(__name__)

TOKEN_SECONDS = 60.0
REF_SEPARATOR = "|"


class Tokens(Protocol):
    async def bot_token(self, community: str) -> str | None:
        """The bot token ``community`` is served with; None when it has no installation."""
        ...

    async def installer(self, community: str) -> str | None:
        """Who installed the app in ``community`` (an admin there), if known."""
        ...


@dataclass(frozen=True, slots=True)
class Workspace:
    """One bot token's client, and the Directory and Messenger that talk through it."""

    token: str
    client: AsyncWebClient
    directory: SlackDirectory
    messenger: SlackMessenger


class Workspaces:
    def __init__(
        self,
        tokens: Tokens,
        settings: SlackSettings,
        make_client: Callable[[str], AsyncWebClient],
        *,
        ttl: float = TOKEN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        book: SettingsBook | None = None,
    ) -> None:
        self._book = book
        self._tokens = tokens
        self._settings = settings
        self._make_client = make_client
        self._ttl = ttl
        self._clock = clock
        self._token_of: dict[str, tuple[float, str | None]] = {}
        self._by_token: dict[str, Workspace] = {}

    async def get(self, community: str) -> Workspace | None:
        """``community``'s workspace, or None when it has no installation."""
        now = self._clock()
        known = self._token_of.get(community)
        if known is None or now - known[0] >= self._ttl:
            token = await self._tokens.bot_token(community)
            self._token_of[community] = (now, token)
            self._drop_unused()
        else:
            token = known[1]
        if not token:
            return None
        workspace = self._by_token.get(token)
        if workspace is None:
            client = self._make_client(token)
            workspace = Workspace(
                token,
                client,
                SlackDirectory(
                    client, self._settings, book=self._book, installer=self._tokens.installer
                ),
                SlackMessenger(client, self._settings, self._book),
            )
            self._by_token[token] = workspace
        return workspace

    def forget(self, community: str) -> None:
        """Drop what is kept for ``community`` (it was uninstalled)."""
        self._token_of.pop(community, None)
        self._drop_unused()

    def _drop_unused(self) -> None:
        used = {token for _, token in self._token_of.values()}
        for token in [t for t in self._by_token if t not in used]:
            del self._by_token[token]


def tag(community: str, ref: str) -> str:
    return f"{community}{REF_SEPARATOR}{ref}" if ref else ref


def untag(ref: str) -> tuple[str, str]:
    """(community, the platform's reference); an untagged one is the default community's."""
    community, separator, inner = ref.partition(REF_SEPARATOR)
    return (community, inner) if separator else (PLATFORM, ref)


class WorkspaceMessenger:
    """Sends with the token of the destination's community."""

    def __init__(self, workspaces: Workspaces) -> None:
        self._workspaces = workspaces

    async def send(self, outbound: Outbound) -> str:
        community = outbound.destination.community
        workspace = await self._workspace(community)
        if outbound.update_ref:
            outbound = replace(outbound, update_ref=untag(outbound.update_ref)[1])
        return tag(community, await workspace.messenger.send(outbound))

    async def delete(self, ref: str) -> None:
        community, inner = untag(ref)
        workspace = await self._workspace(community)
        await workspace.messenger.delete(inner)

    async def _workspace(self, community: str) -> Workspace:
        workspace = await self._workspaces.get(community)
        if workspace is None:
            raise DeliveryError(f"no Slack installation for {community}", permanent=True)
        return workspace


class WorkspaceDirectory:
    """Roles and names as the actor's own workspace answers them."""

    def __init__(self, workspaces: Workspaces) -> None:
        self._workspaces = workspaces

    async def roles(self, actor: Actor) -> frozenset[Role]:
        workspace = await self._workspaces.get(actor.community)
        return frozenset() if workspace is None else await workspace.directory.roles(actor)

    async def display_name(self, user_id: str, community: str) -> str:
        workspace = await self._workspaces.get(community)
        return "" if workspace is None else await workspace.directory.display_name(user_id)


class WorkspaceChecks:
    """`/upstander setup`'s checks (the WorkspaceCheck port) with each community's own
    token: a channel or a user group is looked up in the workspace that chose it."""

    def __init__(self, workspaces: Workspaces) -> None:
        self._workspaces = workspaces

    async def channel(self, community: str, channel_id: str) -> Finding:
        found = await self._workspaces.get(community)
        if found is None:
            return Finding.UNREACHABLE
        return await SlackWorkspace(found.client).channel(community, channel_id)

    async def role(self, community: str, role_id: str) -> Finding:
        found = await self._workspaces.get(community)
        if found is None:
            return Finding.UNREACHABLE
        return await SlackWorkspace(found.client).role(community, role_id)

    def mention(self, kind: str, value: str) -> str:
        return written(kind, value)
