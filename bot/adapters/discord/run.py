"""Serve Upstander on Discord until ``stop`` is set."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from bot.adapters.discord.client import UpstanderClient, client_for
from bot.adapters.discord.convert import PLATFORM
from bot.adapters.discord.endpoints import configure_endpoints, restore_endpoints
from bot.adapters.discord.guilds import Joined, Removed
from bot.adapters.discord.settings import DiscordSettings
from bot.core.app import Upstander
from bot.core.ports import ContentSource
from bot.lifecycle import Lifecycle

__all__ = ["serve_discord"]

log = logging.getLogger(__name__)

# How long a stop waits for interactions already being answered before closing the client.
DRAIN_SECONDS = 10.0


async def serve_discord(
    core: Upstander,
    content: ContentSource,
    lifecycle: Lifecycle,
    settings: DiscordSettings,
    stop: asyncio.Event,
    *,
    ready: asyncio.Event | None = None,
    client_options: dict[str, Any] | None = None,
    drain_seconds: float = DRAIN_SECONDS,
    on_joined: Joined | None = None,
    on_removed: Removed | None = None,
) -> None:
    """Register the platform, connect, and close cleanly once ``stop`` is set.

    ``content`` gives the commands their wording in each language. ``ready`` is set when
    the client is connected with its guilds loaded; ``client_options`` go to the client
    (tests shorten ``guild_ready_timeout`` and ``ack_after``, the time the core gets
    before an interaction is deferred). On ``stop``, interactions already being answered
    get up to ``drain_seconds`` to finish before the client closes (discord.py's close
    does not wait for them, and closes the HTTP session their answers need). A login
    failure (a wrong token) is raised.

    ``on_joined(community, name)`` is awaited for every server the bot is in (at start,
    and when it joins one: a rejoin within the grace period restores the community);
    ``on_removed(community)`` when it is removed from one (its data is purged after
    UPSTANDER_REMOVED_COMMUNITY_GRACE_DAYS). The deployment's community registry
    implements both; a failure in either is logged, never fatal.
    """
    previous = configure_endpoints(settings.api_base, settings.gateway_url)
    options = {**(client_options or {}), "on_joined": on_joined, "on_removed": on_removed}
    client = client_for(core, content, settings, **options)
    lifecycle.register_platform(PLATFORM, client.directory, client.messenger)
    try:
        await _connected_until(stop, client, lifecycle, ready=ready, drain_seconds=drain_seconds)
    finally:
        restore_endpoints(previous)
        log.info("disconnected from Discord")


async def _connected_until(
    stop: asyncio.Event,
    client: UpstanderClient,
    lifecycle: Lifecycle,
    *,
    ready: asyncio.Event | None,
    drain_seconds: float,
) -> None:
    """Run the client until ``stop`` (or its failure); then drain, flush, close."""
    running = asyncio.create_task(client.start(client.settings.token), name="discord-client")
    stopping = asyncio.create_task(stop.wait(), name="discord-stop")
    watchers: set[asyncio.Task[Any]] = {stopping}
    if ready is not None:
        watchers.add(asyncio.create_task(_relay_ready(client, ready)))
    try:
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stopping.done() and not running.done():
            await _finish_answers(client, drain_seconds)
            # The outbox sends through this client: flush it before closing, or cards
            # queued by the last interactions would wait for the next start.
            await lifecycle.flush_outbox()
    finally:
        await client.close()
        for task in watchers:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(asyncio.CancelledError):
            await running  # raises a login or connection failure


async def _finish_answers(client: UpstanderClient, seconds: float) -> None:
    if client.router.in_flight:
        log.info("finishing %d interaction(s) in flight", client.router.in_flight)
    unfinished = await client.router.drain(seconds)
    if unfinished:
        log.warning(
            "%d interaction(s) were not answered within %.0f s of the stop", unfinished, seconds
        )


async def _relay_ready(client: UpstanderClient, ready: asyncio.Event) -> None:
    await client.ready.wait()
    ready.set()
