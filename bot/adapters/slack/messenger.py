"""Sends what the core's outbox hands over: volunteer cards, details, relayed messages.

Returns a reference ``"<channel>:<ts>"`` so that a later ``update_ref`` edits the same
message with ``chat.update``.  Any Web API failure becomes a ``DeliveryError`` (with the
429's Retry-After when there is one); slack_sdk's retry handlers have already retried
5xx and 429 a couple of times by then, and the core's outbox retries again later. Errors
that no retry can fix (``PERMANENT_ERRORS``: unknown channel, DMs closed, revoked token)
are marked permanent.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.adapters.slack import render
from bot.adapters.slack.settings import SlackSettings
from bot.core.errors import DeliveryError
from bot.core.messages import Destination, Outbound
from bot.core.settings import CommunitySettings, SettingsBook

log = logging.getLogger(__name__)

# Refusals that sending again cannot change: the outbox gives these up after a few tries.
PERMANENT_ERRORS = frozenset(
    {
        "access_denied",
        "account_inactive",
        "cannot_dm_bot",
        "channel_not_found",
        "ekm_access_denied",
        "invalid_auth",
        "invalid_blocks",
        "invalid_blocks_format",
        "is_archived",
        "messages_tab_disabled",
        "missing_scope",
        "msg_too_long",
        "no_text",
        "not_authed",
        "not_in_channel",
        "restricted_action",
        "team_access_not_granted",
        "token_expired",
        "token_revoked",
        "too_many_attachments",
        "user_disabled",
        "user_not_found",
    }
)
# chat.update errors after which a fresh message is the right thing to send instead.
_POST_INSTEAD = frozenset(
    {"message_not_found", "cant_update_message", "edit_window_closed", "msg_too_long"}
)

# chat.delete errors that mean there is nothing left to delete, or that never will be
# (a message the bot did not write): retrying would not change them.
_DELETED_ALREADY = frozenset({"message_not_found", "channel_not_found", "cant_delete_message"})


def env_settings(settings: SlackSettings) -> CommunitySettings:
    """The default workspace's channel and user groups as the environment names them."""
    return CommunitySettings(
        volunteers_channel=settings.volunteer_channel,
        volunteer_role=settings.volunteer_group,
        lead_role=settings.lead_group,
        moderator_role=settings.moderator_group,
    )


class SlackMessenger:
    def __init__(
        self, client: AsyncWebClient, settings: SlackSettings, book: SettingsBook | None = None
    ) -> None:
        self._client = client
        self._settings = settings
        # The destination community's channel and lead group (its settings, else the env's).
        self._book = book

    @property
    def client(self) -> AsyncWebClient:
        """The Web API client it sends with (the adapter's, on its shared session)."""
        return self._client

    async def send(self, outbound: Outbound) -> str:
        mention = ""
        ids = await self._ids(outbound.destination.community)
        if outbound.mention_leads and ids.lead_role:
            mention = f"<!subteam^{ids.lead_role}>"
        content = render.message(outbound.reply, mention=mention)
        try:
            if outbound.update_ref:
                updated = await self._update(outbound.update_ref, content)
                if updated is not None:
                    return updated
            response = await self._client.chat_postMessage(
                channel=self._channel(outbound.destination, ids),
                unfurl_links=False,
                unfurl_media=False,
                **content,
            )
        except SlackApiError as exc:
            raise _delivery_error(exc) from exc
        except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise DeliveryError(f"Slack unreachable: {type(exc).__name__}") from exc
        return _ref(response)

    async def delete(self, ref: str) -> None:
        """chat.delete: a bot token deletes only the bot's own messages, in a DM too."""
        channel, _, ts = ref.partition(":")
        if not channel or not ts:
            log.warning("not a Slack message reference; nothing to delete")
            return
        try:
            await self._client.chat_delete(channel=channel, ts=ts)
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            if error not in _DELETED_ALREADY:
                raise _delivery_error(exc) from exc
            log.info("nothing to delete (%s)", error)
        except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise DeliveryError(f"Slack unreachable: {type(exc).__name__}") from exc

    async def _ids(self, community: str) -> CommunitySettings:
        if self._book is None:
            return env_settings(self._settings)
        return await self._book.get(community)

    def _channel(self, destination: Destination, ids: CommunitySettings) -> str:
        if destination.kind == "volunteers":
            if not ids.volunteers_channel:
                raise DeliveryError("no volunteers' channel is set", permanent=True)
            return ids.volunteers_channel
        if destination.kind == "channel" and destination.user_id:
            # A scenario of the week: `user_id` holds the channel's id.
            return destination.user_id
        if destination.kind == "dm" and destination.user_id:
            # Posting to a user id posts in the app's DM with them (its Messages tab).
            return destination.user_id
        raise DeliveryError(
            f"cannot send to a {destination.kind!r} destination on Slack", permanent=True
        )

    async def _update(self, ref: str, content: dict[str, Any]) -> str | None:
        channel, _, ts = ref.partition(":")
        if not channel or not ts:
            return None
        try:
            response = await self._client.chat_update(channel=channel, ts=ts, **content)
        except SlackApiError as exc:
            if str(exc.response.get("error", "")) in _POST_INSTEAD:
                log.info("could not edit %s (%s); posting instead", ref, exc.response["error"])
                return None
            raise
        return _ref(response, channel)


def _ref(response: AsyncSlackResponse, channel: str = "") -> str:
    return f"{response.get('channel') or channel}:{response.get('ts') or ''}"


def _delivery_error(exc: SlackApiError) -> DeliveryError:
    response = exc.response
    retry_after: float | None = None
    if response.status_code == 429:
        raw = _header(response.headers, "retry-after")
        try:
            retry_after = float(raw) if raw else 1.0
        except ValueError:
            retry_after = 1.0
    error = str(response.get("error", "")) if isinstance(response.data, dict) else ""
    return DeliveryError(
        f"Slack refused the message: {error or response.status_code}",
        retry_after=retry_after,
        permanent=error in PERMANENT_ERRORS,
    )


def _header(headers: Any, name: str) -> str:
    if not isinstance(headers, dict):
        return ""
    for key, value in headers.items():
        if str(key).lower() == name:
            return str(value[0] if isinstance(value, list) and value else value)
    return ""
