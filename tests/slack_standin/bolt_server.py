"""Serve a slack-bolt ``AsyncApp`` over HTTP on 127.0.0.1, port chosen by the OS.

slack-bolt's own aiohttp server (``slack_bolt.app.async_server.AsyncSlackAppServer``,
what ``AsyncApp.start()`` uses) builds an ``aiohttp.web.Application`` routing POSTs on
``path`` to ``app.async_dispatch``; its ``start()`` calls ``web.run_app`` (blocking,
own loop, signal handlers), so here only its ``web_app`` is taken and run with an
``AppRunner`` + ``TCPSite`` on port 0 inside the test's loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from slack_bolt.app.async_server import AsyncSlackAppServer
from slack_bolt.async_app import AsyncApp


@asynccontextmanager
async def serve_bolt_app(app: AsyncApp, path: str = "/slack/events") -> AsyncIterator[str]:
    """Yields the URL Slack would post to (``http://127.0.0.1:<port><path>``)."""
    server = AsyncSlackAppServer(port=0, path=path, app=app, host="127.0.0.1")
    runner = web.AppRunner(server.web_app, handle_signals=False, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}{path}"
    finally:
        await runner.cleanup()
