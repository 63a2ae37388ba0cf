"""A loopback stand-in of Discord's REST API and gateway for end-to-end tests.

Start it with ``async with DiscordStandin() as standin:`` (or ``await standin.start()``
/ ``await standin.stop()``), point discord.py at it with
``configure_endpoints(standin.api_base, standin.gateway_url)``, and log the client in
with ``standin.token``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import rules
from .attachments import CDN_PREFIX, FakeAttachment, cdn_handler
from .factories import (
    DM,
    GUILD_TEXT,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    Perm,
    iso_now,
    next_snowflake,
)
from .gateway import (
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILDS,
    INTENT_MESSAGE_CONTENT,
    Gateway,
)
from .recording import (
    Clock,
    Fault,
    GatewayFrame,
    Hold,
    Log,
    RecordedRequest,
    StandinClock,
    compile_path_pattern,
)

API_PREFIX = "/api/v10"
INTERACTION_DEADLINE_S = 3.0
INTERACTION_TOKEN_TTL_S = 15 * 60

# Interaction types.
PING = 1
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
APPLICATION_COMMAND_AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

# Interaction callback types.
CB_PONG = 1
CB_CHANNEL_MESSAGE = 4
CB_DEFERRED_CHANNEL_MESSAGE = 5
CB_DEFERRED_UPDATE_MESSAGE = 6
CB_UPDATE_MESSAGE = 7
CB_AUTOCOMPLETE_RESULT = 8
CB_MODAL = 9

# Application command option types.
OPT_SUB_COMMAND = 1
OPT_SUB_COMMAND_GROUP = 2
OPT_STRING = 3
OPT_INTEGER = 4
OPT_BOOLEAN = 5
OPT_USER = 6
OPT_CHANNEL = 7
OPT_ROLE = 8
OPT_MENTIONABLE = 9
OPT_NUMBER = 10
OPT_ATTACHMENT = 11

USER_MENTION_RE = re.compile(r"<@!?(\d+)>")
ROLE_MENTION_RE = re.compile(r"<@&(\d+)>")


class DiscordError(Exception):
    """Raised by route handlers; becomes Discord's JSON error body."""

    def __init__(self, status: int, code: int, message: str, errors: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def invalid_form(problems: list[str]) -> DiscordError:
    return DiscordError(
        400,
        50035,
        "Invalid Form Body",
        {"_errors": [{"code": "BASE", "message": p} for p in problems]},
    )


def unknown_interaction() -> DiscordError:
    return DiscordError(404, 10062, "Unknown interaction")


def unknown_webhook() -> DiscordError:
    return DiscordError(404, 10015, "Unknown Webhook")


def unknown_message() -> DiscordError:
    return DiscordError(404, 10008, "Unknown Message")


def unknown_channel() -> DiscordError:
    return DiscordError(404, 10003, "Unknown Channel")


@dataclass
class StoredMessage:
    """A message the stand-in holds (sent by the bot, or a user message it dispatched)."""

    payload: dict[str, Any]
    by_bot: bool
    interaction_id: int | None = None
    source: str = "channel"  # channel | interaction | followup | gateway
    deleted: bool = False
    edits: int = 0
    # Who was notified when the message was created (edits never notify anyone).
    notified: list[tuple[str, int | None]] = field(default_factory=list)

    @property
    def id(self) -> int:
        return int(self.payload["id"])

    @property
    def channel_id(self) -> int:
        return int(self.payload["channel_id"])

    @property
    def content(self) -> str:
        return str(self.payload.get("content") or "")

    @property
    def ephemeral(self) -> bool:
        return bool((self.payload.get("flags") or 0) & rules.FLAG_EPHEMERAL)

    @property
    def components(self) -> list[dict[str, Any]]:
        return list(self.payload.get("components") or [])

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.payload.get("embeds") or [])

    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for c in walk_components(self.components) if "custom_id" in c]

    def buttons(self) -> list[dict[str, Any]]:
        return [c for c in walk_components(self.components) if c.get("type") == 2]


def walk_components(components: Iterable[Any]) -> Iterable[dict[str, Any]]:
    for comp in components:
        if not isinstance(comp, dict):
            continue
        yield comp
        yield from walk_components(comp.get("components") or [])
        for key in ("accessory", "component"):
            if isinstance(comp.get(key), dict):
                yield from walk_components([comp[key]])


@dataclass
class InteractionState:
    id: int
    token: str
    type: int
    payload: dict[str, Any]
    user: FakeUser
    channel_id: int
    guild_id: int | None
    created_at: float
    dispatched_at: float | None = None
    response_type: int | None = None
    responded_at: float | None = None
    original_message_id: int | None = None
    deferred_ephemeral: bool = False
    loading: bool = False


@dataclass
class DispatchedInteraction:
    """What a ``send_*`` interaction helper returns: ids plus ways to wait for the bot."""

    standin: DiscordStandin
    id: int
    token: str
    type: int
    payload: dict[str, Any]
    seq: int | None
    # Requests recorded before the dispatch cannot answer it: waits start scanning here.
    log_start: int = 0

    def callbacks(self) -> list[RecordedRequest]:
        return self.standin.callbacks(self.id)

    async def wait_callback(self, timeout: float = 5.0) -> RecordedRequest:  # noqa: ASYNC109
        """The bot's first callback for this interaction (whatever the stand-in answered)."""
        return await self.standin.wait_for(
            lambda r: (
                r.route == "interaction_callback" and r.params.get("interaction_id") == str(self.id)
            ),
            timeout=timeout,
            start=self.log_start,
        )

    def followups(self) -> list[RecordedRequest]:
        return [
            r
            for r in self.standin.requests
            if r.route and r.route.startswith("webhook_") and r.params.get("token") == self.token
        ]

    async def wait_followup(
        self,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> RecordedRequest:
        """The first webhook request (follow-up, @original edit...) on this token."""
        return await self.standin.wait_for(
            lambda r: (
                bool(r.route)
                and str(r.route).startswith("webhook_")
                and r.params.get("token") == self.token
                and (predicate is None or predicate(r))
            ),
            timeout=timeout,
            start=self.log_start,
        )

    def messages(self) -> list[StoredMessage]:
        """Messages created through this interaction (the reply and follow-ups)."""
        return [
            m
            for m in self.standin.messages.values()
            if m.interaction_id == self.id and m.by_bot and not m.deleted
        ]

    def response_message(self) -> StoredMessage | None:
        state = self.standin.interactions.get(self.id)
        if state is None or state.original_message_id is None:
            return None
        return self.standin.messages.get(state.original_message_id)

    @property
    def response_type(self) -> int | None:
        state = self.standin.interactions.get(self.id)
        return state.response_type if state else None

    def autocomplete_choices(self) -> list[dict[str, Any]] | None:
        for r in self.callbacks():
            if r.ok and isinstance(r.json, dict) and r.json.get("type") == CB_AUTOCOMPLETE_RESULT:
                return list((r.json.get("data") or {}).get("choices") or [])
        return None

    def modal(self) -> dict[str, Any] | None:
        for r in self.callbacks():
            if r.ok and isinstance(r.json, dict) and r.json.get("type") == CB_MODAL:
                data = r.json.get("data")
                return data if isinstance(data, dict) else None
        return None


Handler = Callable[[RecordedRequest], Awaitable[tuple[int, Any]]]


@dataclass
class _Route:
    method: str
    regex: re.Pattern[str]
    name: str
    handler: Handler
    auth: bool = True


@dataclass
class DiscordStandin:
    """A loopback Discord: REST under ``api_base``, gateway at ``gateway_url``."""

    clock: Clock = field(default_factory=StandinClock)
    token: str = field(default_factory=lambda: "standin." + secrets.token_urlsafe(24))
    host: str = "127.0.0.1"
    # Privileged intents enabled "in the developer portal" for this application.
    privileged_intents: set[str] = field(
        default_factory=lambda: {"members", "message_content", "presences"}
    )
    attachment_size_limit: int = 10 * 1024 * 1024

    def __post_init__(self) -> None:
        self.bot_user = FakeUser(username="upstander-bot", bot=True)
        self.application_id = self.bot_user.id
        self.owner = FakeUser(username="guild-owner")
        self.guild = FakeGuild(owner_id=self.owner.id)
        g = self.guild
        self.volunteer_role = g.add_role("Volunteer")
        self.lead_role = g.add_role("Volunteer Lead")
        self.moderator_role = g.add_role(
            "Moderator", Perm.MANAGE_GUILD | Perm.MODERATE_MEMBERS | Perm.MANAGE_MESSAGES
        )
        self.bot_role = g.add_role("upstander-bot", Perm.BOT_DEFAULT)
        self.bot_role.managed = True
        self.general = g.add_channel("general", topic="Chat")
        self.volunteers_channel = g.add_channel(
            "volunteers",
            topic="Check-in cards",
            permission_overwrites=[
                {"id": str(g.id), "type": 0, "allow": "0", "deny": str(Perm.VIEW_CHANNEL)},
                {
                    "id": str(self.volunteer_role.id),
                    "type": 0,
                    "allow": str(Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES),
                    "deny": "0",
                },
                {
                    "id": str(self.bot_role.id),
                    "type": 0,
                    "allow": str(Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES),
                    "deny": "0",
                },
            ],
        )
        g.add_member(self.owner)
        g.add_member(self.bot_user, [self.bot_role])
        self.member = self.add_user("alice")
        self.volunteer = self.add_user("vic", roles=["Volunteer"])
        self.moderator = self.add_user("mo", roles=["Moderator"])

        self.guilds: list[FakeGuild] = [g]
        self.users: dict[int, FakeUser] = {
            u.id: u
            for u in (self.bot_user, self.owner, self.member, self.volunteer, self.moderator)
        }
        self.channels: dict[int, FakeChannel] = {c.id: c for c in g.channels}
        self.dm_channels: dict[int, FakeChannel] = {}
        self.messages: dict[int, StoredMessage] = {}
        self.interactions: dict[int, InteractionState] = {}
        self.global_commands: dict[int, dict[str, Any]] = {}
        self.guild_commands: dict[int, dict[int, dict[str, Any]]] = {}
        self.faults: list[Fault] = []
        self.holds: list[Hold] = []
        self.request_log: Log[RecordedRequest] = Log()
        self.gateway_frames: Log[GatewayFrame] = Log()
        self.gateway_connects: list[dict[str, Any]] = []
        self.suppressed_dispatches: list[tuple[str, str]] = []
        # Files members attach to commands (on the CDN), and the files the bot sent.
        self.attachments: dict[int, FakeAttachment] = {}
        self.uploads: list[tuple[str, bytes]] = []
        self.gateway = Gateway(self)
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._routes: list[_Route] = []
        self._build_routes()

    # =================================================================================
    # lifecycle
    # =================================================================================

    async def start(self) -> DiscordStandin:
        app = web.Application()
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway/resume", self.gateway.handle)
        app.router.add_get(CDN_PREFIX + "/{id}/{filename}", cdn_handler(self.attachments))
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._handle_rest)
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None)
        assert sockets
        self.port = sockets[0].getsockname()[1]
        self._runner = runner
        return self

    async def stop(self) -> None:
        for hold in self.holds:
            hold.release.set()  # a test that failed half-way must not hang the server
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordStandin:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """For ``configure_endpoints(api_base=...)`` (discord.py's ``Route.BASE``)."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """For ``configure_endpoints(gateway_url=...)`` (``DEFAULT_GATEWAY``)."""
        return f"ws://{self.host}:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway/resume"

    # =================================================================================
    # the world
    # =================================================================================

    def add_attachment(self, filename: str, data: bytes) -> FakeAttachment:
        """A file a member attaches: pass it as an attachment option's value."""
        attachment = FakeAttachment(filename, data)
        self.attachments[attachment.id] = attachment
        return attachment

    def add_user(
        self,
        username: str,
        roles: list[str | int | FakeRole] | None = None,
        *,
        in_guild: bool = True,
        permissions: int | None = None,
        **user_kwargs: Any,
    ) -> FakeUser:
        """Make a user (a guild member with ``roles`` unless ``in_guild=False``).

        When a session is live, GUILD_MEMBER_ADD is dispatched (with the members intent).
        """
        user = FakeUser(username=username, **user_kwargs)
        if hasattr(self, "users"):
            self.users[user.id] = user
        if in_guild:
            member = self.guild.add_member(user, roles, permissions=permissions)
            if hasattr(self, "gateway") and self.gateway.intents & INTENT_GUILD_MEMBERS:
                self.gateway.dispatch(
                    "GUILD_MEMBER_ADD", {**member.to_payload(), "guild_id": str(self.guild.id)}
                )
        return user

    def add_channel(self, name: str, **kwargs: Any) -> FakeChannel:
        """Add a guild text channel (``permission_overwrites=[...]`` for private ones).

        When a session is live, CHANNEL_CREATE is dispatched."""
        channel = self.guild.add_channel(name, **kwargs)
        self.channels[channel.id] = channel
        if self.gateway.intents & INTENT_GUILDS:
            self.gateway.dispatch("CHANNEL_CREATE", channel.to_payload())
        return channel

    def add_role(self, name: str, permissions: int = 0) -> FakeRole:
        """Add a role to the guild; when a session is live, GUILD_ROLE_CREATE is
        dispatched (with the guilds intent), as Discord does."""
        role = self.guild.add_role(name, permissions)
        if self.gateway.intents & INTENT_GUILDS:
            payload = {"guild_id": str(self.guild.id), "role": role.to_payload()}
            self.gateway.dispatch("GUILD_ROLE_CREATE", payload)
        return role

    def get_guild(self, guild_id: int) -> FakeGuild | None:
        return next((g for g in self.guilds if g.id == guild_id), None)

    def member_of(self, user: FakeUser | int) -> FakeMember | None:
        uid = user if isinstance(user, int) else user.id
        return self.guild.members.get(uid)

    def add_guild(self, name: str) -> FakeGuild:
        """Another server the bot is in: roles "Volunteer", "Volunteer Lead", "Moderator"
        (Manage Server) and the bot's own, channels "general" and "volunteers", the bot and
        ``standin.owner`` as members. Add members with ``join(guild, user, roles)``.

        When a session is live, GUILD_CREATE is dispatched (discord.py: ``on_guild_join``);
        before the bot connects, it comes in READY and its own GUILD_CREATE."""
        guild = FakeGuild(name=name, owner_id=self.owner.id)
        guild.add_role("Volunteer")
        guild.add_role("Volunteer Lead")
        guild.add_role("Moderator", Perm.MANAGE_GUILD | Perm.MODERATE_MEMBERS)
        bot_role = guild.add_role("upstander-bot", Perm.BOT_DEFAULT)
        bot_role.managed = True
        guild.add_channel("general", topic="Chat")
        guild.add_channel("volunteers", topic="Check-in cards")
        guild.add_member(self.owner)
        guild.add_member(self.bot_user, [bot_role])
        self.guilds.append(guild)
        self.channels.update({c.id: c for c in guild.channels})
        if self.gateway.session is not None and self.gateway.intents & INTENT_GUILDS:
            self.gateway.dispatch("GUILD_CREATE", guild.to_payload())
        return guild

    def join(
        self, guild: FakeGuild, user: FakeUser, roles: list[str | int | FakeRole] | None = None
    ) -> FakeMember:
        """Make ``user`` (from ``add_user``) a member of ``guild`` too."""
        member = guild.add_member(user, roles)
        if self.gateway.session is not None and self.gateway.intents & INTENT_GUILD_MEMBERS:
            self.gateway.dispatch(
                "GUILD_MEMBER_ADD", {**member.to_payload(), "guild_id": str(guild.id)}
            )
        return member

    def remove_guild(self, guild: FakeGuild) -> None:
        """The bot is removed from ``guild`` (kicked, or the server deleted): GUILD_DELETE
        without ``unavailable`` (discord.py: ``on_guild_remove``)."""
        self.guilds.remove(guild)
        for channel in guild.channels:
            self.channels.pop(channel.id, None)
        self.gateway.dispatch("GUILD_DELETE", {"id": str(guild.id)})

    def update_role(self, guild: FakeGuild, role: FakeRole, *, permissions: int) -> None:
        """An admin changes a role's permissions: GUILD_ROLE_UPDATE."""
        role.permissions = permissions
        self.gateway.dispatch(
            "GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": role.to_payload()}
        )

    def dm_channel_for(self, user: FakeUser) -> FakeChannel:
        channel = self.dm_channels.get(user.id)
        if channel is None:
            channel = FakeChannel(name=None, type=DM, recipient=user)
            self.dm_channels[user.id] = channel
            self.channels[channel.id] = channel
        return channel

    def ready_payload(self, session_id: str) -> dict[str, Any]:
        user = {**self.bot_user.to_payload(), "verified": True, "mfa_enabled": False, "flags": 0}
        return {
            "v": 10,
            "user": user,
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self.guilds],
            "session_id": session_id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "application": {"id": str(self.application_id), "flags": 1 << 23},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["loopback"],
            "user_settings": {},
            "auth": {},
        }

    # =================================================================================
    # recording and waiting
    # =================================================================================

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.request_log.items

    async def wait_for(
        self,
        predicate: Callable[[RecordedRequest], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        start: int = 0,
    ) -> RecordedRequest:
        """The first recorded request (from index ``start``) matching ``predicate``."""
        return await self.request_log.wait_for(predicate, timeout=timeout, start=start)

    async def wait_for_count(
        self,
        predicate: Callable[[RecordedRequest], bool],
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[RecordedRequest]:
        return await self.request_log.wait_count(predicate, count, timeout=timeout)

    async def wait_for_gateway(
        self,
        predicate: Callable[[GatewayFrame], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        start: int = 0,
    ) -> GatewayFrame:
        return await self.gateway_frames.wait_for(predicate, timeout=timeout, start=start)

    async def wait_for_message(
        self,
        predicate: Callable[[StoredMessage], bool] | None = None,
        *,
        channel_id: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> StoredMessage:
        """Wait until the bot has a message (any route) matching ``predicate``."""

        def check() -> StoredMessage | None:
            found = self._matching_messages(predicate, channel_id)
            return found[0] if found else None

        return await self.request_log.wait_until(check, timeout=timeout)

    def _matching_messages(
        self, predicate: Callable[[StoredMessage], bool] | None, channel_id: int | None
    ) -> list[StoredMessage]:
        return [m for m in self.sent_messages(channel_id) if predicate is None or predicate(m)]

    def sent_messages(self, channel_id: int | None = None) -> list[StoredMessage]:
        """Messages the bot made (channel, interaction reply, follow-up), in order."""
        return [
            m
            for m in self.messages.values()
            if m.by_bot and not m.deleted and (channel_id is None or m.channel_id == channel_id)
        ]

    def dm_messages(self, user: FakeUser) -> list[StoredMessage]:
        """Messages the bot sent in its DM with ``user``."""
        channel = self.dm_channels.get(user.id)
        return [] if channel is None else self.sent_messages(channel.id)

    def callbacks(self, interaction_id: int | None = None) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if r.route == "interaction_callback"
            and (interaction_id is None or r.params.get("interaction_id") == str(interaction_id))
        ]

    def unknown_routes(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.route is None]

    def errors(self) -> list[RecordedRequest]:
        """Requests the stand-in refused on its own (not the ones fail_next injected)."""
        return [r for r in self.requests if r.status >= 400 and not r.injected]

    def all_outbound_text(self) -> list[str]:
        """Every human-readable string the bot sent: content, embeds, labels, modals..."""
        out: list[str] = []
        for r in self.requests:
            if r.method in ("POST", "PATCH", "PUT") and r.json is not None:
                _collect_text(r.json, out)
        return out

    def all_outbound_strings(self) -> list[str]:
        """Every string value in every body the bot sent, custom ids included."""
        out: list[str] = []

        def walk(value: Any) -> None:
            if isinstance(value, str):
                out.append(value)
            elif isinstance(value, dict):
                for v in value.values():
                    walk(v)
            elif isinstance(value, list):
                for v in value:
                    walk(v)

        for r in self.requests:
            if r.json is not None:
                walk(r.json)
        return out

    def pings(self) -> list[tuple[int, str, int | None]]:
        """(message id, "everyone" | "user" | "role", target id) for every notification
        the bot's messages caused, given their ``allowed_mentions``. Only new,
        non-ephemeral messages notify; edits (including the follow-up that fills a
        deferred reply) never do, as on Discord."""
        return [
            (m.id, kind, target)
            for m in self.messages.values()
            if m.by_bot
            for kind, target in m.notified
        ]

    # =================================================================================
    # fault injection
    # =================================================================================

    def fail_next(
        self,
        method: str,
        path_pattern: str | re.Pattern[str],
        status: int = 500,
        *,
        retry_after: float = 0.05,
        times: int = 1,
        is_global: bool = False,
        body: dict[str, Any] | None = None,
    ) -> Fault:
        """Answer the next ``times`` matching requests with ``status`` instead of handling.

        ``path_pattern`` is relative to the API base; ``*`` matches one path segment,
        ``**`` any run of characters; a compiled regex is matched in full. 429 answers
        carry Discord's JSON body and ``Retry-After`` / ``X-RateLimit-*`` headers.
        """
        fault = Fault(
            method=method.upper(),
            pattern=compile_path_pattern(path_pattern),
            status=status,
            retry_after=retry_after,
            times=times,
            is_global=is_global,
            body=body,
        )
        self.faults.append(fault)
        return fault

    def hold_next(self, method: str, path_pattern: str | re.Pattern[str]) -> Hold:
        """Hold the next matching request until ``hold.release`` is set: a request the
        bot has provably sent and not yet seen answered (a slow Discord)."""
        hold = Hold(method=method.upper(), pattern=compile_path_pattern(path_pattern))
        self.holds.append(hold)
        return hold

    # =================================================================================
    # gateway control
    # =================================================================================

    @property
    def connected(self) -> bool:
        return self.gateway.connected

    async def drop_connection(self, code: int = 4000, *, abnormal: bool = False) -> None:
        """Close the bot's gateway socket (close code ``code``, or abort the TCP connection
        when ``abnormal``). discord.py reconnects and RESUMEs; dispatches made meanwhile
        are queued and replayed with their sequence numbers."""
        await self.gateway.drop_connection(code, abnormal=abnormal)

    async def send_reconnect(self) -> None:
        """Send op 7 RECONNECT: discord.py closes the socket and RESUMEs."""
        await self.gateway.send_reconnect()

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION (see Gateway.invalidate_session)."""
        await self.gateway.invalidate_session(resumable=resumable)

    async def wait_identified(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        start: int = 0,
    ) -> GatewayFrame:
        """Wait for a READY sent (from frame index ``start``)."""
        return await self.wait_for_gateway(
            lambda f: f.direction == "send" and f.event == "READY", timeout=timeout, start=start
        )

    async def wait_resumed(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109
        *,
        start: int = 0,
    ) -> GatewayFrame:
        return await self.wait_for_gateway(
            lambda f: f.direction == "send" and f.event == "RESUMED", timeout=timeout, start=start
        )

    def dispatch(self, event: str, data: dict[str, Any]) -> int | None:
        """Send any gateway dispatch. Returns its sequence number."""
        return self.gateway.dispatch(event, data)

    # =================================================================================
    # user-side events
    # =================================================================================

    def _guild_for(self, guild: bool | FakeGuild | None) -> FakeGuild | None:
        """``True``: the first guild; a FakeGuild: that one; false: none (a DM)."""
        if isinstance(guild, FakeGuild):
            return guild
        return self.guild if guild else None

    def _user_payloads(
        self, user: FakeUser, guild: FakeGuild | None, channel: FakeChannel
    ) -> dict[str, Any]:
        if guild is None:
            return {"user": user.to_payload()}
        member = guild.members.get(user.id)
        if member is None:
            raise ValueError(f"{user.username} is not a member of the guild (use add_user)")
        perms = guild.channel_permissions(member, channel)
        return {"member": member.to_payload(permissions=perms)}

    def _interaction_base(
        self,
        itype: int,
        user: FakeUser,
        *,
        guild: bool | FakeGuild,
        channel: FakeChannel | None,
        locale: str,
        data: dict[str, Any] | None,
        message: dict[str, Any] | None = None,
    ) -> tuple[InteractionState, dict[str, Any]]:
        in_guild = self._guild_for(guild)
        if channel is None:
            if in_guild is None:
                channel = self.dm_channel_for(user)
            else:
                channel = self.general if in_guild is self.guild else in_guild.channels[0]
        iid = next_snowflake()
        token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "token": token,
            "version": 1,
            "locale": locale,
            "app_permissions": str(self._bot_permissions(channel)),
            "entitlements": [],
            "attachment_size_limit": self.attachment_size_limit,
            "channel_id": str(channel.id),
            "channel": {**channel.to_payload(), "permissions": str(Perm.MEMBER_DEFAULT)},
        }
        if data is not None:
            payload["data"] = data
        if message is not None:
            payload["message"] = message
        if in_guild is not None:
            payload.update(
                {
                    "guild_id": str(in_guild.id),
                    "guild": {
                        "id": str(in_guild.id),
                        "locale": in_guild.preferred_locale,
                        "features": [],
                    },
                    "guild_locale": in_guild.preferred_locale,
                    "context": 0,
                    "authorizing_integration_owners": {"0": str(in_guild.id)},
                }
            )
        else:
            payload.update({"context": 1, "authorizing_integration_owners": {"0": "0"}})
        payload.update(self._user_payloads(user, in_guild, channel))
        if in_guild is not None:
            payload["channel"]["permissions"] = payload["member"]["permissions"]
        state = InteractionState(
            id=iid,
            token=token,
            type=itype,
            payload=payload,
            user=user,
            channel_id=channel.id,
            guild_id=in_guild.id if in_guild is not None else None,
            created_at=self.clock.now(),
        )
        return state, payload

    def _bot_permissions(self, channel: FakeChannel) -> int:
        guild = self.get_guild(channel.guild_id) if channel.guild_id is not None else None
        if guild is None:
            return Perm.MEMBER_DEFAULT
        member = guild.members.get(self.bot_user.id)
        return 0 if member is None else guild.channel_permissions(member, channel)

    def _dispatch_interaction(self, state: InteractionState) -> DispatchedInteraction:
        self.interactions[state.id] = state

        def on_sent() -> None:
            state.dispatched_at = self.clock.now()
            state.created_at = state.dispatched_at

        start = len(self.requests)
        seq = self.gateway.dispatch("INTERACTION_CREATE", state.payload, on_sent)
        return DispatchedInteraction(
            self, state.id, state.token, state.type, state.payload, seq, start
        )

    def _find_command(
        self, name: str, ctype: int, guild: bool | FakeGuild
    ) -> dict[str, Any] | None:
        in_guild = self._guild_for(guild)
        if in_guild is not None:
            for cmd in self.guild_commands.get(in_guild.id, {}).values():
                if cmd["name"] == name and cmd.get("type", 1) == ctype:
                    return cmd
        for cmd in self.global_commands.values():
            if cmd["name"] == name and cmd.get("type", 1) == ctype:
                return cmd
        return None

    def _build_options(
        self,
        definitions: list[dict[str, Any]] | None,
        options: dict[str, Any] | list[dict[str, Any]] | None,
        resolved: dict[str, dict[str, Any]],
        focused: str | None,
    ) -> list[dict[str, Any]]:
        if options is None:
            options = {}
        if isinstance(options, list):
            return options
        defs = {d["name"]: d for d in definitions or []}
        if definitions is not None and focused is None:
            for d in definitions:
                if d.get("required") and d["name"] not in options:
                    raise ValueError(f"required option {d['name']!r} is missing")
        out: list[dict[str, Any]] = []
        for name, value in options.items():
            found = defs.get(name)
            if definitions is not None and found is None:
                raise ValueError(f"the command has no option {name!r}")
            otype = found["type"] if found else _infer_option_type(value)
            if found and found.get("choices") and name != focused:
                allowed = [c["value"] for c in found["choices"]]
                if value not in allowed:
                    raise ValueError(f"{value!r} is not one of the choices of {name!r}")
            opt: dict[str, Any] = {"name": name, "type": otype}
            if name == focused:
                opt["value"] = str(value)
                opt["focused"] = True
            else:
                opt["value"] = self._option_value(otype, value, resolved)
            out.append(opt)
        return out

    def _option_value(self, otype: int, value: Any, resolved: dict[str, dict[str, Any]]) -> Any:
        if otype in (OPT_USER, OPT_MENTIONABLE) and isinstance(value, FakeUser):
            resolved.setdefault("users", {})[str(value.id)] = value.to_payload()
            member = self.member_of(value)
            if member is not None:
                resolved.setdefault("members", {})[str(value.id)] = {
                    **member.to_payload(with_user=False),
                    "permissions": str(self.guild.member_permissions(member)),
                }
            return str(value.id)
        if otype in (OPT_ROLE, OPT_MENTIONABLE) and isinstance(value, FakeRole):
            resolved.setdefault("roles", {})[str(value.id)] = value.to_payload()
            return str(value.id)
        if otype == OPT_CHANNEL and isinstance(value, FakeChannel):
            resolved.setdefault("channels", {})[str(value.id)] = {
                **value.to_payload(),
                "permissions": str(Perm.MEMBER_DEFAULT),
            }
            return str(value.id)
        if otype == OPT_ATTACHMENT and isinstance(value, FakeAttachment):
            payload = value.to_payload(self.base_url)
            resolved.setdefault("attachments", {})[str(value.id)] = payload
            return str(value.id)
        if otype == OPT_INTEGER:
            return int(value)
        if otype == OPT_NUMBER:
            return float(value)
        if otype == OPT_BOOLEAN:
            return bool(value)
        if otype in (OPT_USER, OPT_ROLE, OPT_CHANNEL, OPT_MENTIONABLE):
            return str(value)
        return value

    def _command_data(
        self,
        name: str,
        options: dict[str, Any] | list[dict[str, Any]] | None,
        subcommand: str | None,
        guild: bool | FakeGuild,
        focused: str | None,
    ) -> dict[str, Any]:
        cmd = self._find_command(name, 1, guild)
        resolved: dict[str, dict[str, Any]] = {}
        definitions: list[dict[str, Any]] | None = (
            list(cmd.get("options") or []) if cmd is not None else None
        )
        path = subcommand.split() if subcommand else []
        wrappers: list[tuple[str, int]] = []
        for part in path:
            d = next((o for o in definitions or [] if o["name"] == part), None)
            if definitions is not None and d is None:
                raise ValueError(f"/{name} has no subcommand {part!r}")
            kind = (
                d["type"] if d else (OPT_SUB_COMMAND if part == path[-1] else OPT_SUB_COMMAND_GROUP)
            )
            wrappers.append((part, kind))
            definitions = list(d.get("options") or []) if d else None
        built = self._build_options(definitions, options, resolved, focused)
        for part, kind in reversed(wrappers):
            built = [{"name": part, "type": kind, "options": built}]
        data: dict[str, Any] = {
            "id": cmd["id"] if cmd else str(next_snowflake()),
            "name": name,
            "type": 1,
        }
        if built:
            data["options"] = built
        if cmd is not None and cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    async def send_slash_command(
        self,
        user: FakeUser,
        name: str,
        options: dict[str, Any] | list[dict[str, Any]] | None = None,
        *,
        guild: bool | FakeGuild = True,
        locale: str = "en-US",
        subcommand: str | None = None,
        channel: FakeChannel | None = None,
    ) -> DispatchedInteraction:
        """Dispatch a CHAT_INPUT application command. ``subcommand`` is "sub" or
        "group sub"; ``guild`` a FakeGuild for one other than the first (``add_guild``).
        Option types come from the registered command when there is one (else from the
        Python value); a FakeUser / FakeRole / FakeChannel value is sent as an id with
        ``resolved`` data."""
        data = self._command_data(name, options, subcommand, guild, None)
        state, _ = self._interaction_base(
            APPLICATION_COMMAND, user, guild=guild, channel=channel, locale=locale, data=data
        )
        return self._dispatch_interaction(state)

    async def send_autocomplete(
        self,
        user: FakeUser,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        focused: str,
        guild: bool | FakeGuild = True,
        locale: str = "en-US",
        subcommand: str | None = None,
        channel: FakeChannel | None = None,
    ) -> DispatchedInteraction:
        """Dispatch APPLICATION_COMMAND_AUTOCOMPLETE with ``options[focused]`` as typed."""
        options = dict(options or {})
        options.setdefault(focused, "")
        data = self._command_data(name, options, subcommand, guild, focused)
        state, _ = self._interaction_base(
            APPLICATION_COMMAND_AUTOCOMPLETE,
            user,
            guild=guild,
            channel=channel,
            locale=locale,
            data=data,
        )
        return self._dispatch_interaction(state)

    def _message_for_component(
        self, custom_id: str, message: StoredMessage | int | dict[str, Any] | None
    ) -> dict[str, Any] | None:
        if isinstance(message, dict):
            return message
        if isinstance(message, StoredMessage):
            return message.payload
        if isinstance(message, int):
            stored = self.messages.get(message)
            if stored is None:
                raise ValueError(f"no message {message}")
            return stored.payload
        for stored in reversed(list(self.messages.values())):
            if stored.by_bot and not stored.deleted and custom_id in stored.custom_ids():
                return stored.payload
        return None

    async def send_component(
        self,
        user: FakeUser,
        custom_id: str,
        *,
        component_type: int = 2,
        values: list[str] | None = None,
        message: StoredMessage | int | dict[str, Any] | None = None,
        locale: str = "en-US",
    ) -> DispatchedInteraction:
        """Dispatch a MESSAGE_COMPONENT interaction (button 2, string select 3...).

        ``message`` is the message carrying the component; by default the latest bot
        message with that custom id (a message is synthesised when there is none, as
        for a persistent button on a message from before a restart)."""
        msg = self._message_for_component(custom_id, message)
        if msg is None:
            msg = self._synthetic_message(custom_id, component_type)
        channel = self.channels.get(int(msg["channel_id"]))
        guild: FakeGuild | None = None
        if channel is not None and channel.guild_id is not None:
            guild = self.get_guild(channel.guild_id)
        if channel is None:
            channel = self.dm_channel_for(user)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if component_type != 2:
            data["values"] = list(values or [])
        state, _ = self._interaction_base(
            MESSAGE_COMPONENT,
            user,
            guild=guild,
            channel=channel,
            locale=locale,
            data=data,
            message=msg,
        )
        state.original_message_id = int(msg["id"])
        return self._dispatch_interaction(state)

    async def send_button(
        self,
        user: FakeUser,
        custom_id: str,
        *,
        message: StoredMessage | int | dict[str, Any] | None = None,
        locale: str = "en-US",
    ) -> DispatchedInteraction:
        return await self.send_component(user, custom_id, message=message, locale=locale)

    async def send_select(
        self,
        user: FakeUser,
        custom_id: str,
        values: list[str],
        *,
        message: StoredMessage | int | dict[str, Any] | None = None,
        locale: str = "en-US",
    ) -> DispatchedInteraction:
        return await self.send_component(
            user, custom_id, component_type=3, values=values, message=message, locale=locale
        )

    def _synthetic_message(self, custom_id: str, component_type: int) -> dict[str, Any]:
        button: dict[str, Any] = {"type": 2, "style": 1, "label": "button", "custom_id": custom_id}
        if component_type != 2:
            button = {"type": component_type, "custom_id": custom_id, "options": []}
        msg = self._make_message(
            self.general,
            {"content": "", "components": [{"type": 1, "components": [button]}]},
            author=self.bot_user,
        )
        self.messages[int(msg["id"])] = StoredMessage(msg, by_bot=False, source="synthetic")
        return msg

    def _find_modal(
        self, user: FakeUser, custom_id: str
    ) -> tuple[dict[str, Any], InteractionState] | None:
        for r in reversed(self.requests):
            if r.route != "interaction_callback" or not r.ok or not isinstance(r.json, dict):
                continue
            if r.json.get("type") != CB_MODAL:
                continue
            data = r.json.get("data") or {}
            state = self.interactions.get(int(r.params["interaction_id"]))
            if (
                data.get("custom_id") == custom_id
                and state is not None
                and state.user.id == user.id
            ):
                return data, state
        return None

    async def send_modal_submit(
        self,
        user: FakeUser,
        custom_id: str,
        fields: dict[str, Any] | None = None,
        *,
        locale: str = "en-US",
        guild: bool | FakeGuild | None = None,
    ) -> DispatchedInteraction:
        """Dispatch MODAL_SUBMIT for the modal the bot opened for ``user``.

        ``fields`` maps each input's custom id to its value (str for text inputs and
        radio groups, list[str] for selects / checkbox groups, bool for checkboxes).
        The submitted components mirror the modal's layout (action rows or labels), and
        Discord's client-side rules are applied: a required input left empty, or a
        value outside min/max length, raises ValueError (the user could not submit)."""
        fields = dict(fields or {})
        found = self._find_modal(user, custom_id)
        origin: InteractionState | None = None
        if found is None:
            components = [
                {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
                for k, v in fields.items()
            ]
        else:
            modal, origin = found
            components = [_submitted(c, fields) for c in modal.get("components") or []]
            unknown = set(fields) - {
                c.get("custom_id") for c in walk_components(modal.get("components") or [])
            }
            if unknown:
                raise ValueError(f"the modal has no inputs {sorted(unknown)}")
        if guild is None and origin is not None:
            guild = self.get_guild(origin.guild_id) if origin.guild_id is not None else False
        elif guild is None:
            guild = True
        channel = self.channels.get(origin.channel_id) if origin is not None else None
        message = None
        if origin is not None and origin.type == MESSAGE_COMPONENT:
            message = origin.payload.get("message")
        state, _ = self._interaction_base(
            MODAL_SUBMIT,
            user,
            guild=guild,
            channel=channel,
            locale=locale,
            data={"custom_id": custom_id, "components": components},
            message=message,
        )
        if message is not None:
            state.original_message_id = int(message["id"])
        return self._dispatch_interaction(state)

    async def send_dm(self, user: FakeUser, content: str, **extra: Any) -> StoredMessage:
        """A user's DM to the bot (MESSAGE_CREATE in the DM channel).

        Needs the DIRECT_MESSAGES intent; DM content is delivered without the
        privileged message-content intent, as on Discord."""
        channel = self.dm_channel_for(user)
        msg = self._make_message(channel, {"content": content, **extra}, author=user)
        msg["channel_type"] = DM
        stored = StoredMessage(msg, by_bot=False, source="gateway")
        self.messages[stored.id] = stored
        if self.gateway.session is not None and not self.gateway.intents & INTENT_DIRECT_MESSAGES:
            self.suppressed_dispatches.append(("MESSAGE_CREATE", "no DIRECT_MESSAGES intent"))
            return stored
        self.gateway.dispatch("MESSAGE_CREATE", msg)
        return stored

    async def send_channel_message(
        self, user: FakeUser, channel: FakeChannel, content: str, **extra: Any
    ) -> StoredMessage:
        """A member's message in a guild channel or thread (MESSAGE_CREATE).

        Without the MESSAGE_CONTENT intent the bot gets empty content, as on Discord,
        unless the message mentions the bot."""
        member = self.member_of(user)
        msg = self._make_message(channel, {"content": content, **extra}, author=user)
        if member is not None:
            msg["member"] = member.to_payload(with_user=False)
        stored = StoredMessage(msg, by_bot=False, source="gateway")
        self.messages[stored.id] = stored
        intents = self.gateway.intents
        if self.gateway.session is not None and not intents & INTENT_GUILD_MESSAGES:
            self.suppressed_dispatches.append(("MESSAGE_CREATE", "no GUILD_MESSAGES intent"))
            return stored
        delivered = dict(msg)
        mentioned = any(int(u["id"]) == self.bot_user.id for u in msg["mentions"])
        if not intents & INTENT_MESSAGE_CONTENT and not mentioned:
            delivered.update(content="", embeds=[], attachments=[], components=[])
        self.gateway.dispatch("MESSAGE_CREATE", delivered)
        return stored

    # =================================================================================
    # REST plumbing
    # =================================================================================

    def _add(
        self, method: str, pattern: str, name: str, handler: Handler, auth: bool = True
    ) -> None:
        regex = re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern))
        self._routes.append(_Route(method, regex, name, handler, auth))

    def _build_routes(self) -> None:
        a = self._add
        a("GET", "/gateway", "get_gateway", self._get_gateway, auth=False)
        a("GET", "/gateway/bot", "get_gateway_bot", self._get_gateway_bot)
        a("GET", "/users/@me", "get_me", self._get_me)
        a("GET", "/oauth2/applications/@me", "get_application", self._get_application)
        a("GET", "/applications/@me", "get_application", self._get_application)
        a("GET", "/users/{user_id}", "get_user", self._get_user)
        a("POST", "/users/@me/channels", "create_dm", self._create_dm)
        for scope, prefix in (
            ("global", "/applications/{app_id}/commands"),
            ("guild", "/applications/{app_id}/guilds/{guild_id}/commands"),
        ):
            a("GET", prefix, f"{scope}_commands_list", self._commands_list)
            a("PUT", prefix, f"{scope}_commands_put", self._commands_put)
            a("POST", prefix, f"{scope}_commands_create", self._commands_create)
            a("GET", prefix + "/{command_id}", f"{scope}_command_get", self._command_get)
            a("PATCH", prefix + "/{command_id}", f"{scope}_command_edit", self._command_edit)
            a("DELETE", prefix + "/{command_id}", f"{scope}_command_delete", self._command_delete)
        a(
            "GET",
            "/applications/{app_id}/guilds/{guild_id}/commands/permissions",
            "guild_command_permissions",
            self._command_permissions,
        )
        a(
            "POST",
            "/interactions/{interaction_id}/{token}/callback",
            "interaction_callback",
            self._interaction_callback,
            auth=False,
        )
        w = "/webhooks/{app_id}/{token}"
        a("POST", w, "webhook_followup", self._webhook_execute, auth=False)
        for mid in ("@original", "{message_id}"):
            a("GET", w + f"/messages/{mid}", "webhook_get", self._webhook_get, auth=False)
            a("PATCH", w + f"/messages/{mid}", "webhook_edit", self._webhook_edit, auth=False)
            a("DELETE", w + f"/messages/{mid}", "webhook_delete", self._webhook_delete, auth=False)
        c = "/channels/{channel_id}"
        a("GET", c, "get_channel", self._get_channel)
        a("PATCH", c, "edit_channel", self._edit_channel)
        a("POST", c + "/typing", "typing", self._typing)
        a("GET", c + "/messages", "list_messages", self._list_messages)
        a("POST", c + "/messages", "create_message", self._create_message)
        a("GET", c + "/messages/{message_id}", "get_message", self._get_message)
        a("PATCH", c + "/messages/{message_id}", "edit_message", self._edit_message)
        a("DELETE", c + "/messages/{message_id}", "delete_message", self._delete_message)
        a("POST", c + "/threads", "create_thread", self._create_thread)
        a(
            "POST",
            c + "/messages/{message_id}/threads",
            "create_thread_from_message",
            self._create_thread_from_message,
        )
        a("PUT", c + "/thread-members/{user_id}", "add_thread_member", self._add_thread_member)
        a(
            "DELETE",
            c + "/thread-members/{user_id}",
            "remove_thread_member",
            self._remove_thread_member,
        )
        a("GET", c + "/thread-members", "list_thread_members", self._list_thread_members)
        a("GET", "/guilds/{guild_id}", "get_guild", self._get_guild)
        a("GET", "/guilds/{guild_id}/channels", "get_guild_channels", self._get_guild_channels)
        a("GET", "/guilds/{guild_id}/roles", "get_guild_roles", self._get_guild_roles)
        a("GET", "/guilds/{guild_id}/members/{user_id}", "get_member", self._get_member)

    async def _handle_rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        body: Any = None
        files: list[str] = []
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith("application/json"):
            raw = await request.read()
            body = json.loads(raw) if raw else None
        elif ctype.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                name = getattr(part, "name", None)
                if name == "payload_json":
                    body = json.loads(await part.text())  # type: ignore[union-attr]
                else:
                    files.append(getattr(part, "filename", None) or str(name))
                    data = await part.read()  # type: ignore[union-attr]
                    self.uploads.append((files[-1], bytes(data)))
        elif request.can_read_body:
            text = await request.text()
            body = text or None
        headers = {
            k: request.headers[k]
            for k in ("Authorization", "Content-Type", "User-Agent", "X-Audit-Log-Reason")
            if k in request.headers
        }
        route: _Route | None = None
        params: dict[str, str] = {}
        for candidate in self._routes:
            if candidate.method != request.method:
                continue
            m = candidate.regex.fullmatch(path)
            if m:
                route, params = candidate, m.groupdict()
                break
        record = RecordedRequest(
            index=len(self.requests),
            method=request.method,
            path=path,
            route=route.name if route else None,
            params=params,
            query=dict(request.query),
            json=body,
            headers=headers,
            files=files,
            at=self.clock.now(),
        )
        extra_headers: dict[str, str] = {}
        hold = next((h for h in self.holds if h.matches(request.method, path)), None)
        if hold is not None:
            hold.reached.set()
            await hold.release.wait()
        fault = next((f for f in self.faults if f.matches(request.method, path)), None)
        if fault is not None:
            fault.hits.append(record)
            record.injected = True
            status, payload, extra_headers = self._fault_response(fault)
        elif route is None:
            status, payload = 404, {"message": "404: Not Found", "code": 0}
        elif route.auth and headers.get("Authorization") != f"Bot {self.token}":
            status, payload = 401, {"message": "401: Unauthorized", "code": 0}
        else:
            try:
                status, payload = await route.handler(record)
            except DiscordError as exc:
                status, payload = exc.status, exc.body()
        record.status = status
        record.response = payload
        self.request_log.append(record)
        if status == 204 or payload is None:
            return web.Response(status=204 if status < 300 else status, headers=extra_headers)
        return web.Response(
            status=status,
            body=json.dumps(payload).encode(),
            content_type="application/json",
            headers=extra_headers,
        )

    def _fault_response(self, fault: Fault) -> tuple[int, Any, dict[str, str]]:
        if fault.status == 429:
            reset_at = dt.datetime.now(dt.UTC).timestamp() + fault.retry_after
            body = fault.body or {
                "message": "You are being rate limited.",
                "retry_after": fault.retry_after,
                "global": fault.is_global,
                "code": 0,
            }
            headers = {
                "Retry-After": str(max(1, math.ceil(fault.retry_after))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{reset_at:.3f}",
                "X-RateLimit-Reset-After": f"{fault.retry_after:.3f}",
                "X-RateLimit-Bucket": "standin-" + secrets.token_hex(8),
                "X-RateLimit-Scope": "shared" if not fault.is_global else "global",
                # discord.py treats a 429 without Via as a Cloudflare ban and gives up.
                "Via": "1.1 google",
            }
            if fault.is_global:
                headers["X-RateLimit-Global"] = "true"
            return 429, body, headers
        body = fault.body or {"message": f"{fault.status}: injected by the stand-in", "code": 0}
        return fault.status, body, {}

    # =================================================================================
    # REST handlers: identity, gateway, commands
    # =================================================================================

    async def _get_gateway(self, r: RecordedRequest) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    async def _get_gateway_bot(self, r: RecordedRequest) -> tuple[int, Any]:
        return 200, {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 86_400_000,
                "max_concurrency": 1,
            },
        }

    async def _get_me(self, r: RecordedRequest) -> tuple[int, Any]:
        return 200, {
            **self.bot_user.to_payload(),
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
        }

    async def _get_application(self, r: RecordedRequest) -> tuple[int, Any]:
        return 200, {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "Upstander test application",
            "summary": "",
            "type": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "owner": self.owner.to_payload(),
            "team": None,
            "verify_key": "0" * 64,
            "flags": 1 << 23,
            "rpc_origins": [],
            "interactions_endpoint_url": None,
            "bot": self.bot_user.to_payload(),
            "approximate_guild_count": len(self.guilds),
            "redirect_uris": [],
            "tags": [],
            "integration_types_config": {"0": {}},
        }

    async def _get_user(self, r: RecordedRequest) -> tuple[int, Any]:
        user = self.users.get(int(r.params["user_id"]))
        if user is None:
            raise DiscordError(404, 10013, "Unknown User")
        return 200, user.to_payload()

    async def _create_dm(self, r: RecordedRequest) -> tuple[int, Any]:
        body = r.json or {}
        try:
            user = self.users[int(body.get("recipient_id", 0))]
        except (KeyError, ValueError, TypeError):
            raise invalid_form(["recipient_id: unknown user"]) from None
        return 200, self.dm_channel_for(user).to_payload()

    def _command_store(self, r: RecordedRequest) -> dict[int, dict[str, Any]]:
        if int(r.params["app_id"]) != self.application_id:
            raise DiscordError(404, 10002, "Unknown Application")
        if "guild_id" in r.params:
            gid = int(r.params["guild_id"])
            if self.get_guild(gid) is None:
                raise DiscordError(404, 10004, "Unknown Guild")
            return self.guild_commands.setdefault(gid, {})
        return self.global_commands

    def _stored_command(
        self, r: RecordedRequest, body: dict[str, Any], cid: int | None
    ) -> dict[str, Any]:
        problems = rules.check_command(body)
        if problems:
            raise invalid_form(problems)
        cmd = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            "name_localizations": None,
            "description_localizations": None,
            "contexts": None,
            "integration_types": [0],
            **body,
            "id": str(cid or next_snowflake()),
            "application_id": str(self.application_id),
            "version": str(next_snowflake()),
        }
        if "guild_id" in r.params:
            cmd["guild_id"] = r.params["guild_id"]
        return cmd

    async def _commands_list(self, r: RecordedRequest) -> tuple[int, Any]:
        return 200, list(self._command_store(r).values())

    async def _commands_put(self, r: RecordedRequest) -> tuple[int, Any]:
        store = self._command_store(r)
        body = r.json if isinstance(r.json, list) else None
        if body is None:
            raise invalid_form(["the body must be a list of commands"])
        limit = 100
        if len([c for c in body if c.get("type", 1) == 1]) > limit:
            raise invalid_form([f"more than {limit} slash commands"])
        seen: set[tuple[str, int]] = set()
        for c in body:
            key = (c.get("name"), c.get("type", 1))
            if key in seen:
                raise invalid_form([f"duplicate command name {key[0]!r}"])
            seen.add(key)
        by_key = {(c["name"], c.get("type", 1)): int(cid) for cid, c in store.items()}
        new = [
            self._stored_command(r, c, by_key.get((c.get("name"), c.get("type", 1)))) for c in body
        ]
        store.clear()
        store.update({int(c["id"]): c for c in new})
        return 200, new

    async def _commands_create(self, r: RecordedRequest) -> tuple[int, Any]:
        store = self._command_store(r)
        body = r.json if isinstance(r.json, dict) else {}
        existing = next(
            (
                cid
                for cid, c in store.items()
                if c["name"] == body.get("name") and c.get("type", 1) == body.get("type", 1)
            ),
            None,
        )
        cmd = self._stored_command(r, body, existing)
        store[int(cmd["id"])] = cmd
        return (200 if existing else 201), cmd

    def _one_command(self, r: RecordedRequest) -> tuple[dict[int, dict[str, Any]], int]:
        store = self._command_store(r)
        cid = int(r.params["command_id"])
        if cid not in store:
            raise DiscordError(404, 10063, "Unknown application command")
        return store, cid

    async def _command_get(self, r: RecordedRequest) -> tuple[int, Any]:
        store, cid = self._one_command(r)
        return 200, store[cid]

    async def _command_edit(self, r: RecordedRequest) -> tuple[int, Any]:
        store, cid = self._one_command(r)
        merged = {**store[cid], **(r.json or {})}
        for key in ("id", "application_id", "version", "guild_id"):
            merged.pop(key, None)
        store[cid] = self._stored_command(r, merged, cid)
        return 200, store[cid]

    async def _command_delete(self, r: RecordedRequest) -> tuple[int, Any]:
        store, cid = self._one_command(r)
        del store[cid]
        return 204, None

    async def _command_permissions(self, r: RecordedRequest) -> tuple[int, Any]:
        return 200, []

    # =================================================================================
    # REST handlers: interactions and webhooks
    # =================================================================================

    def _interaction_for_callback(self, r: RecordedRequest) -> InteractionState:
        try:
            state = self.interactions[int(r.params["interaction_id"])]
        except (KeyError, ValueError):
            raise unknown_interaction() from None
        if state.token != r.params["token"]:
            raise unknown_interaction()
        if state.dispatched_at is None:
            raise unknown_interaction()
        return state

    async def _interaction_callback(self, r: RecordedRequest) -> tuple[int, Any]:
        state = self._interaction_for_callback(r)
        now = self.clock.now()
        assert state.dispatched_at is not None
        if state.response_type is not None:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        if now - state.dispatched_at > INTERACTION_DEADLINE_S:
            raise unknown_interaction()
        body = r.json if isinstance(r.json, dict) else {}
        ctype = body.get("type")
        data = body.get("data") or {}
        allowed: dict[int, tuple[int, ...]] = {
            CB_PONG: (PING,),
            CB_CHANNEL_MESSAGE: (APPLICATION_COMMAND, MESSAGE_COMPONENT, MODAL_SUBMIT),
            CB_DEFERRED_CHANNEL_MESSAGE: (APPLICATION_COMMAND, MESSAGE_COMPONENT, MODAL_SUBMIT),
            CB_DEFERRED_UPDATE_MESSAGE: (MESSAGE_COMPONENT, MODAL_SUBMIT),
            CB_UPDATE_MESSAGE: (MESSAGE_COMPONENT, MODAL_SUBMIT),
            CB_AUTOCOMPLETE_RESULT: (APPLICATION_COMMAND_AUTOCOMPLETE,),
            CB_MODAL: (APPLICATION_COMMAND, MESSAGE_COMPONENT),
        }
        if not isinstance(ctype, int) or ctype not in allowed:
            raise invalid_form([f"type: {ctype!r} is not a valid interaction callback type"])
        if state.type not in allowed[ctype]:
            raise DiscordError(
                400,
                50035,
                f"Interaction callback type {ctype} is not valid for interaction type {state.type}",
            )
        if (
            ctype in (CB_DEFERRED_UPDATE_MESSAGE, CB_UPDATE_MESSAGE)
            and state.original_message_id is None
        ):
            raise DiscordError(400, 50035, "This interaction has no message to update")
        channel = self.channels[state.channel_id]
        resource: dict[str, Any] | None = None
        if ctype == CB_CHANNEL_MESSAGE:
            problems = rules.check_message(data, files=len(r.files))
            if problems:
                raise invalid_form(problems)
            msg = self._make_message(
                channel, data, author=self.bot_user, interaction=state, files=r.files
            )
            self._store_bot_message(msg, state, "interaction")
            state.original_message_id = int(msg["id"])
            resource = {"type": ctype, "message": msg}
        elif ctype == CB_DEFERRED_CHANNEL_MESSAGE:
            flags = (data.get("flags") or 0) & rules.FLAG_EPHEMERAL
            msg = self._make_message(
                channel,
                {"content": "", "flags": flags | rules.FLAG_LOADING},
                author=self.bot_user,
                interaction=state,
            )
            self._store_bot_message(msg, state, "interaction")
            state.original_message_id = int(msg["id"])
            state.loading = True
            state.deferred_ephemeral = bool(flags)
            resource = {"type": ctype, "message": msg}
        elif ctype == CB_UPDATE_MESSAGE:
            problems = rules.check_message(data, edit=True)
            if problems:
                raise invalid_form(problems)
            assert state.original_message_id is not None
            stored = self._stored_or_import(state)
            self._apply_edit(stored, data)
            resource = {"type": ctype, "message": stored.payload}
        elif ctype == CB_AUTOCOMPLETE_RESULT:
            problems = rules.check_autocomplete(data)
            if problems:
                raise invalid_form(problems)
        elif ctype == CB_MODAL:
            problems = rules.check_modal(data)
            if problems:
                raise invalid_form(problems)
        state.response_type = ctype
        state.responded_at = now
        if r.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        original = (
            self.messages.get(state.original_message_id) if state.original_message_id else None
        )
        interaction = {
            "id": str(state.id),
            "type": state.type,
            "response_message_id": str(original.id)
            if original is not None
            and ctype in (CB_CHANNEL_MESSAGE, CB_DEFERRED_CHANNEL_MESSAGE, CB_UPDATE_MESSAGE)
            else None,
            "response_message_loading": ctype == CB_DEFERRED_CHANNEL_MESSAGE,
            "response_message_ephemeral": bool(original is not None and original.ephemeral)
            if ctype in (CB_CHANNEL_MESSAGE, CB_DEFERRED_CHANNEL_MESSAGE)
            else False,
        }
        out: dict[str, Any] = {"interaction": interaction}
        if resource is not None:
            out["resource"] = resource
        return 200, out

    def _stored_or_import(self, state: InteractionState) -> StoredMessage:
        assert state.original_message_id is not None
        stored = self.messages.get(state.original_message_id)
        if stored is None:
            msg = state.payload.get("message") or {}
            stored = StoredMessage(dict(msg), by_bot=True, source="channel")
            self.messages[state.original_message_id] = stored
        return stored

    def _interaction_for_webhook(self, r: RecordedRequest) -> InteractionState:
        if int(r.params["app_id"]) != self.application_id:
            raise unknown_webhook()
        state = next((s for s in self.interactions.values() if s.token == r.params["token"]), None)
        if state is None or state.response_type is None:
            raise unknown_webhook()
        base = state.dispatched_at if state.dispatched_at is not None else state.created_at
        if self.clock.now() - base > INTERACTION_TOKEN_TTL_S:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        return state

    def _webhook_message(self, r: RecordedRequest, state: InteractionState) -> StoredMessage:
        mid_param = r.params.get("message_id")
        if mid_param is None:  # @original
            if state.original_message_id is None:
                raise unknown_message()
            return self._stored_or_import(state)
        stored = self.messages.get(int(mid_param))
        if stored is None or stored.deleted or stored.interaction_id != state.id:
            raise unknown_message()
        return stored

    async def _webhook_execute(self, r: RecordedRequest) -> tuple[int, Any]:
        state = self._interaction_for_webhook(r)
        body = r.json if isinstance(r.json, dict) else {}
        problems = rules.check_message(body, files=len(r.files))
        if problems:
            raise invalid_form(problems)
        if state.loading and state.original_message_id is not None:
            # The first follow-up after a deferred reply replaces the "thinking" message.
            stored = self.messages[state.original_message_id]
            flags = rules.FLAG_EPHEMERAL if state.deferred_ephemeral else 0
            self._apply_edit(stored, {**body, "flags": (body.get("flags") or 0) | flags})
            stored.payload["flags"] = (stored.payload.get("flags") or 0) & ~rules.FLAG_LOADING
            state.loading = False
            return 200, stored.payload
        channel = self.channels[state.channel_id]
        msg = self._make_message(
            channel, body, author=self.bot_user, interaction=state, files=r.files
        )
        msg["webhook_id"] = str(self.application_id)
        self._store_bot_message(msg, state, "followup")
        if r.query.get("wait") in ("true", "1", "True"):
            return 200, msg
        return 204, None

    async def _webhook_get(self, r: RecordedRequest) -> tuple[int, Any]:
        state = self._interaction_for_webhook(r)
        return 200, self._webhook_message(r, state).payload

    async def _webhook_edit(self, r: RecordedRequest) -> tuple[int, Any]:
        state = self._interaction_for_webhook(r)
        stored = self._webhook_message(r, state)
        body = r.json if isinstance(r.json, dict) else {}
        problems = rules.check_message(body, edit=True)
        if problems:
            raise invalid_form(problems)
        self._apply_edit(stored, body)
        if stored.id == state.original_message_id and state.loading:
            stored.payload["flags"] = (stored.payload.get("flags") or 0) & ~rules.FLAG_LOADING
            state.loading = False
        return 200, stored.payload

    async def _webhook_delete(self, r: RecordedRequest) -> tuple[int, Any]:
        state = self._interaction_for_webhook(r)
        stored = self._webhook_message(r, state)
        stored.deleted = True
        return 204, None

    # =================================================================================
    # REST handlers: channels, messages, threads, guilds
    # =================================================================================

    def _channel(self, r: RecordedRequest) -> FakeChannel:
        try:
            return self.channels[int(r.params["channel_id"])]
        except (KeyError, ValueError):
            raise unknown_channel() from None

    async def _get_channel(self, r: RecordedRequest) -> tuple[int, Any]:
        return 200, self._channel(r).to_payload()

    async def _edit_channel(self, r: RecordedRequest) -> tuple[int, Any]:
        channel = self._channel(r)
        body = r.json if isinstance(r.json, dict) else {}
        if "name" in body:
            channel.name = body["name"]
        payload = channel.to_payload()
        if channel.is_thread:
            meta = payload["thread_metadata"]
            for key in ("archived", "locked"):
                if key in body:
                    meta[key] = bool(body[key])
            self.gateway.dispatch("THREAD_UPDATE", payload)
        return 200, payload

    async def _typing(self, r: RecordedRequest) -> tuple[int, Any]:
        self._channel(r)
        return 204, None

    async def _list_messages(self, r: RecordedRequest) -> tuple[int, Any]:
        channel = self._channel(r)
        limit = int(r.query.get("limit", 50))
        msgs = [
            m.payload
            for m in self.messages.values()
            if m.channel_id == channel.id and not m.deleted
        ]
        return 200, list(reversed(msgs))[:limit]

    def _require_bot_permission(self, channel: FakeChannel, needed: int) -> None:
        """403 Missing Access / Missing Permissions when the bot could not do this."""
        if channel.guild_id is None:
            return
        guild = self.get_guild(channel.guild_id)
        member = guild.members.get(self.bot_user.id) if guild else None
        if guild is None or member is None:
            raise DiscordError(403, 50001, "Missing Access")
        perms = guild.channel_permissions(member, channel)
        if not perms & Perm.VIEW_CHANNEL:
            raise DiscordError(403, 50001, "Missing Access")
        if perms & needed != needed:
            raise DiscordError(403, 50013, "Missing Permissions")

    async def _create_message(self, r: RecordedRequest) -> tuple[int, Any]:
        channel = self._channel(r)
        body = r.json if isinstance(r.json, dict) else {}
        self._require_bot_permission(
            channel, Perm.SEND_MESSAGES_IN_THREADS if channel.is_thread else Perm.SEND_MESSAGES
        )
        if (
            channel.type == DM
            and channel.recipient is not None
            and not channel.recipient.accepts_dms
        ):
            raise DiscordError(403, 50007, "Cannot send messages to this user")
        problems = rules.check_message(body, files=len(r.files))
        if problems:
            raise invalid_form(problems)
        msg = self._make_message(channel, body, author=self.bot_user, files=r.files)
        self._store_bot_message(msg, None, "channel")
        return 200, msg

    def _channel_message(self, r: RecordedRequest) -> StoredMessage:
        channel = self._channel(r)
        stored = self.messages.get(int(r.params["message_id"]))
        if stored is None or stored.deleted or stored.channel_id != channel.id:
            raise unknown_message()
        if stored.ephemeral:
            # Ephemeral messages exist only for the interaction's webhook routes.
            raise unknown_message()
        return stored

    async def _get_message(self, r: RecordedRequest) -> tuple[int, Any]:
        return 200, self._channel_message(r).payload

    async def _edit_message(self, r: RecordedRequest) -> tuple[int, Any]:
        stored = self._channel_message(r)
        if int(stored.payload["author"]["id"]) != self.bot_user.id:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        body = r.json if isinstance(r.json, dict) else {}
        problems = rules.check_message(body, edit=True)
        if problems:
            raise invalid_form(problems)
        self._apply_edit(stored, body)
        return 200, stored.payload

    async def _delete_message(self, r: RecordedRequest) -> tuple[int, Any]:
        stored = self._channel_message(r)
        if self._channel(r).type == DM and int(stored.payload["author"]["id"]) != self.bot_user.id:
            # In a DM a bot deletes only its own messages: Discord's rule.
            raise DiscordError(403, 50003, "Cannot execute action on a DM channel")
        stored.deleted = True
        return 204, None

    def _new_thread(
        self, parent: FakeChannel, body: dict[str, Any], ttype: int, tid: int | None
    ) -> FakeChannel:
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= rules.THREAD_NAME_MAX:
            raise invalid_form([f"name must be 1..{rules.THREAD_NAME_MAX} characters"])
        if parent.type != GUILD_TEXT:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        self._require_bot_permission(
            parent,
            Perm.CREATE_PRIVATE_THREADS if ttype == PRIVATE_THREAD else Perm.CREATE_PUBLIC_THREADS,
        )
        thread = FakeChannel(
            name=name,
            type=ttype,
            id=tid or next_snowflake(),
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=self.bot_user.id,
            invitable=bool(body.get("invitable", True)),
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
            member_ids={self.bot_user.id},
        )
        self.channels[thread.id] = thread
        self.guild.channels.append(thread)
        payload = thread.to_payload()
        if self.gateway.intents & INTENT_GUILDS:
            self.gateway.dispatch("THREAD_CREATE", {**payload, "newly_created": True})
        return thread

    async def _create_thread(self, r: RecordedRequest) -> tuple[int, Any]:
        parent = self._channel(r)
        body = r.json if isinstance(r.json, dict) else {}
        ttype = int(body.get("type") or PRIVATE_THREAD)
        if ttype not in (PUBLIC_THREAD, PRIVATE_THREAD):
            raise invalid_form(["type must be 11 or 12"])
        return 201, self._new_thread(parent, body, ttype, None).to_payload()

    async def _create_thread_from_message(self, r: RecordedRequest) -> tuple[int, Any]:
        stored = self._channel_message(r)
        if stored.id in self.channels:
            raise DiscordError(400, 160004, "A thread has already been created for this message")
        parent = self._channel(r)
        body = r.json if isinstance(r.json, dict) else {}
        thread = self._new_thread(parent, body, PUBLIC_THREAD, stored.id)
        return 201, thread.to_payload()

    def _thread(self, r: RecordedRequest) -> FakeChannel:
        channel = self._channel(r)
        if not channel.is_thread:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        return channel

    async def _add_thread_member(self, r: RecordedRequest) -> tuple[int, Any]:
        thread = self._thread(r)
        uid = int(r.params["user_id"]) if r.params["user_id"] != "@me" else self.bot_user.id
        if self.member_of(uid) is None:
            raise DiscordError(404, 10007, "Unknown Member")
        thread.member_ids.add(uid)
        return 204, None

    async def _remove_thread_member(self, r: RecordedRequest) -> tuple[int, Any]:
        thread = self._thread(r)
        uid = int(r.params["user_id"]) if r.params["user_id"] != "@me" else self.bot_user.id
        thread.member_ids.discard(uid)
        return 204, None

    async def _list_thread_members(self, r: RecordedRequest) -> tuple[int, Any]:
        thread = self._thread(r)
        return 200, [
            {
                "id": str(thread.id),
                "user_id": str(uid),
                "join_timestamp": thread.created_at,
                "flags": 0,
            }
            for uid in sorted(thread.member_ids)
        ]

    def _guild_param(self, r: RecordedRequest) -> FakeGuild:
        guild = self.get_guild(int(r.params["guild_id"]))
        if guild is None:
            raise DiscordError(404, 10004, "Unknown Guild")
        return guild

    async def _get_guild(self, r: RecordedRequest) -> tuple[int, Any]:
        payload = self._guild_param(r).to_payload()
        for key in ("members", "channels", "threads", "presences", "voice_states", "joined_at"):
            payload.pop(key, None)
        return 200, payload

    async def _get_guild_channels(self, r: RecordedRequest) -> tuple[int, Any]:
        guild = self._guild_param(r)
        return 200, [c.to_payload() for c in guild.channels if not c.is_thread]

    async def _get_guild_roles(self, r: RecordedRequest) -> tuple[int, Any]:
        return 200, [role.to_payload() for role in self._guild_param(r).roles]

    async def _get_member(self, r: RecordedRequest) -> tuple[int, Any]:
        guild = self._guild_param(r)
        member = guild.members.get(int(r.params["user_id"]))
        if member is None:
            raise DiscordError(404, 10007, "Unknown Member")
        return 200, member.to_payload()

    # =================================================================================
    # message building
    # =================================================================================

    def _store_bot_message(
        self, msg: dict[str, Any], state: InteractionState | None, source: str
    ) -> StoredMessage:
        stored = StoredMessage(
            msg, by_bot=True, interaction_id=state.id if state else None, source=source
        )
        if not stored.ephemeral:
            if msg.get("mention_everyone"):
                stored.notified.append(("everyone", None))
            stored.notified.extend(("user", int(u["id"])) for u in msg.get("mentions") or [])
            stored.notified.extend(("role", int(r)) for r in msg.get("mention_roles") or [])
        self.messages[stored.id] = stored
        self._echo(stored, "MESSAGE_CREATE")
        return stored

    def _echo(self, stored: StoredMessage, event: str) -> None:
        """Discord also tells the bot about its own (non-ephemeral) messages and edits."""
        if stored.ephemeral or not stored.by_bot or self.gateway.session is None:
            return
        channel = self.channels.get(stored.channel_id)
        needed = INTENT_DIRECT_MESSAGES if channel and channel.type == DM else INTENT_GUILD_MESSAGES
        if not self.gateway.intents & needed:
            return
        payload = {k: v for k, v in stored.payload.items() if k != "allowed_mentions"}
        self.gateway.dispatch(event, payload)

    def _mentions(self, content: str, allowed: dict[str, Any] | None) -> dict[str, Any]:
        parse = None if allowed is None else set(allowed.get("parse") or [])
        allowed_users = {int(u) for u in (allowed or {}).get("users") or []}
        allowed_roles = {int(x) for x in (allowed or {}).get("roles") or []}
        everyone = ("@everyone" in content or "@here" in content) and (
            parse is None or "everyone" in parse
        )
        users: list[dict[str, Any]] = []
        for uid_text in USER_MENTION_RE.findall(content):
            uid = int(uid_text)
            if parse is None or "users" in parse or uid in allowed_users:
                user = self.users.get(uid)
                if user is not None and all(int(u["id"]) != uid for u in users):
                    users.append(user.to_payload())
        roles = []
        for rid_text in ROLE_MENTION_RE.findall(content):
            rid = int(rid_text)
            if (parse is None or "roles" in parse or rid in allowed_roles) and str(
                rid
            ) not in roles:
                roles.append(str(rid))
        return {"mention_everyone": everyone, "mentions": users, "mention_roles": roles}

    def _make_message(
        self,
        channel: FakeChannel,
        body: dict[str, Any],
        *,
        author: FakeUser,
        interaction: InteractionState | None = None,
        files: list[str] | None = None,
    ) -> dict[str, Any]:
        content = body.get("content") or ""
        attachments = [
            {
                "id": str(next_snowflake()),
                "filename": name,
                "size": 0,
                "url": f"{self.base_url}/attachments/{channel.id}/{name}",
                "proxy_url": f"{self.base_url}/attachments/{channel.id}/{name}",
            }
            for name in files or []
        ]
        msg: dict[str, Any] = {
            "id": str(next_snowflake()),
            "channel_id": str(channel.id),
            "author": author.to_payload(),
            "content": content,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "attachments": attachments,
            "embeds": [_normalise_embed(e) for e in body.get("embeds") or []],
            "components": list(body.get("components") or []),
            "pinned": False,
            "type": 0,
            "flags": int(body.get("flags") or 0),
            "allowed_mentions": body.get("allowed_mentions"),
        }
        msg.update(self._mentions(content, body.get("allowed_mentions")))
        if channel.guild_id is not None:
            msg["guild_id"] = str(channel.guild_id)
        if author.id == self.bot_user.id:
            msg["application_id"] = str(self.application_id)
        if body.get("message_reference"):
            msg["message_reference"] = body["message_reference"]
            msg["type"] = 19
        if interaction is not None:
            msg["webhook_id"] = str(self.application_id)
            msg["type"] = 20 if interaction.type == APPLICATION_COMMAND else 0
            msg["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": interaction.user.to_payload(),
                "authorizing_integration_owners": interaction.payload.get(
                    "authorizing_integration_owners", {}
                ),
            }
        return msg

    def _apply_edit(self, stored: StoredMessage, body: dict[str, Any]) -> None:
        p = stored.payload
        if "content" in body:
            p["content"] = body["content"] or ""
        if "embeds" in body:
            p["embeds"] = [_normalise_embed(e) for e in body["embeds"] or []]
        if "components" in body:
            p["components"] = list(body["components"] or [])
        if "flags" in body and body["flags"] is not None:
            keep = (p.get("flags") or 0) & (rules.FLAG_EPHEMERAL | rules.FLAG_LOADING)
            p["flags"] = int(body["flags"]) | keep
        if "allowed_mentions" in body:
            p["allowed_mentions"] = body["allowed_mentions"]
        p.update(self._mentions(p.get("content") or "", p.get("allowed_mentions")))
        p["edited_timestamp"] = iso_now()
        stored.edits += 1
        self._echo(stored, "MESSAGE_UPDATE")


def _normalise_embed(embed: dict[str, Any]) -> dict[str, Any]:
    return {"type": "rich", **embed}


def _infer_option_type(value: Any) -> int:
    if isinstance(value, bool):
        return OPT_BOOLEAN
    if isinstance(value, int):
        return OPT_INTEGER
    if isinstance(value, float):
        return OPT_NUMBER
    if isinstance(value, FakeUser):
        return OPT_USER
    if isinstance(value, FakeRole):
        return OPT_ROLE
    if isinstance(value, FakeChannel):
        return OPT_CHANNEL
    return OPT_STRING


_TEXT_KEYS = {
    "content",
    "title",
    "description",
    "label",
    "placeholder",
    "text",
    "name",
    "value",
}


def _collect_text(value: Any, out: list[str], key: str | None = None) -> None:
    if isinstance(value, str):
        if key in _TEXT_KEYS:
            out.append(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            if k in ("custom_id", "url", "id", "allowed_mentions", "emoji"):
                continue
            _collect_text(v, out, k)
    elif isinstance(value, list):
        for v in value:
            _collect_text(v, out, key)


def _submitted(component: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """The MODAL_SUBMIT shape of one modal component, filled from ``fields``."""
    ctype = component.get("type")
    if ctype == 1:
        return {
            "type": 1,
            "components": [_submitted(c, fields) for c in component.get("components") or []],
        }
    if ctype == 18:
        out: dict[str, Any] = {"type": 18, "component": _submitted(component["component"], fields)}
        if "id" in component:
            out["id"] = component["id"]
        return out
    cid = component.get("custom_id")
    result: dict[str, Any] = {"type": ctype}
    if "id" in component:
        result["id"] = component["id"]
    if cid is None:
        return result
    result["custom_id"] = cid
    given = fields.get(cid)
    required = component.get("required", True)
    if ctype == 4:
        value = "" if given is None else str(given)
        if required and not value:
            raise ValueError(f"text input {cid!r} is required")
        if value:
            if len(value) > int(component.get("max_length") or rules.TEXT_INPUT_VALUE_MAX):
                raise ValueError(f"text input {cid!r} is longer than its max_length")
            if len(value) < int(component.get("min_length") or 0):
                raise ValueError(f"text input {cid!r} is shorter than its min_length")
        result["value"] = value
    elif ctype in (3, 5, 6, 7, 8, 22):
        values = [] if given is None else list(given)
        if required and not values and component.get("min_values", 1) != 0:
            raise ValueError(f"select {cid!r} is required")
        if ctype == 3:
            valid = {o.get("value") for o in component.get("options") or []}
            bad = [v for v in values if v not in valid]
            if bad:
                raise ValueError(f"{bad} are not options of {cid!r}")
        result["values"] = values
    elif ctype == 21:
        if required and given is None:
            raise ValueError(f"radio group {cid!r} is required")
        result["value"] = given
    elif ctype == 23:
        result["value"] = bool(given)
    return result
