"""Run the Slack adapter: HTTP mode (Events API + interactivity on PORT) or Socket Mode.

HTTP mode serves ``POST /slack/events`` (slash commands, interactivity and events: set
all three Request URLs to it) and ``GET /health``; with installs by OAuth also
``GET /slack/install`` and ``GET /slack/oauth_redirect`` (``oauth``).  Socket Mode
(SLACK_APP_TOKEN set) opens a WebSocket to Slack instead and serves only ``/health``.

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

from bot.adapters.slack.app import bolt_logger, build_slack_app, make_client
from bot.adapters.slack.communities import default_workspace, name_communities
from bot.adapters.slack.convert import PLATFORM
from bot.adapters.slack.directory import SlackDirectory
from bot.adapters.slack.gate import MAX_BODY_BYTES, events_handler
from bot.adapters.slack.messenger import SlackMessenger, env_settings
from bot.adapters.slack.names import display_names
from bot.adapters.slack.oauth import (
    Installs,
    OnRemoved,
    add_oauth_routes,
    oauth_settings,
    register_removals,
)
from bot.adapters.slack.settings import (
    EVENTS_PATH,
    HEALTH_PATH,
    SlackSettings,
    SlackSettingsError,
)
from bot.adapters.slack.setup import SlackWorkspace
from bot.adapters.slack.work import DRAIN_SECONDS, Work
from bot.adapters.slack.workspaces import (
    WorkspaceChecks,
    WorkspaceDirectory,
    WorkspaceMessenger,
    Workspaces,
)
from bot.core.app import Upstander
from bot.core.commands import Spelling
from bot.health import health_handler
from bot.lifecycle import Lifecycle
from bot.storage.engine import Database
from bot.storage.installations import SqlInstallations, SqlOAuthStates

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
    installs: Installs | None = None,
    default_team: str | None = None,
    purge: OnRemoved | None = None,
) -> SlackAdapter:
    """Register Slack's Directory and Messenger on the lifecycle and build the bolt app.

    Everything talks through one HTTP session (``work.session``, a new one unless
    ``work`` is given); a ``client`` passed in is used as it is.  ``start_http(adapter)``
    closes the adapter with the server; otherwise call ``adapter.close()``.

    One bot token (``settings.bot_token``): ``default_team`` is its workspace (its
    community is ``"slack"``; None: every request is that one community). Installs by
    OAuth (``settings.oauth``): ``installs`` keeps them, and each community is served
    with its own token. When a workspace uninstalls the app or revokes its bot token,
    ``removal`` runs: its installation is deleted, then ``purge(community)``.
    """
    work = work if work is not None else Work()
    if client is None:
        client = make_client(settings, session=work.session)
    setup = core.services.setup
    ids = env_settings(settings)
    setup.book.set_default(
        PLATFORM, ids.volunteers_channel, ids.volunteer_role, ids.lead_role, ids.moderator_role
    )
    # Copy names commands as this workspace types them: `/upstander practice`.
    core.spell_commands(PLATFORM, Spelling(prefix=settings.command))
    if settings.oauth:
        app = _attach_installed(core, lifecycle, settings, client, work, installs, purge)
    else:
        app = _attach_one(core, lifecycle, settings, client, work, default_team, purge)
    return SlackAdapter(app, client, work, lifecycle)


def _attach_one(
    core: Upstander,
    lifecycle: Lifecycle,
    settings: SlackSettings,
    client: AsyncWebClient,
    work: Work,
    default_team: str | None,
    purge: OnRemoved | None,
) -> AsyncApp:
    """One workspace, one bot token (on ``client``)."""
    book = core.services.setup.book
    core.services.setup.add_check(PLATFORM, SlackWorkspace(client))
    directory = SlackDirectory(client, settings, book=book)
    lifecycle.register_platform(PLATFORM, directory, SlackMessenger(client, settings, book))
    app = build_slack_app(core, lifecycle, settings, client, work)
    app.use(name_communities(default_team))
    app.use(display_names(lambda user_id, _community: directory.display_name(user_id)))
    register_removals(app, work, None, removal(None, None, purge))
    return app


def _attach_installed(
    core: Upstander,
    lifecycle: Lifecycle,
    settings: SlackSettings,
    client: AsyncWebClient,
    work: Work,
    installs: Installs | None,
    purge: OnRemoved | None,
) -> AsyncApp:
    """Any number of workspaces, installed by OAuth; ``client`` carries no token."""
    if installs is None:
        raise SlackSettingsError("installs by OAuth keep their tokens in the bot's database")
    workspaces = Workspaces(
        installs.installations,
        settings,
        lambda token: make_client(settings, token, session=work.session),
        book=core.services.setup.book,
    )
    core.services.setup.add_check(PLATFORM, WorkspaceChecks(workspaces))
    directory = WorkspaceDirectory(workspaces)
    lifecycle.register_platform(PLATFORM, directory, WorkspaceMessenger(workspaces))
    oauth = oauth_settings(settings, installs, bolt_logger())
    app = build_slack_app(core, lifecycle, settings, client, work, oauth=oauth)
    # No workspace is the environment's: every one is "slack:<team or enterprise>".
    app.use(name_communities(""))
    app.use(display_names(directory.display_name))
    removed = removal(installs.installations, workspaces, purge)
    register_removals(app, work, installs.installations, removed)
    return app


def removal(
    installations: SqlInstallations | None,
    workspaces: Workspaces | None,
    purge: OnRemoved | None = None,
) -> OnRemoved:
    """What a workspace uninstalling the app (or revoking its bot token) sets off, as
    ``on_removed(community)``: its installation and tokens are deleted from the database
    (installs by OAuth; one bot token has none there), this process forgets the client it
    kept for it (other processes within ``TOKEN_SECONDS``), then ``purge(community)``.

    ``purge`` is the community purge (``purge_community`` in bot/core/communities.py,
    which deletes every row of the community and writes its audit line): the lead passes
    it to ``serve_slack`` from ``bot.__main__`` at merge; without it, only the
    installation goes.
    """

    async def removed(community: str) -> None:
        if installations is not None and workspaces is not None:
            gone = await installations.delete_community(community)
            workspaces.forget(community)
            log.info("Slack installation of community %s deleted (%d row(s))", community, gone)
        else:
            log.warning("the Slack app was removed from community %s (SLACK_BOT_TOKEN)", community)
        if purge is not None:
            await purge(community)

    return removed


def installs_in(settings: SlackSettings, database: Database | None) -> Installs | None:
    """Where installs by OAuth are kept: the bot's database (None with one bot token)."""
    if not settings.oauth:
        return None
    if database is None:
        raise SlackSettingsError("installs by OAuth keep their tokens in the bot's database")
    return Installs(SqlInstallations(database), SqlOAuthStates(database))


async def serve_slack(
    core: Upstander,
    lifecycle: Lifecycle,
    settings: SlackSettings,
    stop: asyncio.Event,
    *,
    work: Work | None = None,
    database: Database | None = None,
    purge: OnRemoved | None = None,
) -> None:
    """Serve until ``stop`` is set, then finish what is in flight (see the module doc).

    ``work``: the adapter's tracked work and HTTP session (a new one unless given);
    ``database``: where installs by OAuth are kept (needed in that mode); ``purge``: what
    a workspace's removal purges (see ``removal``)."""
    adapter = await _adapter(core, lifecycle, settings, work, database, purge)
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


async def _adapter(
    core: Upstander,
    lifecycle: Lifecycle,
    settings: SlackSettings,
    work: Work | None,
    database: Database | None,
    purge: OnRemoved | None,
) -> SlackAdapter:
    installs = installs_in(settings, database)
    work = work if work is not None else Work()
    client = make_client(settings, session=work.session)
    # One bot token: its workspace is the default community ("slack"), as it always was.
    default_team = None if settings.oauth else await default_workspace(client)
    return attach_slack(
        core,
        lifecycle,
        settings,
        client,
        work=work,
        installs=installs,
        default_team=default_team,
        purge=purge,
    )


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
        add_oauth_routes(web_app, app)
    web_app.router.add_get(HEALTH_PATH, health_handler(lifecycle))
    return web_app
