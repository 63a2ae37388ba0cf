"""The one namespaced slash command: ``/upstander practice|resources|checkin|...``.

Answered ephemerally in the ack body when the core's reply is ready in time; a form
opens as a modal right away (after the ack) with the command's trigger_id; a late reply
goes through the command's response_url.
"""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import render
from bot.adapters.slack.answer import copy, open_form, post_dm, respond, within_budget
from bot.adapters.slack.communities import community
from bot.adapters.slack.content import handle_content_command
from bot.adapters.slack.convert import CommandArgs, actor_from_command, command_args
from bot.adapters.slack.locales import SlackLocales
from bot.adapters.slack.setup import open_setup
from bot.adapters.slack.work import Work
from bot.core.actors import Actor
from bot.core.app import Upstander
from bot.core.library import parse_query
from bot.core.messages import Reply, Section

SUBCOMMANDS = (
    "practice",
    "resources",
    "checkin",
    "volunteer",
    "mydata",
    "help",
    "reload",
    "stats",
    "audit",
    "schedule",
    "content",
    "setup",
)


def register_commands(
    app: AsyncApp, core: Upstander, work: Work, command_name: str, locales: SlackLocales
) -> None:
    @app.command(command_name)
    async def on_command(
        ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await handle_command(core, work, ack, command, client, locales, community(context))


async def handle_command(
    core: Upstander,
    work: Work,
    ack: AsyncAck,
    command: dict[str, Any],
    client: AsyncWebClient,
    locales: SlackLocales,
    community: str = "",
) -> None:
    actor = actor_from_command(command, community)
    args = command_args(str(command.get("text", "")))
    if args.name == "content":
        await handle_content_command(core, work, ack, command, client, actor, args)
        return
    trigger_id = str(command.get("trigger_id", ""))
    if args.name == "setup" and not args.args:
        # An admin gets the modal (its trigger_id lasts 3 s: opened right after the ack).
        await ack()
        response_url = str(command.get("response_url", ""))
        work.spawn(open_setup(core, work, client, actor, trigger_id, response_url), "setup")
        return
    if args.name == "schedule" and not args.args:
        # The modal schedules for the channel the command was typed in.
        channel = str(command.get("channel_id", ""))
        reply, task = await within_budget(core.schedule_form(actor, channel))
    else:
        reply, task = await within_budget(_dispatch_located(core, actor, args, client, locales))
    if reply is None:
        # Slow today: acknowledge now, answer through the response_url when ready.
        await ack()
        response_url = str(command.get("response_url", ""))
        work.spawn(_answer_late(core, work, client, actor, trigger_id, response_url, task))
        return
    if reply.form is not None:
        await ack()
        work.spawn(_open(core, client, actor, trigger_id, reply), "slash command form")
        return
    await ack(response_type=_response_type(reply), **render.message(reply))


async def _open(
    core: Upstander, client: AsyncWebClient, actor: Actor, trigger_id: str, reply: Reply
) -> None:
    await open_form(core, client, actor, trigger_id, reply)


async def _answer_late(
    core: Upstander,
    work: Work,
    client: AsyncWebClient,
    actor: Actor,
    trigger_id: str,
    response_url: str,
    task: asyncio.Task[Reply],
) -> None:
    late = await task
    if late.form is not None:
        await open_form(core, client, actor, trigger_id, late)
        return
    body = render.response_body(late, response_type=_response_type(late))
    if not response_url or not await respond(work, response_url, body):
        await post_dm(client, actor, late)


def _response_type(reply: Reply) -> str:
    """Ephemeral unless the core made the reply for the whole channel (group practice)."""
    return "ephemeral" if reply.private else "in_channel"


async def _dispatch_located(
    core: Upstander,
    actor: Actor,
    args: CommandArgs,
    client: AsyncWebClient,
    locales: SlackLocales,
) -> Reply:
    # The check-in speaks the member's language and shows their region's crisis lines.
    if args.name == "checkin":
        actor = await locales.actor(client, actor)
    return await dispatch(core, actor, args)


async def dispatch(core: Upstander, actor: Actor, args: CommandArgs) -> Reply:
    name, first = args.name, args.first
    if name == "help":
        return await core.help(actor)
    if name == "practice":
        if first == "together":
            return await core.practice_together(actor, args.args[1] if len(args.args) > 1 else "")
        return await core.practice(actor, first)
    if name == "resources":
        query = parse_query(args.args)
        return await core.resources(actor, query.words, query.topic, query.kind)
    if name == "checkin":
        if first == "close":
            return await core.close_checkin(actor)
        return await core.checkin(actor)
    if name == "volunteer":
        # `volunteer anonymous on|off` takes two words; the rest take one.
        words = args.args[:2] if first == "anonymous" else args.args[:1]
        return await core.volunteer(actor, " ".join(words) or "status")
    if name == "mydata":
        return await core.mydata(actor, first or "export")
    if name == "reload":
        return await core.reload(actor)
    if name == "stats":
        return await core.stats(actor)
    if name == "audit":
        return await core.audit(actor)
    if name == "schedule":
        return await core.schedule(actor, " ".join(_channel_id(word) for word in args.args))
    if name == "setup":
        # The text form: `key=value` words; a channel named as <#C123|name> is its id.
        return await core.setup(actor, " ".join(_setting(word) for word in args.args))
    unknown = Section(copy(core, actor, "error.unknown_subcommand", command=name[:40]))
    help_reply = await core.help(actor)
    return Reply(sections=(unknown, *help_reply.sections))


def _setting(word: str) -> str:
    key, sep, value = word.partition("=")
    return f"{key}={_channel_id(value)}" if sep else word


def _channel_id(word: str) -> str:
    """Slack writes a channel named in a command as ``<#C123|name>``: its id is C123."""
    if word.startswith("<#") and word.endswith(">"):
        return word[2:-1].partition("|")[0]
    return word
