"""The slack-bolt app: one command, buttons, modals, DMs and the Home tab.

Listeners only acknowledge, convert (``convert``), call the core (``Upstander``) and
render (``render``); every decision is the core's.  The app runs with
``process_before_response=True``: each listener acks and hands the rest to ``Work``, so
the HTTP response leaves as soon as the listener returns (bolt's default runner would
poll for the ack every 10 ms instead).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.commands import register_commands
from bot.adapters.slack.content import register_content
from bot.adapters.slack.events import register_events
from bot.adapters.slack.interactions import register_interactions
from bot.adapters.slack.locales import SlackLocales
from bot.adapters.slack.settings import SlackSettings
from bot.adapters.slack.setup import register_setup
from bot.adapters.slack.work import Work
from bot.core.app import Upstander
from bot.lifecycle import Lifecycle
from bot.logs import BOLT_LOGGER

log = logging.getLogger(__name__)

RETRIES = 2


def make_client(
    settings: SlackSettings,
    token: str | None = None,
    *,
    session: aiohttp.ClientSession | None = None,
) -> AsyncWebClient:
    """The Web API client, retrying 429s (after Retry-After) and 5xx answers twice.

    Pass the adapter's shared ``session`` (``Work.session``); without one, slack_sdk
    opens a new session for every call."""
    return AsyncWebClient(
        base_url=settings.api_base,
        # No token at all (not ""): with installs by OAuth, bolt gives each request its own.
        token=(settings.bot_token if token is None else token) or None,
        session=session,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=RETRIES),
            AsyncServerErrorRetryHandler(max_retry_count=RETRIES),
        ],
    )


def bolt_logger() -> logging.Logger:
    """The logger bolt writes its own lines to, with a level of its own.

    bolt decides whether to build its debug lines by comparing ``logger.level`` (not the
    effective level) with DEBUG: a logger left at NOTSET had them built, and then
    dropped, for every middleware and listener of every request. Like the other
    libraries' chatter (``bot.logs``), bolt's own lines are kept at WARNING and above;
    a level an operator set on this logger is left as it is.
    """
    logger = logging.getLogger(BOLT_LOGGER)
    if logger.level == logging.NOTSET:
        logger.setLevel(max(logging.WARNING, logger.getEffectiveLevel()))
    return logger


def build_slack_app(
    core: Upstander,
    lifecycle: Lifecycle,
    settings: SlackSettings,
    client: AsyncWebClient,
    work: Work,
    *,
    authorize: Callable[..., Awaitable[AuthorizeResult]] | None = None,
    oauth: AsyncOAuthSettings | None = None,
) -> AsyncApp:
    """Build the app for one workspace (the bot token is on ``client``), or, given
    ``oauth`` (``bot.adapters.slack.oauth``) and a ``client`` without a token, for every
    workspace that installs it: listeners use the per-request ``client`` bolt injects,
    which carries the request's own workspace's token.
    """
    app = AsyncApp(
        client=client,
        # Signature verification stays on: every HTTP request is checked (v0 HMAC, 5 min).
        signing_secret=settings.signing_secret,
        authorize=authorize,
        oauth_settings=oauth,
        logger=bolt_logger(),
        # Listeners ack, spawn their work on ``work`` and return: answer at once.
        process_before_response=True,
    )
    # bolt tries listeners in the order they were registered, and each one it tries
    # costs a matcher call with its arguments built: button presses, the busiest
    # requests by far, meet their listener first.
    locales = SlackLocales()
    register_interactions(app, core, work, locales)
    register_commands(app, core, work, settings.command, locales)
    register_content(app, core, work)
    register_events(app, core, lifecycle, work)
    register_setup(app, core, work)
    return app
