"""Show people by the name Slack shows them, not by the legacy handle a request carries.

Slash commands carry ``user_name`` and interactions ``user.name`` / ``user.username``:
the handle Slack retired from its own interface. A global bolt middleware (it runs after
bolt's signature check, in HTTP and Socket Mode alike) puts the directory's display name
(``SlackDirectory.display_name``) in those fields before any listener reads them, so the
converters build every ``Actor`` with it, as the request's own workspace shows them. The
look-up is cached by the directory and shared with the admin check; it gives up after
``NAME_LOOKUP_SECONDS`` to keep the ack in time, and then the request's own name stays.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.adapters.slack.communities import community

log = logging.getLogger(__name__)

# Slack wants the ack within 3 s and listeners keep 2 s of it (answer.ACK_BUDGET_SECONDS).
NAME_LOOKUP_SECONDS = 0.5

Middleware = Callable[..., Awaitable[None]]
# A person's display name in a community's workspace: (user id, community) → name or "".
NameLookup = Callable[[str, str], Awaitable[str]]


def display_names(lookup: NameLookup) -> Middleware:
    """The middleware; register it with ``app.use`` after ``name_communities``."""

    async def show_display_names(
        body: dict[str, Any], context: Any, next_: Callable[[], Awaitable[None]]
    ) -> None:
        await _rename(lookup, body, community(context))
        await next_()

    return show_display_names


async def _rename(lookup: NameLookup, body: dict[str, Any], in_community: str) -> None:
    fields = _name_fields(body)
    if fields is None:
        return
    holder, user_id, keys = fields
    try:
        async with asyncio.timeout(NAME_LOOKUP_SECONDS):
            name = await lookup(user_id, in_community)
    except TimeoutError:
        log.warning("Slack name look-up timed out; the request's name is kept")
        return
    if name:
        for key in keys:
            holder[key] = name


def _name_fields(body: dict[str, Any]) -> tuple[dict[str, Any], str, tuple[str, ...]] | None:
    """Where this request names its sender: (the object, the user id, its name keys)."""
    if "command" in body and isinstance(body.get("user_id"), str):
        return body, body["user_id"], ("user_name",)
    user = body.get("user")
    if body.get("type") != "event_callback" and isinstance(user, dict):
        user_id = user.get("id")
        if isinstance(user_id, str):
            return user, user_id, ("name", "username")
    return None
