"""Getting a core reply to the person who asked: inline ack, response_url, modal or DM.

- a slash command is answered in its ack body when the reply is ready within the
  budget, else acknowledged at once and answered through its response_url;
- a form opens as a modal with the request's trigger_id (valid for 3 s);
- a button in a message answers through the message's response_url: replacing the
  message when the core asks and the message has no pinned sections, else as a new
  (ephemeral, or in a DM plain) message; when the core says what the pressed message
  now stands for (``Reply.pressed``: Send and Cancel), that message is replaced first;
- a form's answer replaces the form in its modal (``response_action: update``, in
  interactions.py) and is copied to the DM; a button in that modal updates the modal
  (and copies the answer to the DM);
- anything else (the Home tab, a form's answer too late for the ack, a DM) is posted
  in the person's DM with the bot.

response_urls are posted to on the adapter's one shared session (``Work.session``), not
with bolt's ``respond``, which opens a new session (and connection) for every call.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import replace
from typing import Any

import aiohttp
from aiohttp.payload import BytesPayload
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import render
from bot.adapters.slack.convert import Where
from bot.adapters.slack.failures import failure_reason
from bot.adapters.slack.work import Work
from bot.core.actors import Actor
from bot.core.app import Upstander
from bot.core.messages import Reply, Section

log = logging.getLogger(__name__)

# Slack wants every request acknowledged within 3 s; keep a margin for the network.
ACK_BUDGET_SECONDS = 2.0
JSON = "application/json"


async def within_budget(
    work: Coroutine[Any, Any, Reply], budget: float | None = None
) -> tuple[Reply | None, asyncio.Task[Reply]]:
    """Start the core's work; return its reply if it is ready in time, and the task."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=ACK_BUDGET_SECONDS if budget is None else budget)
    return (task.result() if done else None), task


def copy(core: Upstander, actor: Actor, key: str, **params: object) -> str:
    return core.text(actor, key, **params)


async def post_dm(client: AsyncWebClient, actor: Actor, reply: Reply) -> None:
    try:
        await client.chat_postMessage(
            channel=actor.user_id, unfurl_links=False, unfurl_media=False, **render.message(reply)
        )
    except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
        log.warning("could not post a reply in a DM: %s", failure_reason(exc))


async def open_form(
    core: Upstander, client: AsyncWebClient, actor: Actor, trigger_id: str, reply: Reply
) -> bool:
    """Open the reply's form as a modal; on failure tell the person (in their DM)."""
    assert reply.form is not None
    try:
        await client.views_open(trigger_id=trigger_id, view=render.modal_view(reply.form, reply))
        return True
    except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
        log.warning("views.open failed: %s", failure_reason(exc))
    sorry = Reply(pinned=reply.pinned, sections=(Section(copy(core, actor, "error.sorry")),))
    await post_dm(client, actor, sorry)
    return False


async def answer_press(
    core: Upstander,
    client: AsyncWebClient,
    work: Work,
    actor: Actor,
    where: Where,
    reply: Reply,
    *,
    keep: bool,
) -> None:
    """Show the reply to a pressed button or picker (see the module docstring)."""
    if reply.form is not None:
        await open_form(core, client, actor, where.trigger_id, reply)
        return
    if where.in_view and where.view_callback == render.REPLY_CALLBACK_ID:
        await _answer_in_modal(client, actor, where, replace(reply, pressed=None))
        return
    if where.in_view or not where.response_url:
        await post_dm(client, actor, replace(reply, pressed=None))
        return
    if reply.pressed is not None:
        # The pressed message shows what happened, its buttons gone; the answer follows.
        await respond(
            work, where.response_url, render.response_body(reply.pressed, replace_original=True)
        )
        reply = replace(reply, pressed=None)
        body = _new_message(reply, where)
    elif reply.replace and not keep:
        body = render.response_body(reply, replace_original=True)
    else:
        body = _new_message(reply, where)
    if not await respond(work, where.response_url, body):
        # An expired or used-up response_url: the DM still reaches them.
        await post_dm(client, actor, reply)


def _new_message(reply: Reply, where: Where) -> bytes:
    kind = "in_channel" if where.channel_id.startswith("D") else "ephemeral"
    return render.response_body(reply, response_type=kind, replace_original=False)


async def _answer_in_modal(
    client: AsyncWebClient, actor: Actor, where: Where, reply: Reply
) -> None:
    """A press in the modal the member is looking at: the modal shows the answer (its old
    buttons gone with it), and a copy goes to their DM, where it stays."""
    try:
        await client.views_update(
            view_id=where.view_id, view=render.reply_view(reply, where.view_title)
        )
    except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
        log.warning("views.update failed: %s", failure_reason(exc))
    await post_dm(client, actor, reply)


async def respond(work: Work, response_url: str, body: bytes) -> bool:
    """POST ``body`` (JSON, from `render.response_body`) to a response_url on the shared
    session; True when taken."""
    payload = BytesPayload(body, content_type=JSON, encoding="utf-8")
    try:
        async with work.session.post(response_url, data=payload) as response:
            await response.read()
            status = response.status
    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
        log.warning("response_url failed: %s", failure_reason(exc))
        return False
    if status != 200:
        log.warning("response_url answered %s", status)
        return False
    return True
