"""Which community a Slack request belongs to: its workspace's (docs/communities.md).

A global bolt middleware (``name_communities``) puts the id in the request's context
before any listener runs, in HTTP and Socket Mode alike; listeners read it with
``community(context)`` and build every ``Actor`` with it. The workspace is the team the
request came from, or the enterprise for an org-wide (Enterprise Grid) install, as bolt
read them from the payload; ``default_team`` is the workspace of SLACK_BOT_TOKEN (its
community is ``"slack"``), "" when workspaces install by OAuth. When the single token's
workspace is not known (``None``: ``auth.test`` failed at start-up), every request is the
one default community, as before communities existed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.convert import PLATFORM
from bot.adapters.slack.failures import failure_reason
from bot.core.community import community_id
from bot.storage.installations import workspace_of

log = logging.getLogger(__name__)

COMMUNITY = "upstander_community"  # the context key

Middleware = Callable[..., Awaitable[None]]


def community_of(context: Any, default_team: str | None) -> str:
    if default_team is None:
        return PLATFORM
    workspace = workspace_of(context.enterprise_id, context.team_id, context.is_enterprise_install)
    return community_id(PLATFORM, workspace, default_team)


def name_communities(default_team: str | None) -> Middleware:
    """The middleware; register it with ``app.use`` before any that reads the community."""

    async def name_community(context: Any, next_: Callable[[], Awaitable[None]]) -> None:
        context[COMMUNITY] = community_of(context, default_team)
        await next_()

    return name_community


def community(context: Any) -> str:
    """The request's community, as the middleware named it."""
    return str(context.get(COMMUNITY) or PLATFORM)


async def default_workspace(client: AsyncWebClient) -> str | None:
    """The workspace of the client's bot token (``auth.test``), or None when Slack does
    not say: then every request is the default community."""
    try:
        answer = await client.auth_test()
    except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
        log.warning(
            "auth.test failed (%s): every Slack request is one community", failure_reason(exc)
        )
        return None
    return workspace_of(
        answer.get("enterprise_id"), answer.get("team_id"), answer.get("is_enterprise_install")
    )
