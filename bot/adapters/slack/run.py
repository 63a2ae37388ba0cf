"""Run the Slack adapter: HTTP mode (Events API + interactivity on PORT) or Socket Mode.

HTTP mode serves ``POST /slack/events`` (slash commands, interactivity and events: set
all three Request URLs to it) and ``GET /health``.  Socket Mode (SLACK_APP_TOKEN set)
opens a WebSocket to Slack instead and serves only ``/health`` on PORT.

Stopping: the server stops accepting requests and finishes the ones in flight, then the
work that listeners handed over after their acks is finished (at most ``DRAIN_SECONDS``,
then cancelled) and the shared HTTP session is closed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Protocol, cast

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.app import build_slack_app, make_client
from bot.adapters.slack.convert import PLATFORM
from bot.adapters.slack.directory import SlackDirectory
from bot.adapters.slack.gate import MAX_BODY_BYTES, events_handler
from bot.adapters.slack.messenger import SlackMessenger, env_settings
from bot.adapters.slack.names import display_names
from bot.adapters.slack.settings import EVENTS_PATH, HEALTH_PATH, SlackSettings
from bot.adapters.slack.setup import SlackWorkspace
from bot.adapters.slack.work import DRAIN_SECONDS, Work
from bot.core.app import Upstander
from bot.core.commands import Spelling
from bot.health import health_handler
from bot.lifecycle import Lifecycle

log = logging.getLogger(__name__)


class _SocketMode(Protocol):
    async def connect_async(self) -> None: ...

    async def close_async(self) -> None: ...


@dataclass
class SlackAdapter:
    """The bolt app, its Web API client and the work it hands over after acks."""

    app: AsyncApp
    client: AsyncWebClient
    work: Work
    lifecycle: Lifecycle

    async def close(self, timeout: float = DRAIN_SECONDS) -> bool:  # noqa: ASYNC109
        """Finish the work in flight (cancelled after ``timeout``), deliver what it queued
        in the outbox while the session is still open, then close the session."""
        if self.work.closed:
            return True
        self.work.stopping.set()
        finished = await self.work.drain(timeout)
        # The outbox sends through this session: flush it first, or a card queued by the
        # last requests would wait for the next start.
        await self.lifecycle.flush_outbox()
        return await self.work.close(timeout) and finished


def attach_slack(
    core: Upstander,
    lifecycle: Lifecycle,
    settings: SlackSettings,
    client: AsyncWebClient | None = None,
    *,
    work: Work | None = None,
) -> SlackAdapter:
    """Register Slack's Directory and Messenger on the lifecycle and build the bolt app.

    Everything talks through one HTTP session (``work.session``, a new one unless
    ``work`` is given); a ``client`` passed in is used as it is.  ``start_http(adapter)``
    closes the adapter with the server; otherwise call ``adapter.close()``.
    """
    work = work if work is not None else Work()
    if client is None:
        client = make_client(settings, session=work.session)
    setup = core.services.setup
    ids = env_settings(settings)
    setup.book.set_default(
        PLATFORM, ids.volunteers_channel, ids.volunteer_role, ids.lead_role, ids.moderator_role
    )
    setup.add_check(PLATFORM, SlackWorkspace(client))
    directory = SlackDirectory(client, settings, book=setup.book)
    messenger = SlackMessenger(client, settings, setup.book)
    lifecycle.register_platform(PLATFORM, directory, messenger)
    # Copy names commands as this workspace types them: `/upstander practice`.
    core.spell_commands(PLATFORM, Spelling(prefix=settings.command))
    app = build_slack_app(core, lifecycle, settings, client, work)
    app.use(display_names(directory))
    return SlackAdapter(app, client, work, lifecycle)


async def serve_slack(
    core: Upstander,
    lifecycle: Lifecycle,
    settings: SlackSettings,
    stop: asyncio.Event,
    *,
    work: Work | None = None,
) -> None:
    """Serve until ``stop`` is set, then finish what is in flight (see the module doc).

    ``work``: the adapter's tracked work and HTTP session (a new one unless given)."""
    adapter = attach_slack(core, lifecycle, settings, work=work)
    try:
        if settings.socket_mode:
            await _serve_socket_mode(adapter.app, lifecycle, settings, stop)
        else:
            server = await start_http(
                adapter, lifecycle, settings, host="0.0.0.0", port=settings.port
            )
            log.info("Slack adapter listening on port %s (HTTP mode)", server.port)
            try:
                await stop.wait()
            finally:
                # Stops accepting, waits for the requests in flight, then the work.
                await server.close()
    finally:
        await adapter.close()  # at once if the server already closed it
        log.info("Slack adapter stopped")


async def _serve_socket_mode(
    app: AsyncApp, lifecycle: Lifecycle, settings: SlackSettings, stop: asyncio.Event
) -> None:
    # slack_bolt leaves these two methods unannotated; the Protocol states what we use.
    handler = cast(_SocketMode, AsyncSocketModeHandler(app, settings.app_token))
    health = await start_http(None, lifecycle, settings, host="0.0.0.0", port=settings.port)
    try:
        await handler.connect_async()
        log.info("Slack adapter connected (Socket Mode)")
        await stop.wait()
    finally:
        await handler.close_async()
        await health.close()


# -- HTTP ----------------------------------------------------------------------------


@dataclass
class HttpServer:
    runner: web.AppRunner
    host: str
    port: int
    adapter: SlackAdapter | None = None
    closed: bool = False

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def close(self) -> None:
        """Stop accepting, finish the requests in flight (at most ``DRAIN_SECONDS``),
        then the adapter's work after acks, and close its session.  Idempotent."""
        if self.closed:
            return
        self.closed = True
        await self.runner.cleanup()
        if self.adapter is not None and not await self.adapter.close():
            log.warning("Slack work still running after %ss was cancelled", DRAIN_SECONDS)


async def start_http(
    app: SlackAdapter | AsyncApp | None,
    lifecycle: Lifecycle,
    settings: SlackSettings,
    *,
    host: str,
    port: int,
) -> HttpServer:
    """Serve the app's endpoint and /health; port 0 lets the OS choose (tests).

    Given a ``SlackAdapter``, closing the server closes the adapter too."""
    adapter = app if isinstance(app, SlackAdapter) else None
    bolt = app.app if isinstance(app, SlackAdapter) else app
    runner = web.AppRunner(
        make_web_app(bolt, lifecycle, settings), access_log=None, shutdown_timeout=DRAIN_SECONDS
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_host, bound_port = runner.addresses[0][:2]
    return HttpServer(runner, str(bound_host), int(bound_port), adapter)


def make_web_app(
    app: AsyncApp | None, lifecycle: Lifecycle, settings: SlackSettings
) -> web.Application:
    # The cap also stops a chunked body, which has no length up front, at the door.
    web_app = web.Application(client_max_size=MAX_BODY_BYTES)
    if app is not None:
        web_app.router.add_post(EVENTS_PATH, events_handler(app, settings.signing_secret))
    web_app.router.add_get(HEALTH_PATH, health_handler(lifecycle))
    return web_app
