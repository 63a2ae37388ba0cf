"""Buttons, pickers and modal submissions: ``block_actions`` and ``view_submission``.

A press is acknowledged at once and its work (the core, then the answer) runs in a task
the adapter tracks (``Work``); a modal submission waits for the core within the ack
budget, because its ack is where errors are shown and where the answer replaces the
form in front of the member (``response_action``).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import render
from bot.adapters.slack.answer import answer_press, open_form, post_dm, within_budget
from bot.adapters.slack.communities import community
from bot.adapters.slack.convert import (
    actor_from_payload,
    form_id,
    form_values,
    pressed_value,
    where_pressed,
)
from bot.adapters.slack.locales import SlackLocales
from bot.adapters.slack.work import Work
from bot.core.actors import Actor
from bot.core.app import Upstander
from bot.core.messages import Reply

CORE_BUTTON = re.compile(r"^upk?:\d+$")
# The check-in's buttons (bot.core.desk_support): answered in the member's locale.
CHECKIN_PREFIX = "checkin."
LINK_BUTTON = re.compile(r"^link:\d+$")


def register_interactions(
    app: AsyncApp, core: Upstander, work: Work, locales: SlackLocales
) -> None:
    _register_presses(app, core, work, locales)
    _register_form_submission(app, core, work, locales)


def _register_presses(app: AsyncApp, core: Upstander, work: Work, locales: SlackLocales) -> None:
    @app.action(CORE_BUTTON)
    async def on_button(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        keep = str(action.get("action_id", "")).startswith(render.KEEP_PREFIX)
        actor = actor_from_payload(body, community(context))
        press = _press(core, work, actor, body, action, client, keep=keep, locales=locales)
        work.spawn(press, "button press")

    @app.action(render.HOME_PICK_ACTION_ID)
    async def on_pick(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        actor = actor_from_payload(body, community(context))
        work.spawn(_press(core, work, actor, body, action, client, keep=True), "Home pick")

    @app.action(render.HOME_FORM_ACTION_ID)
    async def on_home_form(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        actor = actor_from_payload(body, community(context))
        work.spawn(_home_form(core, actor, body, client, locales), "Home check-in")

    @app.action(LINK_BUTTON)
    async def on_link(ack: AsyncAck) -> None:
        # Slack opens the URL itself; it still tells the app, which only acknowledges.
        await ack()


def _register_form_submission(
    app: AsyncApp, core: Upstander, work: Work, locales: SlackLocales
) -> None:
    @app.view(render.FORM_CALLBACK_ID)
    async def on_submit(
        ack: AsyncAck,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        actor = actor_from_payload(body, community(context))
        values = form_values(view)
        reply, task = await within_budget(_submit(core, locales, client, actor, view, values))
        if reply is None:
            await ack()
            work.spawn(_dm_when_ready(client, actor, task), "late form answer")
        elif reply.form is not None:
            await _ack_form_again(ack, reply, values)
        else:
            # The answer replaces the form in front of the member (crisis lines first when
            # flagged), and a copy goes to their DM with the bot, where it stays.
            title = str((view.get("title") or {}).get("text") or "")
            await ack(response_action="update", view=render.reply_view(reply, title))
            work.spawn(post_dm(client, actor, reply), "form answer")


async def _ack_form_again(ack: AsyncAck, reply: Reply, values: dict[str, str]) -> None:
    """The core sent the form back: show the crisis lines in the modal, else the errors."""
    assert reply.form is not None
    if reply.pinned:
        # Crisis lines are never hidden behind an error: show them in the modal.
        view_again = render.modal_view(reply.form, reply, values)
        await ack(response_action="update", view=view_again)
    else:
        text = "\n".join(s.text for s in reply.sections)
        errors = render.form_errors(reply.form, values, text)
        await ack(response_action="errors", errors=errors)


async def _submit(
    core: Upstander,
    locales: SlackLocales,
    client: AsyncWebClient,
    actor: Actor,
    view: dict[str, Any],
    values: dict[str, str],
) -> Reply:
    located = await locales.actor(client, actor)
    return await core.submit_form(located, form_id(view), values)


async def _press(
    core: Upstander,
    work: Work,
    actor: Actor,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    *,
    keep: bool,
    locales: SlackLocales | None = None,
) -> None:
    value = pressed_value(action)
    if locales is not None and value.startswith(CHECKIN_PREFIX):
        actor = await locales.actor(client, actor)
    reply = await core.press(actor, value)
    await answer_press(core, client, work, actor, where_pressed(body), reply, keep=keep)


async def _home_form(
    core: Upstander,
    actor: Actor,
    body: dict[str, Any],
    client: AsyncWebClient,
    locales: SlackLocales,
) -> None:
    actor = await locales.actor(client, actor)
    reply = await core.checkin(actor)
    if reply.form is not None:
        await open_form(core, client, actor, where_pressed(body).trigger_id, reply)
    else:
        await post_dm(client, actor, reply)


async def _dm_when_ready(client: AsyncWebClient, actor: Actor, task: asyncio.Task[Reply]) -> None:
    await post_dm(client, actor, await task)
