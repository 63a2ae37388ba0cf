"""Sends the core's outbound messages: check-in cards to the volunteers' channel, DMs.

Every send disables mentions (user text never pings) except the lead role on an
escalation. Discord's refusals become ``DeliveryError`` so that the core's outbox retries;
a 4xx other than 429 is marked permanent, so the outbox gives it up after a few tries.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator

import aiohttp
import discord

from bot.adapters.discord.directory import env_settings
from bot.adapters.discord.guilds import tag_for
from bot.adapters.discord.render import Rendered, render
from bot.adapters.discord.settings import DiscordSettings
from bot.core.errors import DeliveryError
from bot.core.messages import Outbound
from bot.core.settings import CommunitySettings

CommunityIds = Callable[[str], Awaitable[CommunitySettings]]

__all__ = ["DiscordMessenger", "format_ref", "parse_ref"]

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()


def format_ref(channel_id: int, message_id: int) -> str:
    return f"{channel_id}:{message_id}"


def parse_ref(ref: str) -> tuple[int, int] | None:
    channel, _, message = ref.partition(":")
    if not (channel.isdigit() and message.isdigit()):
        return None
    return int(channel), int(message)


class DiscordMessenger:
    def __init__(
        self, client: discord.Client, settings: DiscordSettings, ids: CommunityIds | None = None
    ) -> None:
        self._client = client
        self._settings = settings
        # The destination community's channel and lead role (its settings, else the env's).
        self._ids = ids

    async def send(self, outbound: Outbound) -> str:
        self._connected()
        with _refusals():
            return await self._send(outbound)

    async def delete(self, ref: str) -> None:
        """Delete one of the bot's own messages (in a channel or a DM). A bot cannot delete
        what a person wrote in a DM with it; it never tries."""
        parsed = parse_ref(ref)
        if parsed is None:
            log.warning("not a Discord message reference; nothing to delete")
            return
        channel_id, message_id = parsed
        self._connected()
        with _refusals():
            partial = self._client.get_partial_messageable(channel_id)
            try:
                await partial.get_partial_message(message_id).delete()
            except discord.NotFound:
                log.info("the message to delete is already gone")

    def _connected(self) -> None:
        if self._client.is_closed() or self._client.user is None:
            raise DeliveryError("the Discord client is not connected")

    async def _send(self, outbound: Outbound) -> str:
        prefix, mentions = "", NO_MENTIONS
        ids = await self._community(outbound.destination.community)
        lead = int(ids.lead_role) if ids.lead_role.isdigit() else None
        if outbound.mention_leads and lead is not None:
            prefix = f"<@&{lead}>"
            mentions = discord.AllowedMentions(
                everyone=False, users=False, roles=[discord.Object(lead)], replied_user=False
            )
        tag = ""
        if outbound.destination.kind == "dm":
            # A DM's buttons carry the community the message was sent for (see guilds.py).
            tag = tag_for(outbound.destination.community, self._settings.guild_id)
        rendered = render(outbound.reply, prefix=prefix, tag=tag)
        ref = parse_ref(outbound.update_ref) if outbound.update_ref else None
        if ref is not None:
            try:
                return await self._edit(ref, rendered, mentions)
            except discord.NotFound:
                log.info("the message to update is gone; sending a new one")
        channel = await self._channel(outbound, ids)
        message = await channel.send(**rendered.send_kwargs(), allowed_mentions=mentions)
        return format_ref(message.channel.id, message.id)

    async def _edit(
        self, ref: tuple[int, int], rendered: Rendered, mentions: discord.AllowedMentions
    ) -> str:
        channel_id, message_id = ref
        partial = self._client.get_partial_messageable(channel_id)
        await partial.get_partial_message(message_id).edit(
            **rendered.edit_kwargs(), allowed_mentions=mentions
        )
        return format_ref(channel_id, message_id)

    async def _community(self, community: str) -> CommunitySettings:
        if self._ids is None:
            return env_settings(self._settings)
        return await self._ids(community)

    async def _channel(self, outbound: Outbound, ids: CommunitySettings) -> discord.abc.Messageable:
        destination = outbound.destination
        if destination.kind == "volunteers":
            if not ids.volunteers_channel.isdigit():
                raise DeliveryError("the community has no volunteers' channel", permanent=True)
            return self._client.get_partial_messageable(
                int(ids.volunteers_channel), type=discord.ChannelType.text
            )
        if destination.kind == "channel" and destination.user_id.isdigit():
            # A scenario of the week: `user_id` holds the channel's id.
            return self._client.get_partial_messageable(
                int(destination.user_id), type=discord.ChannelType.text
            )
        if destination.kind == "dm" and destination.user_id.isdigit():
            return await self._client.create_dm(discord.Object(int(destination.user_id)))
        raise DeliveryError(f"no Discord destination for kind {destination.kind!r}", permanent=True)


def _refused_for_good(exc: discord.HTTPException) -> bool:
    """A 4xx other than 429: unknown channel or user (404), DMs closed or no access (403),
    a message Discord will not take (400). Sending it again the same way cannot help."""
    return 400 <= exc.status < 500 and exc.status != 429


@contextlib.contextmanager
def _refusals() -> Iterator[None]:
    """Discord's refusals and network failures as DeliveryError, for the outbox to retry."""
    try:
        yield
    except discord.RateLimited as exc:
        raise DeliveryError("Discord rate limit", retry_after=exc.retry_after) from exc
    except discord.HTTPException as exc:
        raise DeliveryError(
            f"Discord refused the request (HTTP {exc.status}, code {exc.code})",
            retry_after=_retry_after(exc),
            permanent=_refused_for_good(exc),
        ) from exc
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise DeliveryError(f"could not reach Discord: {type(exc).__name__}") from exc


def _retry_after(exc: discord.HTTPException) -> float | None:
    header = exc.response.headers.get("Retry-After") if exc.response is not None else None
    try:
        return float(header) if header else None
    except ValueError:
        return None
