"""A loopback stand-in of Slack's Web API (and of response_url endpoints).

The bot reaches it through ``AsyncWebClient(base_url=standin.api_url, token=...)``.
Every request is recorded as a :class:`Call`; tests read them back with
:meth:`SlackStandIn.calls`, wait for them with :meth:`SlackStandIn.wait_for`, and scan
everything the bot sent with :meth:`SlackStandIn.all_outbound_text`.

Answers follow the shapes of Slack's API reference (docs.slack.dev/reference/methods):
``ok`` plus the documented fields, HTTP 200 for ``ok: false`` errors, HTTP 429 with a
``Retry-After`` header when rate limited.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import itertools
import json
import secrets
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from .clock import Clock, monotonic_clock
from .files import DOWNLOAD_PREFIX, StandInFiles

JSONDict = dict[str, Any]

RESPONSE_URL_METHOD = "response_url"
"""The pseudo method name under which posts to response_urls are recorded."""

TRIGGER_TTL_SECONDS = 3.0
RESPONSE_URL_TTL_SECONDS = 30 * 60.0
RESPONSE_URL_MAX_USES = 5

# Arguments slack_sdk sends as JSON-encoded strings in form bodies (or that a caller may
# pre-encode); the recorder decodes them so that tests see dicts and lists.
_JSON_STRING_ARGS = frozenset({"blocks", "attachments", "view", "metadata", "users"})


@dataclass(frozen=True)
class Call:
    """One request the bot made to the stand-in."""

    seq: int
    method: str
    args: JSONDict
    token: str | None
    http_method: str
    content_type: str
    path: str
    status: int
    response: JSONDict
    received_at: float
    """Event-loop time (``loop.time()``) when the stand-in received the call."""
    peer_port: int | None = None
    """The client's TCP port: calls on one kept-alive connection share it."""

    @property
    def ok(self) -> bool:
        """True when the stand-in answered HTTP 200 with ``ok: true``."""
        return self.status == 200 and bool(self.response.get("ok"))

    def texts(self) -> list[str]:
        """Every human-readable text this call carried (text, block and view texts)."""
        return list(_outbound_texts(self.args))

    def strings(self) -> list[str]:
        """Every string value in the arguments, at any depth (for leak scans)."""
        return list(_all_strings(self.args))


@dataclass
class Fault:
    status: int = 500
    retry_after: int | None = None
    error: str | None = None


@dataclass
class _Trigger:
    issued_at: float
    user_id: str | None
    used: bool = False


@dataclass
class _ResponseUrl:
    issued_at: float
    channel_id: str | None
    user_id: str | None
    uses: int = 0


@dataclass
class Workspace:
    """A workspace that installs the app by OAuth: what ``oauth.v2.access`` answers for it."""

    team_id: str
    team_name: str
    bot_token: str
    bot_user_id: str = "U0BOTUSER"
    bot_id: str = "B0BOTID"
    enterprise_id: str | None = None
    org_wide: bool = False
    installer: str = "U0INSTALL"

    @property
    def key(self) -> str:
        """The id bolt keys the install by: the enterprise's for an org-wide one."""
        return self.enterprise_id if self.org_wide and self.enterprise_id else self.team_id


OAUTH_CODE_TTL_SECONDS = 600.0
OAUTH_METHOD = "oauth.v2.access"


@dataclass
class UserProfile:
    id: str
    name: str
    real_name: str = ""
    display_name: str = ""
    tz: str = "Europe/London"
    tz_label: str = "Greenwich Mean Time"
    tz_offset: int = 0
    locale: str = "en-US"
    is_bot: bool = False
    deleted: bool = False
    extra: JSONDict = field(default_factory=dict)


class StandInError(AssertionError):
    """Raised by the helpers when a wait times out or a lookup fails."""


class SlackStandIn:
    """Slack's Web API on 127.0.0.1, port chosen by the OS.

    Use as ``async with SlackStandIn() as slack: ...`` (or ``await start()`` /
    ``await close()``).  ``slack.api_url`` is the base URL for ``AsyncWebClient``.
    """

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-standin-token",
        extra_tokens: Iterable[str] = (),
        team_id: str = "T0STANDIN",
        team_name: str = "Stand-in Workspace",
        team_domain: str = "standin",
        bot_user_id: str = "U0BOTUSER",
        bot_id: str = "B0BOTID",
        bot_name: str = "upstander",
        app_id: str = "A0STANDIN",
        clock: Clock = monotonic_clock,
    ) -> None:
        self.bot_token = bot_token
        self.valid_tokens: set[str] = {bot_token, *extra_tokens}
        # Installs by OAuth: the app's credentials, workspaces by bot token, issued codes.
        self.client_id = "1234567890.0987654321"
        self.client_secret = "standin-client-secret-0123456789abcdef"
        self.workspaces: dict[str, Workspace] = {}
        self._codes: dict[str, tuple[str, float]] = {}
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.app_id = app_id
        self.clock: Clock = clock

        self._calls: list[Call] = []
        self._seq = itertools.count(1)
        self._changed = asyncio.Condition()
        self._faults: dict[str, deque[Fault]] = {}

        self._triggers: dict[str, _Trigger] = {}
        self._response_urls: dict[str, _ResponseUrl] = {}
        self._response_waiters: dict[str, asyncio.Future[Call]] = {}

        self.users: dict[str, UserProfile] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.channel_members: dict[str, list[str]] = {}
        self._dm_by_user: dict[str, str] = {}
        self._user_by_dm: dict[str, str] = {}
        self._mpim_by_users: dict[frozenset[str], str] = {}
        self._id_counter = itertools.count(1)
        self._ts_counter = itertools.count(1)

        # channel id -> ts -> message as Slack would return it
        self.messages: dict[str, dict[str, JSONDict]] = {}
        # (channel, ts) of every message chat.delete removed, in order.
        self.deleted_messages: list[tuple[str, str]] = []
        self.views: dict[str, JSONDict] = {}
        self.home_views: dict[str, JSONDict] = {}

        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None

        self._handlers: dict[str, Callable[[JSONDict], JSONDict]] = {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.publish": self._views_publish,
            "views.update": self._views_update,
            "conversations.open": self._conversations_open,
            "conversations.members": self._conversations_members,
            "usergroups.users.list": self._usergroups_users_list,
            "usergroups.list": self._usergroups_list,
            "conversations.info": self._conversations_info,
            "users.info": self._users_info,
            "files.info": lambda args: self.uploaded.info(args),
        }
        # Files people uploaded (file_input in a modal): files.info and their download.
        self.uploaded = StandInFiles(lambda: self.base_url, self.valid_tokens)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> SlackStandIn:
        if self._runner is not None:
            return self
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{response_id}", self._handle_response_url)
        app.router.add_get(DOWNLOAD_PREFIX + "/{id}/{name}", self.uploaded.download)
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        self._runner = runner
        self._base_url = f"http://{host}:{port}"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackStandIn:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise StandInError("the stand-in is not started")
        return self._base_url

    @property
    def api_url(self) -> str:
        """Base URL for ``AsyncWebClient(base_url=...)`` (ends with a slash, as slack_sdk needs)."""
        return f"{self.base_url}/api/"

    # ------------------------------------------------------------ configuration

    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        *,
        real_name: str = "",
        display_name: str = "",
        tz: str = "Europe/London",
        tz_label: str = "Greenwich Mean Time",
        tz_offset: int = 0,
        locale: str = "en-US",
        is_bot: bool = False,
        deleted: bool = False,
        **extra: Any,
    ) -> UserProfile:
        profile = UserProfile(
            id=user_id,
            name=name or user_id.lower(),
            real_name=real_name,
            display_name=display_name,
            tz=tz,
            tz_label=tz_label,
            tz_offset=tz_offset,
            locale=locale,
            is_bot=is_bot,
            deleted=deleted,
            extra=dict(extra),
        )
        self.users[user_id] = profile
        return profile

    def add_workspace(
        self,
        team_id: str,
        team_name: str | None = None,
        *,
        bot_token: str | None = None,
        enterprise_id: str | None = None,
        org_wide: bool = False,
        installer: str = "U0INSTALL",
    ) -> Workspace:
        """A workspace that can install the app by OAuth (see :meth:`issue_oauth_code`);
        its bot token becomes valid when ``oauth.v2.access`` hands it out."""
        workspace = Workspace(
            team_id=team_id,
            team_name=team_name or f"Workspace {team_id}",
            bot_token=bot_token or f"xoxb-{team_id.lower()}-{secrets.token_hex(6)}",
            bot_user_id=self.bot_user_id,
            bot_id=self.bot_id,
            enterprise_id=enterprise_id,
            org_wide=org_wide,
            installer=installer,
        )
        self.workspaces[workspace.bot_token] = workspace
        return workspace

    def issue_oauth_code(self, workspace: Workspace) -> str:
        """The code Slack puts in the redirect after someone approves the install:
        exchanged once, within ten minutes of :attr:`clock` time."""
        code = f"{workspace.team_id}.{secrets.token_hex(10)}"
        self._codes[code] = (workspace.bot_token, self.clock())
        return code

    def revoke(self, token: str) -> None:
        """The token stops working (an uninstall or a revocation): ``invalid_auth``."""
        self.valid_tokens.discard(token)

    def set_usergroup_members(self, usergroup_id: str, user_ids: Iterable[str]) -> None:
        self.usergroups[usergroup_id] = list(user_ids)

    def set_channel_members(self, channel_id: str, user_ids: Iterable[str]) -> None:
        self.channel_members[channel_id] = list(user_ids)

    def dm_channel_for(self, user_id: str) -> str:
        """The bot's DM channel with a user: stable for the life of the stand-in."""
        channel = self._dm_by_user.get(user_id)
        if channel is None:
            channel = f"D{next(self._id_counter):08d}"
            self._dm_by_user[user_id] = channel
            self._user_by_dm[channel] = user_id
        return channel

    def user_for_dm(self, channel_id: str) -> str | None:
        return self._user_by_dm.get(channel_id)

    # ------------------------------------------------------------ triggers, urls

    def issue_trigger_id(self, user_id: str | None = None) -> str:
        """A fresh trigger_id, valid for 3 s of :attr:`clock` time and one exchange."""
        trigger_id = f"{next(self._id_counter)}.{next(self._id_counter)}.{secrets.token_hex(8)}"
        self._triggers[trigger_id] = _Trigger(issued_at=self.clock(), user_id=user_id)
        return trigger_id

    def issue_response_url(self, channel_id: str | None = None, user_id: str | None = None) -> str:
        """A response_url pointing at this stand-in (30 minutes, 5 uses, like Slack's)."""
        response_id = secrets.token_hex(8)
        self._response_urls[response_id] = _ResponseUrl(
            issued_at=self.clock(), channel_id=channel_id, user_id=user_id
        )
        return f"{self.base_url}/response/{response_id}"

    def expect_response(self, response_url: str) -> asyncio.Future[Call]:
        """A future resolved with the next post to ``response_url`` (whatever its answer).

        For load generators: waiting on it costs nothing per other call, unlike
        :meth:`wait_for`, which scans every recorded call.
        """
        response_id = response_url.rsplit("/", 1)[-1]
        if response_id not in self._response_urls:
            raise StandInError(f"{response_url!r} was not issued by this stand-in")
        future: asyncio.Future[Call] = asyncio.get_running_loop().create_future()
        self._response_waiters[response_id] = future
        return future

    # ------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        status: int = 500,
        *,
        retry_after: int | None = None,
        error: str | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail.

        ``status=429`` answers with a ``Retry-After`` header (``retry_after``, default 1)
        and ``{"ok": false, "error": "ratelimited"}``; other statuses answer with that
        HTTP status; ``status=200, error="..."`` answers ``{"ok": false, "error": ...}``.
        Use ``method="response_url"`` for response_url posts.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        queue = self._faults.setdefault(method, deque())
        for _ in range(times):
            queue.append(Fault(status=status, retry_after=retry_after, error=error))

    # ------------------------------------------------------------ reading calls

    def calls(self, method: str | None = None) -> list[Call]:
        """Every recorded call (failed ones too), oldest first; filtered by method."""
        return [c for c in self._calls if method is None or c.method == method]

    def calls_since(self, count: int) -> list[Call]:
        """The calls recorded after the first `count`: a copy of the new ones only."""
        return self._calls[count:]

    def delivered(self, method: str | None = None) -> list[Call]:
        """Calls that succeeded (HTTP 200, ``ok: true``)."""
        return [c for c in self.calls(method) if c.ok]

    def clear_calls(self) -> None:
        self._calls.clear()

    async def wait_for(
        self,
        predicate: Callable[[Call], bool] | str,
        timeout: float = 2.0,  # noqa: ASYNC109 - the helper's documented API
    ) -> Call:
        """The first recorded call matching ``predicate`` (a callable or a method name).

        Looks at calls already made first, then waits (on an asyncio.Condition, without
        polling) for new ones.  Raises :class:`StandInError` after ``timeout`` seconds.
        """
        if isinstance(predicate, str):
            method = predicate

            def predicate(c: Call) -> bool:
                return c.method == method

        def find() -> Call | None:
            return next((c for c in self._calls if predicate(c)), None)

        async with self._changed:
            try:
                async with asyncio.timeout(timeout):
                    await self._changed.wait_for(lambda: find() is not None)
            except TimeoutError:
                seen = ", ".join(c.method for c in self._calls) or "none"
                raise StandInError(
                    f"no matching call within {timeout}s; calls so far: {seen}"
                ) from None
        found = find()
        assert found is not None
        return found

    async def wait_for_count(
        self,
        method: str,
        count: int,
        timeout: float = 2.0,  # noqa: ASYNC109 - same shape as wait_for
    ) -> list[Call]:
        """Wait until at least ``count`` calls of ``method`` were recorded."""
        async with self._changed:
            try:
                async with asyncio.timeout(timeout):
                    await self._changed.wait_for(lambda: len(self.calls(method)) >= count)
            except TimeoutError:
                raise StandInError(
                    f"expected {count} {method} calls within {timeout}s, "
                    f"got {len(self.calls(method))}"
                ) from None
        return self.calls(method)

    def all_outbound_text(self) -> list[str]:
        """Every text, block text and view text the bot sent, in order."""
        out: list[str] = []
        for call in self._calls:
            out.extend(call.texts())
        return out

    def all_outbound_strings(self) -> list[str]:
        """Every string in every argument of every call (excluding tokens): for leak scans."""
        out: list[str] = []
        for call in self._calls:
            out.extend(call.strings())
        return out

    def last_view(self, user_id: str | None = None) -> JSONDict:
        """The most recently opened/pushed/updated modal (optionally for one user)."""
        for view in reversed(list(self.views.values())):
            if user_id is None or view.get("_user_id") == user_id:
                return view
        raise StandInError(f"no modal view opened for {user_id!r}")

    # ------------------------------------------------------------ HTTP handlers

    async def _record(
        self,
        *,
        method: str,
        args: JSONDict,
        token: str | None,
        request: web.Request,
        status: int,
        response: JSONDict,
    ) -> Call:
        call = Call(
            seq=next(self._seq),
            method=method,
            args=args,
            token=token,
            http_method=request.method,
            content_type=request.content_type,
            path=request.path,
            status=status,
            response=response,
            received_at=asyncio.get_running_loop().time(),
            peer_port=_peer_port(request),
        )
        async with self._changed:
            self._calls.append(call)
            self._changed.notify_all()
        return call

    def _take_fault(self, method: str) -> Fault | None:
        queue = self._faults.get(method)
        if queue:
            return queue.popleft()
        return None

    @staticmethod
    def _fault_response(fault: Fault) -> tuple[int, JSONDict, dict[str, str]]:
        headers: dict[str, str] = {}
        if fault.status == 429:
            headers["Retry-After"] = str(fault.retry_after if fault.retry_after is not None else 1)
            return 429, {"ok": False, "error": fault.error or "ratelimited"}, headers
        if fault.status == 200:
            return 200, {"ok": False, "error": fault.error or "fatal_error"}, headers
        return fault.status, {"ok": False, "error": fault.error or "internal_error"}, headers

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args, body_token = await _parse_args(request)
        if method == OAUTH_METHOD:
            return await self._handle_oauth(request, args)
        token = _bearer_token(request) or body_token

        headers: dict[str, str] = {}
        if token is None:
            status, response = 200, {"ok": False, "error": "not_authed"}
        elif token not in self.valid_tokens:
            status, response = 200, {"ok": False, "error": "invalid_auth"}
        elif (fault := self._take_fault(method)) is not None:
            status, response, headers = self._fault_response(fault)
        elif method == "auth.test":
            status, response = 200, self._auth_test(args, token)
        elif (handler := self._handlers.get(method)) is None:
            status, response = 200, {"ok": False, "error": "unknown_method"}
        else:
            status, response = 200, handler(args)

        await self._record(
            method=method,
            args=args,
            token=token,
            request=request,
            status=status,
            response=response,
        )
        return web.json_response(response, status=status, headers=headers)

    async def _handle_oauth(self, request: web.Request, args: JSONDict) -> web.Response:
        """``oauth.v2.access``: the app's credentials (HTTP Basic, or in the form) and a
        code issued for a workspace give that workspace's bot token, once."""
        client_id, client_secret = _basic_auth(request)
        client_id = client_id or str(args.get("client_id") or "")
        client_secret = client_secret or str(args.get("client_secret") or "")
        issued = self._codes.pop(str(args.get("code") or ""), None)
        if (client_id, client_secret) != (self.client_id, self.client_secret):
            response: JSONDict = {"ok": False, "error": "invalid_client_id"}
        elif issued is None:
            response = {"ok": False, "error": "invalid_code"}
        elif self.clock() - issued[1] > OAUTH_CODE_TTL_SECONDS:
            response = {"ok": False, "error": "code_expired"}
        else:
            workspace = self.workspaces[issued[0]]
            self.valid_tokens.add(workspace.bot_token)
            response = _oauth_access(workspace, self.app_id)
        await self._record(
            method=OAUTH_METHOD,
            args={k: v for k, v in args.items() if k != "client_secret"},
            token=None,
            request=request,
            status=200,
            response=response,
        )
        return web.json_response(response)

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        response_id = request.match_info["response_id"]
        args, _ = await _parse_args(request)
        headers: dict[str, str] = {}
        entry = self._response_urls.get(response_id)
        if entry is None:
            status, response = 404, {"ok": False, "error": "no_such_url"}
        elif self.clock() - entry.issued_at > RESPONSE_URL_TTL_SECONDS:
            status, response = 404, {"ok": False, "error": "expired_url"}
        elif entry.uses >= RESPONSE_URL_MAX_USES:
            status, response = 404, {"ok": False, "error": "used_url"}
        elif (fault := self._take_fault(RESPONSE_URL_METHOD)) is not None:
            status, response, headers = self._fault_response(fault)
        else:
            entry.uses += 1
            status, response = 200, {"ok": True}
        call = await self._record(
            method=RESPONSE_URL_METHOD,
            args=args,
            token=None,
            request=request,
            status=status,
            response=response,
        )
        waiter = self._response_waiters.pop(response_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(call)
        return web.json_response(response, status=status, headers=headers)

    # ------------------------------------------------------------ method handlers

    def _new_ts(self) -> str:
        return f"1700000000.{next(self._ts_counter):06d}"

    def _new_view_id(self) -> str:
        return f"V{next(self._id_counter):08d}"

    def _resolve_channel(self, channel: str) -> str:
        # Posting to a user id posts into the app's DM with that user (its Messages tab).
        if channel[:1] in ("U", "W"):
            return self.dm_channel_for(channel)
        return channel

    def _api_test(self, args: JSONDict) -> JSONDict:
        return {"ok": True, "args": {k: v for k, v in args.items() if isinstance(v, str)}}

    def _auth_test(self, args: JSONDict, token: str | None = None) -> JSONDict:
        """Who the token is: a workspace's that installed by OAuth, else the stand-in's."""
        workspace = self.workspaces.get(token or "")
        if workspace is not None:
            return {
                "ok": True,
                "url": f"https://{workspace.team_id.lower()}.slack.com/",
                "team": workspace.team_name,
                "user": self.bot_name,
                "team_id": workspace.team_id,
                "user_id": workspace.bot_user_id,
                "bot_id": workspace.bot_id,
                "enterprise_id": workspace.enterprise_id,
                "is_enterprise_install": workspace.org_wide,
            }
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self.bot_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _message(self, args: JSONDict, ts: str) -> JSONDict:
        message: JSONDict = {
            "type": "message",
            "subtype": "bot_message",
            "text": args.get("text", ""),
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if key in args:
                message[key] = args[key]
        return message

    @staticmethod
    def _missing_content(args: JSONDict) -> bool:
        return not (args.get("text") or args.get("blocks") or args.get("attachments"))

    def _chat_post_message(self, args: JSONDict) -> JSONDict:
        channel = args.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if self._missing_content(args):
            return {"ok": False, "error": "no_text"}
        channel = self._resolve_channel(str(channel))
        ts = self._new_ts()
        message = self._message(args, ts)
        self.messages.setdefault(channel, {})[ts] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_post_ephemeral(self, args: JSONDict) -> JSONDict:
        channel, user = args.get("channel"), args.get("user")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not user:
            return {"ok": False, "error": "user_not_found"}
        if self._missing_content(args):
            return {"ok": False, "error": "no_text"}
        members = self.channel_members.get(str(channel))
        if members is not None and user not in members:
            return {"ok": False, "error": "user_not_in_channel"}
        return {"ok": True, "message_ts": self._new_ts()}

    def _chat_update(self, args: JSONDict) -> JSONDict:
        channel, ts = args.get("channel"), args.get("ts")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        stored = self.messages.get(self._resolve_channel(str(channel)), {}).get(str(ts))
        if stored is None:
            return {"ok": False, "error": "message_not_found"}
        if self._missing_content(args):
            return {"ok": False, "error": "no_text"}
        for key in ("text", "blocks", "attachments"):
            if key in args:
                stored[key] = args[key]
        stored["edited"] = {"user": self.bot_user_id, "ts": self._new_ts()}
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": stored.get("text", ""),
            "message": stored,
        }

    def _chat_delete(self, args: JSONDict) -> JSONDict:
        """A bot token deletes only the bot's own messages (Slack's rule)."""
        channel, ts = args.get("channel"), args.get("ts")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        resolved = self._resolve_channel(str(channel))
        stored = self.messages.get(resolved, {}).get(str(ts))
        if stored is None:
            return {"ok": False, "error": "message_not_found"}
        if stored.get("user") not in (None, self.bot_user_id):
            return {"ok": False, "error": "cant_delete_message"}
        del self.messages[resolved][str(ts)]
        self.deleted_messages.append((resolved, str(ts)))
        return {"ok": True, "channel": channel, "ts": ts}

    def _stored_view(
        self, view: JSONDict, *, view_type: str, view_id: str | None = None
    ) -> JSONDict:
        view_id = view_id or self._new_view_id()
        stored: JSONDict = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type", view_type),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{next(self._id_counter)}.{secrets.token_hex(4)}",
            "title": view.get("title"),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        return stored

    def _exchange_trigger(self, trigger_id: Any) -> tuple[str | None, str | None]:
        """Returns (error, user_id)."""
        if not trigger_id:
            return "invalid_trigger_id", None
        trigger = self._triggers.get(str(trigger_id))
        if trigger is None:
            return "invalid_trigger_id", None
        if trigger.used:
            return "exchanged_trigger_id", None
        if self.clock() - trigger.issued_at > TRIGGER_TTL_SECONDS:
            return "expired_trigger_id", None
        trigger.used = True
        return None, trigger.user_id

    def _views_open(self, args: JSONDict) -> JSONDict:
        view = args.get("view")
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        error, user_id = self._exchange_trigger(args.get("trigger_id"))
        if error:
            return {"ok": False, "error": error}
        stored = self._stored_view(view, view_type="modal")
        stored["_user_id"] = user_id
        self.views[stored["id"]] = stored
        return {"ok": True, "view": _public_view(stored)}

    def _views_push(self, args: JSONDict) -> JSONDict:
        view = args.get("view")
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        error, user_id = self._exchange_trigger(args.get("trigger_id"))
        if error:
            return {"ok": False, "error": error}
        stored = self._stored_view(view, view_type="modal")
        stored["_user_id"] = user_id
        self.views[stored["id"]] = stored
        return {"ok": True, "view": _public_view(stored)}

    def _views_publish(self, args: JSONDict) -> JSONDict:
        view, user_id = args.get("view"), args.get("user_id")
        if not user_id:
            return {"ok": False, "error": "invalid_arguments"}
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        if view.get("type") != "home":
            return {"ok": False, "error": "invalid_arguments"}
        previous = self.home_views.get(str(user_id))
        if previous is not None and args.get("hash") and args["hash"] != previous["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        stored = self._stored_view(
            view, view_type="home", view_id=previous["id"] if previous else None
        )
        stored["_user_id"] = user_id
        self.home_views[str(user_id)] = stored
        return {"ok": True, "view": _public_view(stored)}

    def _views_update(self, args: JSONDict) -> JSONDict:
        view = args.get("view")
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        existing: JSONDict | None = None
        if args.get("view_id"):
            existing = self.views.get(str(args["view_id"]))
        elif args.get("external_id"):
            existing = next(
                (v for v in self.views.values() if v.get("external_id") == args["external_id"]),
                None,
            )
        else:
            return {"ok": False, "error": "invalid_arguments"}
        if existing is None:
            return {"ok": False, "error": "not_found"}
        if args.get("hash") and args["hash"] != existing["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        stored = self._stored_view(view, view_type="modal", view_id=existing["id"])
        stored["_user_id"] = existing.get("_user_id")
        self.views[stored["id"]] = stored
        return {"ok": True, "view": _public_view(stored)}

    def _conversations_open(self, args: JSONDict) -> JSONDict:
        if args.get("channel"):
            return {"ok": True, "channel": {"id": args["channel"]}}
        users_arg = args.get("users")
        if isinstance(users_arg, list):
            users = [str(u) for u in users_arg]
        elif isinstance(users_arg, str):
            users = [u.strip() for u in users_arg.split(",") if u.strip()]
        else:
            users = []
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        if len(users) > 8:
            return {"ok": False, "error": "too_many_users"}
        if self.users and any(u not in self.users for u in users):
            return {"ok": False, "error": "user_not_found"}
        if len(users) == 1:
            already = users[0] in self._dm_by_user
            channel_id = self.dm_channel_for(users[0])
            channel: JSONDict = {"id": channel_id}
            if _truthy(args.get("return_im")):
                channel.update({"is_im": True, "user": users[0], "created": 1700000000})
        else:
            key = frozenset(users)
            already = key in self._mpim_by_users
            if not already:
                self._mpim_by_users[key] = f"G{next(self._id_counter):08d}"
            channel = {"id": self._mpim_by_users[key]}
        result: JSONDict = {"ok": True, "channel": channel}
        if already:
            result["no_op"] = True
            result["already_open"] = True
        return result

    def _conversations_members(self, args: JSONDict) -> JSONDict:
        channel = args.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        members = self.channel_members.get(str(channel))
        if members is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, **_page(members, args, "members")}

    def _conversations_info(self, args: JSONDict) -> JSONDict:
        """A channel the stand-in knows (one with members set); ``is_member`` says whether
        the bot is in it, as Slack answers the bot's own token."""
        channel = str(args.get("channel") or "")
        members = self.channel_members.get(channel)
        if members is None:
            return {"ok": False, "error": "channel_not_found"}
        info = {
            "id": channel,
            "name": channel.lower(),
            "is_channel": True,
            "is_archived": False,
            "is_member": self.bot_user_id in members,
        }
        return {"ok": True, "channel": info}

    def _usergroups_list(self, args: JSONDict) -> JSONDict:
        groups = [
            {
                "id": gid,
                "team_id": self.team_id,
                "handle": gid.lower(),
                "name": f"Group {gid}",
                "date_delete": 0,
            }
            for gid in self.usergroups
        ]
        return {"ok": True, "usergroups": groups}

    def _usergroups_users_list(self, args: JSONDict) -> JSONDict:
        group = args.get("usergroup")
        if not group or str(group) not in self.usergroups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(self.usergroups[str(group)])}

    def _users_info(self, args: JSONDict) -> JSONDict:
        user_id = args.get("user")
        profile = self.users.get(str(user_id)) if user_id else None
        if profile is None:
            return {"ok": False, "error": "user_not_found"}
        user: JSONDict = {
            "id": profile.id,
            "team_id": self.team_id,
            "name": profile.name,
            "deleted": profile.deleted,
            "real_name": profile.real_name,
            "tz": profile.tz,
            "tz_label": profile.tz_label,
            "tz_offset": profile.tz_offset,
            "profile": {
                "real_name": profile.real_name,
                "real_name_normalized": profile.real_name,
                "display_name": profile.display_name,
                "display_name_normalized": profile.display_name,
                "team": self.team_id,
            },
            "is_admin": False,
            "is_owner": False,
            "is_bot": profile.is_bot,
            "is_app_user": False,
            "updated": 1700000000,
            **profile.extra,
        }
        if _truthy(args.get("include_locale")):
            user["locale"] = profile.locale
        return {"ok": True, "user": user}


# ---------------------------------------------------------------- helpers


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def _public_view(stored: JSONDict) -> JSONDict:
    return {k: v for k, v in stored.items() if not k.startswith("_")}


def _page(items: list[str], args: JSONDict, key: str) -> JSONDict:
    try:
        limit = int(args.get("limit") or 100)
    except ValueError:
        limit = 100
    limit = max(1, min(limit, 1000))
    start = 0
    cursor = args.get("cursor")
    if cursor:
        with contextlib.suppress(ValueError, binascii.Error):
            start = int(base64.b64decode(str(cursor)).decode().removeprefix("offset:"))
    chunk = items[start : start + limit]
    end = start + len(chunk)
    next_cursor = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return {key: chunk, "response_metadata": {"next_cursor": next_cursor}}


def _peer_port(request: web.Request) -> int | None:
    peer = request.transport.get_extra_info("peername") if request.transport else None
    return int(peer[1]) if isinstance(peer, tuple) and len(peer) >= 2 else None


def _oauth_access(workspace: Workspace, app_id: str) -> JSONDict:
    """``oauth.v2.access``'s answer for a bot-scope install (docs.slack.dev)."""
    enterprise = (
        {"id": workspace.enterprise_id, "name": f"Org {workspace.enterprise_id}"}
        if workspace.enterprise_id
        else None
    )
    return {
        "ok": True,
        "access_token": workspace.bot_token,
        "token_type": "bot",
        "scope": "commands,chat:write,im:history,im:read,im:write,users:read",
        "bot_user_id": workspace.bot_user_id,
        "app_id": app_id,
        "team": None
        if workspace.org_wide
        else {"id": workspace.team_id, "name": workspace.team_name},
        "enterprise": enterprise,
        "is_enterprise_install": workspace.org_wide,
        "authed_user": {"id": workspace.installer},
    }


def _basic_auth(request: web.Request) -> tuple[str, str]:
    auth = request.headers.get("Authorization", "")
    if not auth.lower().startswith("basic "):
        return "", ""
    with contextlib.suppress(ValueError, binascii.Error):
        user, _, password = base64.b64decode(auth[6:].strip()).decode().partition(":")
        return user, password
    return "", ""


def _bearer_token(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return None


async def _parse_args(request: web.Request) -> tuple[JSONDict, str | None]:
    """Query string + form or JSON body, as slack_sdk sends them; JSON strings decoded.

    Returns the arguments (without ``token``) and a token passed in the body/query.
    """
    args: JSONDict = dict(parse_qsl(request.query_string, keep_blank_values=True))
    if request.can_read_body:
        ctype = request.content_type
        if ctype == "application/json":
            raw = await request.text()
            if raw.strip():
                body = json.loads(raw)
                if isinstance(body, dict):
                    args.update(body)
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key in form:
                value = form.get(key)
                args[key] = value if isinstance(value, str) else getattr(value, "filename", "")
        else:
            raw = await request.text()
            if raw.strip():
                try:
                    body = json.loads(raw)
                except json.JSONDecodeError:
                    args["_raw_body"] = raw
                else:
                    if isinstance(body, dict):
                        args.update(body)
    for key in _JSON_STRING_ARGS:
        value = args.get(key)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            with contextlib.suppress(json.JSONDecodeError):
                args[key] = json.loads(value)
    token = args.pop("token", None)
    return args, token if isinstance(token, str) else None


_TEXT_CARRYING_ARGS = ("text", "blocks", "attachments", "view", "fallback", "pretext")


def _outbound_texts(args: Mapping[str, Any]) -> Iterable[str]:
    for key in _TEXT_CARRYING_ARGS:
        if key not in args:
            continue
        value = args[key]
        if isinstance(value, str):
            yield value
        else:
            yield from _nested_texts(value)


def _nested_texts(value: Any) -> Iterable[str]:
    """Texts inside blocks/views/attachments: every ``text`` string, plus option values
    shown to people (``title``, ``pretext``, ``fallback``, ``alt_text``)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str):
                if key in ("text", "fallback", "pretext", "alt_text", "title"):
                    yield item
            else:
                yield from _nested_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _nested_texts(item)


def _all_strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _all_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _all_strings(item)
