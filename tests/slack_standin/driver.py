"""A driver that sends requests to the bot's HTTP endpoint the way Slack does.

Every request is signed with Slack's v0 scheme::

    X-Slack-Request-Timestamp: <unix seconds>
    X-Slack-Signature: v0=hex(HMAC-SHA256(signing_secret, "v0:<timestamp>:<raw body>"))

Slash commands are form posts; interactivity payloads are form posts with one field,
``payload``, holding JSON; Events API requests are JSON.  Each send returns a
:class:`DriverResponse` (status, headers, body: the bot's ack).

Pass ``standin=`` so that trigger_ids and response_urls are issued by (and point at)
the Web API stand-in; without it the driver makes up inert ones.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy

if TYPE_CHECKING:
    from .web_api import SlackStandIn

JSONDict = dict[str, Any]


@dataclass(frozen=True)
class DriverResponse:
    """What the bot answered (its ack)."""

    status: int
    headers: CIMultiDictProxy[str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def sign(signing_secret: str, timestamp: str, body: str) -> str:
    """Slack's v0 request signature for ``body`` sent at ``timestamp``."""
    base = f"v0:{timestamp}:{body}".encode()
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return f"v0={digest}"


# --------------------------------------------------- view_submission state helpers
# Each returns the per-action_id value object Slack puts in view.state.values.


def plain_text_value(value: str | None) -> JSONDict:
    return {"type": "plain_text_input", "value": value}


def _option(value: str, text: str | None) -> JSONDict:
    return {
        "text": {"type": "plain_text", "text": text if text is not None else value, "emoji": True},
        "value": value,
    }


def static_select_value(value: str | None, text: str | None = None) -> JSONDict:
    return {
        "type": "static_select",
        "selected_option": _option(value, text) if value is not None else None,
    }


def radio_buttons_value(value: str | None, text: str | None = None) -> JSONDict:
    return {
        "type": "radio_buttons",
        "selected_option": _option(value, text) if value is not None else None,
    }


def conversations_select_value(channel_id: str | None) -> JSONDict:
    return {"type": "conversations_select", "selected_conversation": channel_id}


def number_input_value(value: str | None) -> JSONDict:
    return {"type": "number_input", "value": value}


def checkboxes_value(values: Sequence[str] | Mapping[str, str]) -> JSONDict:
    items = values.items() if isinstance(values, Mapping) else ((v, v) for v in values)
    return {"type": "checkboxes", "selected_options": [_option(v, t) for v, t in items]}


def multi_static_select_value(values: Sequence[str] | Mapping[str, str]) -> JSONDict:
    items = values.items() if isinstance(values, Mapping) else ((v, v) for v in values)
    return {"type": "multi_static_select", "selected_options": [_option(v, t) for v, t in items]}


class SlackDriver:
    """Sends slash commands, interactivity payloads and Events API requests, signed."""

    def __init__(
        self,
        url: str,
        signing_secret: str,
        *,
        standin: SlackStandIn | None = None,
        team_id: str | None = None,
        team_domain: str | None = None,
        api_app_id: str | None = None,
        bot_user_id: str | None = None,
        verification_token: str = "legacy-verification-token",
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.url = url
        self.signing_secret = signing_secret
        self.standin = standin
        self.team_id = team_id or (standin.team_id if standin else "T0STANDIN")
        self.team_domain = team_domain or (standin.team_domain if standin else "standin")
        self.api_app_id = api_app_id or (standin.app_id if standin else "A0STANDIN")
        self.bot_user_id = bot_user_id or (standin.bot_user_id if standin else "U0BOTUSER")
        self.verification_token = verification_token
        self.wall_clock = wall_clock
        self._session: aiohttp.ClientSession | None = None
        self._ids = itertools.count(1)
        # Slack's event ids are unique across the workspace: two drivers never share one.
        self._event_prefix = secrets.token_hex(3).upper()

    async def __aenter__(self) -> SlackDriver:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ------------------------------------------------------------ ids, urls

    def trigger_id(self, user_id: str | None = None) -> str:
        if self.standin is not None:
            return self.standin.issue_trigger_id(user_id)
        return f"{next(self._ids)}.{next(self._ids)}.{secrets.token_hex(8)}"

    def response_url(self, channel_id: str | None = None, user_id: str | None = None) -> str:
        if self.standin is not None:
            return self.standin.issue_response_url(channel_id, user_id)
        return f"http://127.0.0.1:9/response/{secrets.token_hex(8)}"

    def _ts(self) -> str:
        return f"{int(self.wall_clock())}.{next(self._ids):06d}"

    # ------------------------------------------------------------ transport

    async def send_raw(
        self,
        body: str,
        content_type: str,
        *,
        forge_signature: bool = False,
        timestamp: int | None = None,
        age_seconds: float = 0.0,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        extra_headers: Mapping[str, str] | None = None,
    ) -> DriverResponse:
        """POST ``body`` signed as Slack would.

        ``forge_signature`` signs with a wrong secret; ``age_seconds`` (e.g. 360) or an
        explicit ``timestamp`` sends a stale X-Slack-Request-Timestamp (signed correctly,
        so only the age is wrong); ``retry_num`` adds Slack's retry headers.
        """
        ts = str(timestamp if timestamp is not None else int(self.wall_clock() - age_seconds))
        secret = self.signing_secret
        if forge_signature:
            secret = "forged-" + secrets.token_hex(8)
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sign(secret, ts, body),
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason
        if extra_headers:
            headers.update(extra_headers)
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        async with self._session.post(self.url, data=body.encode(), headers=headers) as resp:
            text = await resp.text()
            return DriverResponse(
                status=resp.status,
                headers=CIMultiDictProxy(CIMultiDict(resp.headers)),
                body=text,
            )

    async def send_form(self, fields: Mapping[str, str], **options: Any) -> DriverResponse:
        return await self.send_raw(
            urlencode(fields), "application/x-www-form-urlencoded", **options
        )

    async def send_payload(self, payload: Mapping[str, Any], **options: Any) -> DriverResponse:
        """An interactivity request: form field ``payload`` = JSON."""
        return await self.send_form({"payload": json.dumps(payload)}, **options)

    async def send_json(self, body: Mapping[str, Any], **options: Any) -> DriverResponse:
        return await self.send_raw(json.dumps(body), "application/json", **options)

    # ------------------------------------------------------------ common parts

    def _team(self) -> JSONDict:
        return {"id": self.team_id, "domain": self.team_domain}

    def _user(self, user_id: str, user_name: str | None) -> JSONDict:
        name = user_name or user_id.lower()
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    # ------------------------------------------------------------ slash commands

    async def slash_command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str,
        user_name: str | None = None,
        channel_id: str = "C0GENERAL",
        channel_name: str | None = None,
        trigger_id: str | None = None,
        response_url: str | None = None,
        extra: Mapping[str, str] | None = None,
        **options: Any,
    ) -> DriverResponse:
        fields = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name
            or ("directmessage" if channel_id.startswith("D") else "general"),
            "user_id": user_id,
            "user_name": user_name or user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url or self.response_url(channel_id, user_id),
            "trigger_id": trigger_id or self.trigger_id(user_id),
        }
        if extra:
            fields.update(extra)
        return await self.send_form(fields, **options)

    # ------------------------------------------------------------ block_actions

    def block_actions_payload(
        self,
        actions: Sequence[Mapping[str, Any]],
        *,
        user_id: str,
        user_name: str | None = None,
        channel_id: str | None = None,
        message: Mapping[str, Any] | None = None,
        view: Mapping[str, Any] | None = None,
        is_ephemeral: bool = False,
        trigger_id: str | None = None,
        response_url: str | None = None,
    ) -> JSONDict:
        """A ``block_actions`` payload.

        Pass ``message`` (a message dict with at least ``ts``, e.g. the ``message`` a
        ``chat.postMessage`` answered) and ``channel_id`` when the element was in a
        message; pass ``view`` (a view dict with ``id``, e.g. from the stand-in) when it
        was in a modal or the Home tab.
        """
        payload: JSONDict = {
            "type": "block_actions",
            "user": self._user(user_id, user_name),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": trigger_id or self.trigger_id(user_id),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [dict(a) for a in actions],
        }
        if view is not None:
            payload["container"] = {
                "type": "view",
                "view_id": view.get("id"),
            }
            payload["view"] = {k: v for k, v in view.items() if not str(k).startswith("_")}
            payload["view"].setdefault("state", {"values": {}})
        elif message is not None:
            if channel_id is None:
                raise ValueError("a message's block_actions needs its channel_id")
            payload["container"] = {
                "type": "message",
                "message_ts": message.get("ts"),
                "channel_id": channel_id,
                "is_ephemeral": is_ephemeral,
            }
            payload["channel"] = {"id": channel_id, "name": _channel_name(channel_id)}
            if not is_ephemeral:
                payload["message"] = dict(message)
            payload["state"] = {"values": {}}
            payload["response_url"] = response_url or self.response_url(channel_id, user_id)
        else:
            raise ValueError("block_actions needs either message= or view=")
        return payload

    def button(
        self,
        action_id: str,
        value: str | None = None,
        *,
        block_id: str = "actions",
        text: str = "Button",
    ) -> JSONDict:
        action: JSONDict = {
            "action_id": action_id,
            "block_id": block_id,
            "text": {"type": "plain_text", "text": text, "emoji": True},
            "type": "button",
            "action_ts": self._ts(),
        }
        if value is not None:
            action["value"] = value
        return action

    async def click_button(
        self,
        action_id: str,
        value: str | None = None,
        *,
        user_id: str,
        block_id: str = "actions",
        text: str = "Button",
        user_name: str | None = None,
        channel_id: str | None = None,
        message: Mapping[str, Any] | None = None,
        view: Mapping[str, Any] | None = None,
        is_ephemeral: bool = False,
        trigger_id: str | None = None,
        response_url: str | None = None,
        **options: Any,
    ) -> DriverResponse:
        payload = self.block_actions_payload(
            [self.button(action_id, value, block_id=block_id, text=text)],
            user_id=user_id,
            user_name=user_name,
            channel_id=channel_id,
            message=message,
            view=view,
            is_ephemeral=is_ephemeral,
            trigger_id=trigger_id,
            response_url=response_url,
        )
        return await self.send_payload(payload, **options)

    # ------------------------------------------------------------ view_submission

    def view_submission_payload(
        self,
        view: Mapping[str, Any],
        values: Mapping[str, Mapping[str, Mapping[str, Any]]],
        *,
        user_id: str,
        user_name: str | None = None,
        trigger_id: str | None = None,
    ) -> JSONDict:
        """A ``view_submission`` payload for ``view`` (e.g. ``standin.last_view()``, or
        ``{"callback_id": ..., "private_metadata": ...}``) with ``state.values`` given as
        block_id → action_id → value object (see the ``*_value`` helpers)."""
        view_id = view.get("id") or f"V{next(self._ids):08d}"
        submitted: JSONDict = {
            "id": view_id,
            "team_id": self.team_id,
            "type": "modal",
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {
                "values": {b: {a: dict(v) for a, v in acts.items()} for b, acts in values.items()}
            },
            "hash": view.get("hash", f"{int(self.wall_clock())}.{secrets.token_hex(4)}"),
            "title": view.get("title"),
            "clear_on_close": view.get("clear_on_close", False),
            "notify_on_close": view.get("notify_on_close", False),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": view.get("previous_view_id"),
            "root_view_id": view.get("root_view_id", view_id),
            "app_id": self.api_app_id,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": view.get("bot_id", self.standin.bot_id if self.standin else "B0BOTID"),
        }
        return {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user_id, user_name),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": trigger_id or self.trigger_id(user_id),
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }

    async def submit_view(
        self,
        view: Mapping[str, Any],
        values: Mapping[str, Mapping[str, Mapping[str, Any]]],
        *,
        user_id: str,
        user_name: str | None = None,
        trigger_id: str | None = None,
        **options: Any,
    ) -> DriverResponse:
        payload = self.view_submission_payload(
            view, values, user_id=user_id, user_name=user_name, trigger_id=trigger_id
        )
        return await self.send_payload(payload, **options)

    # ------------------------------------------------------------ Events API

    async def url_verification(
        self, challenge: str | None = None, **options: Any
    ) -> DriverResponse:
        body = {
            "token": self.verification_token,
            "challenge": challenge or secrets.token_urlsafe(24),
            "type": "url_verification",
        }
        return await self.send_json(body, **options)

    def event_envelope(self, event: Mapping[str, Any], *, event_id: str | None = None) -> JSONDict:
        return {
            "token": self.verification_token,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "context_enterprise_id": None,
            "api_app_id": self.api_app_id,
            "event": dict(event),
            "type": "event_callback",
            "event_id": event_id or f"Ev{self._event_prefix}{next(self._ids):06d}",
            "event_time": int(self.wall_clock()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": secrets.token_hex(12),
        }

    async def send_event(
        self, event: Mapping[str, Any], *, event_id: str | None = None, **options: Any
    ) -> DriverResponse:
        return await self.send_json(self.event_envelope(event, event_id=event_id), **options)

    def _dm_channel(self, user_id: str, channel_id: str | None) -> str:
        if channel_id is not None:
            return channel_id
        if self.standin is not None:
            return self.standin.dm_channel_for(user_id)
        return "D" + user_id[1:]

    async def message_im(
        self,
        user_id: str,
        text: str,
        *,
        channel_id: str | None = None,
        thread_ts: str | None = None,
        event_id: str | None = None,
        **options: Any,
    ) -> DriverResponse:
        """A ``message`` event from a person in their DM with the bot (``message.im``)."""
        ts = self._ts()
        event: JSONDict = {
            "type": "message",
            "user": user_id,
            "text": text,
            "ts": ts,
            "client_msg_id": secrets.token_hex(16),
            "team": self.team_id,
            "blocks": [
                {
                    "type": "rich_text",
                    "block_id": secrets.token_hex(3),
                    "elements": [
                        {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
                    ],
                }
            ],
            "channel": self._dm_channel(user_id, channel_id),
            "event_ts": ts,
            "channel_type": "im",
        }
        if thread_ts is not None:
            event["thread_ts"] = thread_ts
        return await self.send_event(event, event_id=event_id, **options)

    async def app_home_opened(
        self,
        user_id: str,
        *,
        tab: str = "home",
        channel_id: str | None = None,
        view: Mapping[str, Any] | None = None,
        event_id: str | None = None,
        **options: Any,
    ) -> DriverResponse:
        """``app_home_opened``; carries the previously published Home view when there is one
        (taken from the stand-in unless ``view`` is given), as Slack does."""
        event: JSONDict = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": self._dm_channel(user_id, channel_id),
            "tab": tab,
            "event_ts": self._ts(),
        }
        if view is None and self.standin is not None:
            view = self.standin.home_views.get(user_id)
        if view is not None:
            event["view"] = {k: v for k, v in view.items() if not str(k).startswith("_")}
        return await self.send_event(event, event_id=event_id, **options)


def _channel_name(channel_id: str) -> str:
    return "directmessage" if channel_id.startswith("D") else channel_id.lower()
