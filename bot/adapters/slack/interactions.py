"""Buttons, pickers and modal submissions: ``block_actions`` and ``view_submission``."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import render
from bot.adapters.slack.answer import answer_press, open_form, post_dm, within_budget
from bot.adapters.slack.convert import (
    actor_from_payload,
    form_id,
    form_values,
    pressed_value,
    where_pressed,
)
from bot.bootstrap import Runtime

CORE_BUTTON = re.compile(r"^upk?:\d+$")
LINK_BUTTON = re.compile(r"^link:\d+$")


def register_interactions(app: AsyncApp, runtime: Runtime) -> None:
    @app.action(CORE_BUTTON)
    async def on_button(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond | None = None,
    ) -> None:
        await ack()
        keep = str(action.get("action_id", "")).startswith(render.KEEP_PREFIX)
        await _press(runtime, body, action, client, respond, keep=keep)

    @app.action(render.HOME_PICK_ACTION_ID)
    async def on_pick(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond | None = None,
    ) -> None:
        await ack()
        await _press(runtime, body, action, client, respond, keep=True)

    @app.action(render.HOME_FORM_ACTION_ID)
    async def on_home_form(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        actor = actor_from_payload(body)
        reply = await runtime.app.checkin(actor)
        if reply.form is not None:
            await open_form(runtime, client, actor, where_pressed(body).trigger_id, reply)
        else:
            await post_dm(client, actor, reply)

    @app.action(LINK_BUTTON)
    async def on_link(ack: AsyncAck) -> None:
        # Slack opens the URL itself; it still tells the app, which only acknowledges.
        await ack()

    @app.view(render.FORM_CALLBACK_ID)
    async def on_submit(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        actor = actor_from_payload(body)
        values = form_values(view)
        work = runtime.app.submit_form(actor, form_id(view), values)
        reply, task = await within_budget(work)
        if reply is None:
            await ack()
            await post_dm(client, actor, await task)
            return
        if reply.form is not None:
            if reply.pinned:
                # Crisis lines are never hidden behind an error: show them in the modal.
                view_again = render.modal_view(reply.form, reply, values)
                await ack(response_action="update", view=view_again)
            else:
                text = "\n".join(s.text for s in reply.sections)
                errors = render.form_errors(reply.form, values, text)
                await ack(response_action="errors", errors=errors)
            return
        await ack()
        await post_dm(client, actor, reply)


async def _press(
    runtime: Runtime,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond | None,
    *,
    keep: bool,
) -> None:
    actor = actor_from_payload(body)
    reply = await runtime.app.press(actor, pressed_value(action))
    await answer_press(runtime, client, respond, actor, where_pressed(body), reply, keep=keep)
