"""Installs by OAuth: any number of workspaces served by one deployment (issue 20.3).

With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set and no SLACK_BOT_TOKEN, the app serves
bolt's OAuth flow: ``GET /slack/install`` sends the person to Slack's consent page with
a one-time state (``SqlOAuthStates``; the browser also gets it as a cookie), and Slack
sends them back to ``GET /slack/oauth_redirect`` with a code, which bolt exchanges
(``oauth.v2.access``) for the workspace's bot token and saves (``SqlInstallations``,
sealed). Every request is then authorized with its own workspace's token, looked up in
the installations (bolt's ``AsyncInstallationStoreAuthorize``, bot tokens only).

When a workspace uninstalls the app (``app_uninstalled``) or revokes its bot token
(``tokens_revoked``), ``on_removed(community)`` runs after the ack: the run code builds
it (``run.removal``). A ``tokens_revoked`` for people's own tokens only deletes their
installations and leaves the workspace served.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.adapters.slack.communities import community
from bot.adapters.slack.settings import BOT_SCOPES, INSTALL_PATH, REDIRECT_PATH, SlackSettings
from bot.adapters.slack.work import Work
from bot.storage.installations import SqlInstallations, SqlOAuthStates

log = logging.getLogger(__name__)

OnRemoved = Callable[[str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Installs:
    """Where installations and OAuth states are kept (the bot's database)."""

    installations: SqlInstallations
    states: SqlOAuthStates


def oauth_settings(
    settings: SlackSettings, installs: Installs, logger: logging.Logger
) -> AsyncOAuthSettings:
    return AsyncOAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        redirect_uri=settings.redirect_uri or None,
        install_path=INSTALL_PATH,
        # "Add to Slack" goes straight to Slack's consent page, no page of ours between.
        install_page_rendering_enabled=False,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=installs.installations,
        # No user scopes are asked for: a request needs its workspace's bot token alone.
        installation_store_bot_only=True,
        state_store=installs.states,
        logger=logger,
    )


def register_removals(
    app: AsyncApp, work: Work, installations: SqlInstallations | None, on_removed: OnRemoved
) -> None:
    """``app_uninstalled`` and ``tokens_revoked``: acknowledged at once, handled after.
    ``installations``: None with one bot token (no person's token is kept then)."""

    @app.event("app_uninstalled")
    async def on_uninstalled(context: AsyncBoltContext) -> None:
        work.spawn(_removed(on_removed, community(context), "uninstalled"), "uninstall")

    @app.event("tokens_revoked")
    async def on_tokens_revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
        found = event.get("tokens")
        tokens: dict[str, Any] = found if isinstance(found, dict) else {}
        if tokens.get("bot"):
            work.spawn(_removed(on_removed, community(context), "bot token revoked"), "revoke")
            return
        people = [str(u) for u in tokens.get("oauth") or () if isinstance(u, str)]
        if people and installations is not None:
            work.spawn(_forget_people(installations, context, people), "user tokens revoked")


async def _removed(on_removed: OnRemoved, removed: str, why: str) -> None:
    log.info("Slack workspace of community %s is gone (%s)", removed, why)
    await on_removed(removed)


async def _forget_people(
    installations: SqlInstallations, context: AsyncBoltContext, people: list[str]
) -> None:
    for user_id in people:
        await installations.async_delete_installation(
            enterprise_id=context.enterprise_id, team_id=context.team_id, user_id=user_id
        )
    log.info("%d person's token(s) revoked in community %s", len(people), community(context))


def add_oauth_routes(web_app: web.Application, app: AsyncApp) -> None:
    """``GET /slack/install`` and ``GET /slack/oauth_redirect``, when the app has the flow."""
    flow = app.oauth_flow
    if flow is None:
        return
    web_app.router.add_get(flow.install_path, _handler(flow, callback=False))
    web_app.router.add_get(flow.redirect_uri_path, _handler(flow, callback=True))


def _handler(
    flow: AsyncOAuthFlow, *, callback: bool
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        headers: dict[str, Any] = dict(request.headers)
        bolt_request = AsyncBoltRequest(body="", query=request.query_string, headers=headers)
        if callback:
            answer = await flow.handle_callback(bolt_request)
            log.info("Slack install finished: HTTP %d", answer.status)
        else:
            answer = await flow.handle_installation(bolt_request)
        return await to_aiohttp_response(answer)

    return handle
