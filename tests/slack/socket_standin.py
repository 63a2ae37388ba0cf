"""A Socket Mode endpoint beside the Web API stand-in (which lacks one).

``apps.connections.open`` (called with the app-level token) answers with the URL of a
WebSocket served here on 127.0.0.1:0.  Tests send envelopes the way Slack does and get
the app's acknowledgement back, matched by ``envelope_id``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from aiohttp import WSMsgType, web
from slack_standin import SlackStandIn

JSON = dict[str, Any]


class SocketModeStandIn:
    def __init__(self, web_api: SlackStandIn, app_token: str) -> None:
        self._web_api = web_api
        self._app_token = app_token
        self._runner: web.AppRunner | None = None
        self._socket: web.WebSocketResponse | None = None
        self._acks: dict[str, asyncio.Future[JSON]] = {}
        self._ids = itertools.count(1)
        self.connected = asyncio.Event()
        self.url = ""

    async def __aenter__(self) -> SocketModeStandIn:
        app = web.Application()
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"ws://{host}:{port}/link"
        self._web_api.valid_tokens.add(self._app_token)
        # The Web API stand-in has no apps.connections.open; this adds it (same shape).
        self._web_api._handlers["apps.connections.open"] = self._open
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def _open(self, _args: JSON) -> JSON:
        return {"ok": True, "url": self.url}

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json({"type": "hello", "num_connections": 1})
        self.connected.set()
        async for message in socket:
            if message.type is not WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            waiter = self._acks.pop(str(data.get("envelope_id")), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(data)
        return socket

    async def send(self, kind: str, payload: JSON, timeout: float = 2.0) -> JSON:  # noqa: ASYNC109
        """Send an envelope (``slash_commands``, ``interactive``, ``events_api``); return the
        app's acknowledgement."""
        await asyncio.wait_for(self.connected.wait(), timeout)
        assert self._socket is not None
        envelope_id = f"env-{next(self._ids)}"
        waiter: asyncio.Future[JSON] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = waiter
        await self._socket.send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        return await asyncio.wait_for(waiter, timeout)
