"""Events API: messages in the bot's DMs (the check-in relay) and the App Home tab.

bolt acknowledges an event when its listener returns: the listeners hand their work to
a task the adapter tracks (``Work``) and return at once.

Slack delivers an event again when it did not see our answer in time (with
``X-Slack-Retry-Num``), and a signed request can be replayed within its five minutes:
a DM is relayed only the first time its ``event_id`` is seen by any process sharing the
store (``Lifecycle.first_sighting``), so a member's message never reaches the
volunteer twice.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import render
from bot.adapters.slack.communities import community
from bot.adapters.slack.convert import actor_from_user_id, dm_from_person
from bot.adapters.slack.setup import home_section
from bot.adapters.slack.work import Work
from bot.core.actors import Actor
from bot.core.app import Upstander
from bot.core.messages import parse_action_id
from bot.core.practice import INTRO
from bot.lifecycle import Lifecycle

log = logging.getLogger(__name__)

EVENT_KEY = "slack-event:"  # the sighting key of an Events API delivery: + its event_id


def register_events(app: AsyncApp, core: Upstander, lifecycle: Lifecycle, work: Work) -> None:
    @app.event("message")
    async def on_message(
        event: dict[str, Any],
        body: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        found = dm_from_person(event, community(context))
        if found is None:
            return
        actor, text = found
        channel = str(event.get("channel") or actor.user_id)
        event_id = str(body.get("event_id") or "")
        relay = _relay_once(core, lifecycle, client, actor, text, channel, event_id)
        work.spawn(relay, "DM")

    @app.event("app_home_opened")
    async def on_home_opened(
        event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        actor = actor_from_user_id(str(event["user"]), community(context))
        work.spawn(publish_home(core, client, actor), "Home tab")


async def _relay_once(
    core: Upstander,
    lifecycle: Lifecycle,
    client: AsyncWebClient,
    actor: Actor,
    text: str,
    channel: str,
    event_id: str,
) -> None:
    if event_id and not await lifecycle.first_sighting(EVENT_KEY + event_id):
        log.info("skipped a Slack event already handled (%s)", event_id)
        return
    await _relay(core, client, actor, text, channel)


async def _relay(
    core: Upstander, client: AsyncWebClient, actor: Actor, text: str, channel: str
) -> None:
    reply = await core.message(actor, text)
    if reply is None:
        return
    try:
        await client.chat_postMessage(
            channel=channel, unfurl_links=False, unfurl_media=False, **render.message(reply)
        )
    except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
        log.warning("could not answer a DM: %s", type(exc).__name__)


async def home_parts(core: Upstander, actor: Actor) -> render.HomeParts:
    practice = await core.practice(actor)
    picked = tuple(a for a in practice.actions if parse_action_id(a.id)[0] == INTRO)
    return render.HomeParts(
        practice=practice,
        picked=picked,
        library=await core.resources(actor),
        checkin=await core.checkin(actor),
    )


async def publish_home(core: Upstander, client: AsyncWebClient, actor: Actor) -> None:
    view = render.home_view(await home_parts(core, actor))
    section = await home_section(core, actor)
    if len(view["blocks"]) + len(section) <= render.MAX_VIEW_BLOCKS:
        view["blocks"] += section
    try:
        await client.views_publish(user_id=actor.user_id, view=view)
    except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
        log.warning("views.publish failed: %s", type(exc).__name__)
