"""GET /health: does the database answer, which content is serving, did the last reload fail.

``check`` returns (HTTP status, JSON body); ``health_handler`` wraps it for aiohttp, and
``serve_health`` serves it alone on PORT (a Discord-only deployment: a ``web:`` process
on Heroku-like hosts must bind PORT; Slack's HTTP server already serves it).

- database: real queries (the pending outbox count, and the age in seconds of the oldest
  undelivered item: a number that keeps growing says deliveries are stuck). A store that
  fails or does not answer within DATABASE_TIMEOUT_SECONDS → ``"status": "error"``,
  HTTP 503: restarting the process may help.
- content: the serving version. A reload that failed leaves the previous content serving
  → ``"status": "degraded"``, still HTTP 200: a restart cannot fix a YAML error (the
  bot would refuse to start on it), so the platform must not be told to restart.

The body carries ids, counts and versions only: no member data, no content text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.content.holder import ContentHolder
from bot.core.clock import Clock, SystemClock
from bot.core.ports import ContentSource, OutboxStore
from bot.lifecycle import DATABASE_TIMEOUT_SECONDS, Lifecycle

__all__ = ["DATABASE_TIMEOUT_SECONDS", "HealthServer", "check", "health_handler", "serve_health"]

log = logging.getLogger(__name__)

HEALTH_PATH = "/health"

OK = "ok"
DEGRADED = "degraded"
ERROR = "error"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def check(
    store: OutboxStore,
    content: ContentSource,
    *,
    database_seconds: float = DATABASE_TIMEOUT_SECONDS,
    clock: Clock | None = None,
) -> tuple[int, dict[str, Any]]:
    """The health of one bot: (HTTP status, JSON body)."""
    database: dict[str, Any]
    try:
        database = await asyncio.wait_for(_outbox(store, clock or SystemClock()), database_seconds)
    except Exception as exc:  # a failing store must still give an answer
        log.warning("health: the database did not answer: %s", type(exc).__name__)
        database = {"status": ERROR}
    content_status: dict[str, Any]
    try:
        content_status = {"status": OK, "version": content.current.version}
    except Exception as exc:
        log.warning("health: no content serving: %s", type(exc).__name__)
        content_status = {"status": ERROR}
    last = content.last_reload if isinstance(content, ContentHolder) else None
    if last is not None:
        content_status["last_reload"] = "ok" if last.ok else "failed"
        if not last.ok and content_status["status"] == OK:
            content_status["status"] = DEGRADED
            content_status["errors"] = sum(1 for p in last.problems if p.severity == "error")
    if ERROR in (database["status"], content_status["status"]):
        overall = ERROR
    elif content_status["status"] == DEGRADED:
        overall = DEGRADED
    else:
        overall = OK
    body = {"status": overall, "database": database, "content": content_status}
    return (503 if overall == ERROR else 200), body


async def _outbox(store: OutboxStore, clock: Clock) -> dict[str, Any]:
    pending = await store.pending_outbox_count()
    oldest = await store.oldest_pending_at()
    age = max(0.0, (clock.now() - oldest).total_seconds()) if oldest is not None else 0.0
    return {"status": OK, "outbox_pending": pending, "outbox_oldest_seconds": round(age, 1)}


def health_handler(
    lifecycle: Lifecycle, *, database_seconds: float = DATABASE_TIMEOUT_SECONDS
) -> Handler:
    """An aiohttp handler for GET /health: Slack's HTTP mode and `serve_health` serve it."""

    async def health(_request: web.Request) -> web.StreamResponse:
        status, body = await lifecycle.health(database_seconds)
        return web.json_response(body, status=status)

    return health


@dataclass
class HealthServer:
    runner: web.AppRunner
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{HEALTH_PATH}"

    async def close(self) -> None:
        await self.runner.cleanup()


async def serve_health(
    lifecycle: Lifecycle,
    *,
    host: str,
    port: int,
    database_seconds: float = DATABASE_TIMEOUT_SECONDS,
) -> HealthServer:
    """Serve only GET /health on host:port (0: the OS chooses; tests)."""
    app = web.Application()
    app.router.add_get(HEALTH_PATH, health_handler(lifecycle, database_seconds=database_seconds))
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    bound_host, bound_port = runner.addresses[0][:2]
    return HealthServer(runner, str(bound_host), int(bound_port))
