"""Serve a slack-bolt ``AsyncApp`` over HTTP on 127.0.0.1, port chosen by the OS.

slack-bolt's own aiohttp server (``slack_bolt.app.async_server.AsyncSlackAppServer``,
what ``AsyncApp.start()`` uses) builds an ``aiohttp.web.Application`` routing POSTs on
``path`` to ``app.async_dispatch``; its ``start()`` calls ``web.run_app`` (blocking,
own loop, signal handlers), so here only its ``web_app`` is taken and run with an
``AppRunner`` + ``TCPSite`` on port 0 inside the test's loop.

With ``process_before_response=False`` (bolt's default) bolt answers as soon as
``ack()`` is called (it polls for it every 10 ms) and keeps running the listener (and
any lazy listeners) in tasks it starts with ``asyncio.ensure_future`` and keeps no
handle on.  Upstander's adapter instead runs with ``process_before_response=True`` and
hands the work after an ack to tasks of its own (``bot.adapters.slack.work``).
:func:`drain_bolt_tasks` waits for both kinds, and :func:`serve_bolt_app` drains them
before it stops, so that no listener is cut off half-way through an HTTP call at
teardown.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from slack_bolt.app.async_server import AsyncSlackAppServer
from slack_bolt.async_app import AsyncApp

_BOLT_DIR = f"{os.sep}slack_bolt{os.sep}"
_ADAPTER_DIR = f"{os.sep}bot{os.sep}adapters{os.sep}slack{os.sep}"


def bolt_listener_tasks() -> set[asyncio.Task[object]]:
    """Unfinished tasks running slack-bolt code (listeners after ack, lazy listeners) or
    the Upstander adapter's work after an ack."""
    current = asyncio.current_task()
    found: set[asyncio.Task[object]] = set()
    for task in asyncio.all_tasks():
        if task is current or task.done():
            continue
        code = getattr(task.get_coro(), "cr_code", None)
        if code is not None and (_BOLT_DIR in code.co_filename or _ADAPTER_DIR in code.co_filename):
            found.add(task)
    return found


async def drain_bolt_tasks(timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Wait until bolt's background listener tasks have finished.

    Raises AssertionError (after cancelling them) if some are still running after
    ``timeout`` seconds: a listener that hangs is a bug the test should see.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while tasks := bolt_listener_tasks():
        remaining = deadline - loop.time()
        if remaining <= 0:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            names = sorted(t.get_coro().__qualname__ for t in tasks)  # type: ignore[union-attr]
            raise AssertionError(f"bolt listener tasks still running after {timeout}s: {names}")
        await asyncio.wait(tasks, timeout=remaining)


@asynccontextmanager
async def serve_bolt_app(
    app: AsyncApp, path: str = "/slack/events", *, drain_timeout: float = 5.0
) -> AsyncIterator[str]:
    """Yields the URL Slack would post to (``http://127.0.0.1:<port><path>``)."""
    server = AsyncSlackAppServer(port=0, path=path, app=app, host="127.0.0.1")
    runner = web.AppRunner(server.web_app, handle_signals=False, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}{path}"
        await drain_bolt_tasks(drain_timeout)
    finally:
        await runner.cleanup()
