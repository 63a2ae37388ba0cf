"""The stand-in's gateway: sessions, sequence numbers, replay on RESUME, compression."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .recording import GatewayFrame

if TYPE_CHECKING:
    from .server import DiscordStandin

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_VOICE_STATE_UPDATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

# Intent bits.
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = {
    "members": INTENT_GUILD_MEMBERS,
    "presences": INTENT_GUILD_PRESENCES,
    "message_content": INTENT_MESSAGE_CONTENT,
}


@dataclass
class Dispatch:
    seq: int
    event: str
    data: dict[str, Any]
    on_sent: Callable[[], None] | None = None
    sent: bool = False


@dataclass
class Session:
    id: str
    intents: int
    history: list[Dispatch] = field(default_factory=list)
    resumed_count: int = 0

    @property
    def last_seq(self) -> int:
        return self.history[-1].seq if self.history else 0


class Connection:
    """One WebSocket connection from the bot."""

    def __init__(
        self,
        gateway: Gateway,
        number: int,
        ws: web.WebSocketResponse,
        request: web.Request,
        compress: str | None,
    ) -> None:
        self.gateway = gateway
        self.number = number
        self.ws = ws
        self.request = request
        self.compress = compress
        self._compressor = zlib.compressobj() if compress == "zlib-stream" else None
        self._send_lock = asyncio.Lock()
        self.session: Session | None = None
        self.live = False  # identified or resumed; dispatches flow
        self.dropped = False
        self._writer: asyncio.Task[None] | None = None
        self._grew = asyncio.Event()

    async def send(self, payload: dict[str, Any]) -> None:
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        async with self._send_lock:
            if self.ws.closed or self.dropped:
                return
            if self._compressor is not None:
                data = self._compressor.compress(text.encode("utf-8"))
                data += self._compressor.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(data)
            else:
                await self.ws.send_str(text)
        self.gateway.record(
            "send",
            payload.get("op", -1),
            payload.get("d"),
            payload.get("s"),
            payload.get("t"),
            self.number,
        )

    def start_writer(self, start_index: int, after_replay: dict[str, Any] | None) -> None:
        self._writer = asyncio.create_task(
            self._write_loop(start_index, after_replay), name=f"standin-gw-writer-{self.number}"
        )

    def notify(self) -> None:
        self._grew.set()

    async def _write_loop(self, index: int, after_replay: dict[str, Any] | None) -> None:
        assert self.session is not None
        session = self.session
        replay_end = len(session.history)
        while True:
            while index < len(session.history):
                item = session.history[index]
                await self.send({"op": OP_DISPATCH, "t": item.event, "s": item.seq, "d": item.data})
                if self.ws.closed or self.dropped:
                    return
                if not item.sent:
                    item.sent = True
                    if item.on_sent is not None:
                        item.on_sent()
                index += 1
                if after_replay is not None and index >= replay_end:
                    await self.send(after_replay)
                    after_replay = None
            if after_replay is not None:
                await self.send(after_replay)
                after_replay = None
            self._grew.clear()
            await self._grew.wait()

    async def stop_writer(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
            self._writer = None


class Gateway:
    def __init__(self, standin: DiscordStandin) -> None:
        self.standin = standin
        self.session: Session | None = None
        self.connection: Connection | None = None
        self.connections: list[Connection] = []
        self._pending: list[tuple[str, dict[str, Any], Callable[[], None] | None]] = []
        self._connected = asyncio.Event()
        self.heartbeat_interval_ms = 41250

    # -- recording ---------------------------------------------------------------------

    def record(
        self, direction: str, op: int, data: Any, seq: int | None, event: str | None, conn: int
    ) -> None:
        log = self.standin.gateway_frames
        log.append(
            GatewayFrame(
                index=len(log.items),
                direction=direction,
                op=op,
                data=data,
                seq=seq,
                event=event,
                connection=conn,
                at=self.standin.clock.now(),
            )
        )

    # -- dispatching -------------------------------------------------------------------

    @property
    def intents(self) -> int:
        return self.session.intents if self.session is not None else 0

    def dispatch(
        self, event: str, data: dict[str, Any], on_sent: Callable[[], None] | None = None
    ) -> int | None:
        """Queue a dispatch for the session; it is sent now if connected, else on RESUME.

        Returns its sequence number (None when no session exists yet: it is then sent
        after the next READY).
        """
        if self.session is None:
            self._pending.append((event, data, on_sent))
            return None
        seq = self.session.last_seq + 1
        self.session.history.append(Dispatch(seq, event, data, on_sent))
        conn = self.connection
        if conn is not None and conn.live and conn.session is self.session:
            conn.notify()
        return seq

    @property
    def connected(self) -> bool:
        conn = self.connection
        return conn is not None and conn.live and not conn.ws.closed

    async def drop_connection(self, code: int = 4000, *, abnormal: bool = False) -> None:
        conn = self.connection
        if conn is None:
            raise RuntimeError("the bot is not connected to the gateway")
        self.connection = None
        conn.live = False
        await conn.stop_writer()
        if abnormal:
            transport = conn.request.transport
            if transport is not None:
                transport.abort()
            conn.dropped = True
        else:
            conn.dropped = True
            await conn.ws.close(code=code, message=b"stand-in dropped the connection")

    async def send_reconnect(self) -> None:
        """Send op 7 RECONNECT: the bot should close and RESUME."""
        conn = self.connection
        if conn is None:
            raise RuntimeError("the bot is not connected to the gateway")
        await conn.send({"op": OP_RECONNECT, "d": None})

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION. Not resumable: the session is forgotten, so the bot
        must IDENTIFY again; dispatches it had not received are lost, as on Discord."""
        conn = self.connection
        if conn is None:
            raise RuntimeError("the bot is not connected to the gateway")
        if not resumable:
            self.session = None
            self.connection = None
            conn.live = False
            await conn.stop_writer()
        await conn.send({"op": OP_INVALID_SESSION, "d": resumable})

    async def close_all(self) -> None:
        for conn in list(self.connections):
            await conn.stop_writer()
            if not conn.ws.closed:
                conn.dropped = True
                with contextlib.suppress(Exception):
                    await conn.ws.close(code=1001, message=b"stand-in shutting down")

    # -- the WebSocket handler --------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        compress = request.query.get("compress")
        if compress not in (None, "zlib-stream"):
            # zstd-stream is not supported here: plain text frames are always understood.
            compress = None
        conn = Connection(self, len(self.connections) + 1, ws, request, compress)
        self.connections.append(conn)
        self.standin.gateway_connects.append(
            {"path": request.path, "query": dict(request.query), "connection": conn.number}
        )
        try:
            await conn.send(
                {"op": OP_HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}
            )
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    payload = json.loads(msg.data)
                elif msg.type is WSMsgType.BINARY:
                    payload = json.loads(msg.data.decode("utf-8"))
                else:
                    break
                await self._on_frame(conn, payload)
        finally:
            await conn.stop_writer()
            conn.live = False
            if self.connection is conn:
                self.connection = None
        return ws

    async def _on_frame(self, conn: Connection, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        data = payload.get("d")
        recorded = data
        if op in (OP_IDENTIFY, OP_RESUME) and isinstance(data, dict) and "token" in data:
            recorded = {**data, "token": "<redacted>" if data["token"] else data["token"]}
        self.record("recv", op if isinstance(op, int) else -1, recorded, None, None, conn.number)
        if op == OP_HEARTBEAT:
            await conn.send({"op": OP_HEARTBEAT_ACK, "d": None})
        elif op in (OP_IDENTIFY, OP_RESUME, OP_REQUEST_GUILD_MEMBERS):
            if not isinstance(data, dict):
                await conn.ws.close(code=4002, message=b"Error while decoding payload")
            elif op == OP_IDENTIFY:
                await self._identify(conn, data)
            elif op == OP_RESUME:
                await self._resume(conn, data)
            else:
                await self._request_members(conn, data)
        elif op in (OP_PRESENCE_UPDATE, OP_VOICE_STATE_UPDATE):
            pass
        else:
            await conn.ws.close(code=4001, message=b"Unknown opcode")

    async def _identify(self, conn: Connection, data: dict[str, Any]) -> None:
        if conn.live:
            await conn.ws.close(code=4005, message=b"Already authenticated")
            return
        if data.get("token") != self.standin.token:
            await conn.ws.close(code=4004, message=b"Authentication failed")
            return
        intents = data.get("intents")
        if not isinstance(intents, int):
            await conn.ws.close(code=4013, message=b"Invalid intent(s)")
            return
        for name, bit in PRIVILEGED_INTENTS.items():
            if intents & bit and name not in self.standin.privileged_intents:
                await conn.ws.close(code=4014, message=b"Disallowed intent(s)")
                return
        session = Session(id=secrets.token_hex(16), intents=intents)
        self.session = session
        conn.session = session
        self.connection = conn
        ready = self.standin.ready_payload(session.id)
        if isinstance(data.get("shard"), list):
            ready["shard"] = data["shard"]
        self.dispatch("READY", ready)
        if intents & INTENT_GUILDS:
            for guild in self.standin.guilds:
                self.dispatch("GUILD_CREATE", guild.to_payload())
        pending, self._pending = self._pending, []
        for event, payload, on_sent in pending:
            self.dispatch(event, payload, on_sent)
        conn.live = True
        conn.start_writer(0, None)

    async def _resume(self, conn: Connection, data: dict[str, Any]) -> None:
        session = self.session
        if data.get("token") != self.standin.token:
            await conn.ws.close(code=4004, message=b"Authentication failed")
            return
        if session is None or data.get("session_id") != session.id:
            await conn.send({"op": OP_INVALID_SESSION, "d": False})
            return
        seq = data.get("seq") or 0
        if seq > session.last_seq:
            await conn.ws.close(code=4007, message=b"Invalid seq")
            return
        session.resumed_count += 1
        conn.session = session
        self.connection = conn
        conn.live = True
        # Sequence numbers start at 1 and are contiguous, so history[seq:] is what was missed.
        conn.start_writer(seq, {"op": OP_DISPATCH, "t": "RESUMED", "s": None, "d": {}})

    async def _request_members(self, conn: Connection, data: dict[str, Any]) -> None:
        guild_id = int(data.get("guild_id", 0))
        guild = self.standin.get_guild(guild_id)
        if guild is None:
            return
        members = [m.to_payload() for m in guild.members.values()]
        user_ids = data.get("user_ids")
        if user_ids:
            wanted = {int(u) for u in user_ids}
            members = [m for m in members if int(m["user"]["id"]) in wanted]
        query = data.get("query")
        if query:
            members = [m for m in members if m["user"]["username"].startswith(query)]
        limit = data.get("limit") or 0
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(guild_id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        self.dispatch("GUILD_MEMBERS_CHUNK", chunk)
