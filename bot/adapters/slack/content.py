"""`/upstander content upload | download | revert` on Slack (issue 20.5).

`upload` opens a modal with a `file_input` (the app needs the `files:read` scope); on
submit the modal closes, the file is looked up with `files.info` and fetched from its
`url_private_download` with the bot token, and the core's answer (every problem as
`file:line`, or what is now stored) comes in the moderator's DM. `download` answers with
the files' text in code blocks, since posting files would need `files:write` too.
The core checks the moderator role for each step and decides everything.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import render
from bot.adapters.slack.answer import copy, open_form, post_dm, within_budget
from bot.adapters.slack.convert import CommandArgs, actor_from_payload
from bot.adapters.slack.failures import failure_reason
from bot.adapters.slack.work import Work
from bot.core.actors import Actor
from bot.core.app import Upstander
from bot.core.content_admin import FILE_FIELD, MAX_UPLOAD_BYTES, PATH_FIELD
from bot.core.messages import Form, Reply, Section

log = logging.getLogger(__name__)

CALLBACK_ID = "upstander.content_upload"
# A code block's worth of a file per section, inside Slack's 3,000 characters.
FILE_CHUNK = 2800


async def content_reply(core: Upstander, actor: Actor, args: CommandArgs) -> Reply:
    """The answer to `/upstander content <action> ...` (an upload answers with its form)."""
    action, rest = (args.args[0], args.args[1:]) if args.args else ("upload", ())
    if action == "upload" and not rest:
        return await core.community_content.upload_form(actor)
    if action == "download" and not rest:
        return files_as_text(await core.community_content.download(actor))
    if action == "revert" and len(rest) == 1:
        return await core.community_content.revert(actor, rest[0])
    return Reply(sections=(Section(copy(core, actor, "community_content.usage")),))


async def handle_content_command(
    core: Upstander,
    work: Work,
    ack: AsyncAck,
    command: Mapping[str, Any],
    client: AsyncWebClient,
    actor: Actor,
    args: CommandArgs,
) -> None:
    reply, task = await within_budget(content_reply(core, actor, args))
    if reply is None:
        await ack()
        work.spawn(_dm_when_done(client, actor, task), "content command")
        return
    if reply.form is not None:
        await ack()
        trigger_id = str(command.get("trigger_id", ""))
        work.spawn(_open_modal(core, client, actor, trigger_id, reply), "content form")
        return
    await ack(response_type="ephemeral", **render.message(reply))


def register_content(app: AsyncApp, core: Upstander, work: Work) -> None:
    @app.view(CALLBACK_ID)
    async def on_upload(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()  # the modal closes; the answer comes in the DM
        actor = actor_from_payload(body)
        work.spawn(_upload(core, work, client, actor, view), "content upload")


def upload_modal(form: Form) -> render.Block:
    file_label, path_label = (f.label for f in form.fields)
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": form.id,
        "title": render.plain(form.title, render.MAX_MODAL_TITLE),
        "submit": render.plain(form.submit_label, render.MAX_MODAL_TITLE),
        "blocks": [
            {
                "type": "input",
                "block_id": FILE_FIELD,
                "label": render.plain(file_label, render.MAX_LABEL),
                "element": {
                    "type": "file_input",
                    "action_id": render.INPUT_ACTION_ID,
                    "filetypes": ["yaml", "yml"],
                    "max_files": 1,
                },
            },
            {
                "type": "input",
                "block_id": PATH_FIELD,
                "optional": True,
                "label": render.plain(path_label, render.MAX_LABEL),
                "element": {"type": "plain_text_input", "action_id": render.INPUT_ACTION_ID},
            },
        ],
    }


def files_as_text(reply: Reply) -> Reply:
    """A reply's files as code blocks after its sections, cut where Slack needs."""
    shown = []
    for file in reply.files:
        text = file.text.replace("```", "'''")
        chunks = [text[at : at + FILE_CHUNK] for at in range(0, len(text), FILE_CHUNK)]
        shown += [
            Section(f"```{chunk}```", title=file.name if n == 0 else "")
            for n, chunk in enumerate(chunks or [""])
        ]
    return Reply(sections=(*reply.sections, *shown), private=reply.private)


async def _open_modal(
    core: Upstander, client: AsyncWebClient, actor: Actor, trigger_id: str, reply: Reply
) -> None:
    assert reply.form is not None
    try:
        await client.views_open(trigger_id=trigger_id, view=upload_modal(reply.form))
    except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
        log.warning("views.open failed: %s", failure_reason(exc))
        await open_form(core, client, actor, "", reply)  # says sorry in the DM


async def _dm_when_done(client: AsyncWebClient, actor: Actor, task: Any) -> None:
    await post_dm(client, actor, await task)


async def _upload(
    core: Upstander, work: Work, client: AsyncWebClient, actor: Actor, view: Mapping[str, Any]
) -> None:
    file_id, path = _submitted(view)
    reply = await _fetched_and_uploaded(core, work, client, actor, file_id, path)
    await post_dm(client, actor, reply)


async def _fetched_and_uploaded(
    core: Upstander, work: Work, client: AsyncWebClient, actor: Actor, file_id: str, path: str
) -> Reply:
    sorry = Reply(sections=(Section(copy(core, actor, "error.sorry")),))
    try:
        info = (await client.files_info(file=file_id))["file"]
    except (SlackApiError, SlackClientError, OSError, TimeoutError, KeyError) as exc:
        log.warning("files.info failed: %s", failure_reason(exc))
        return sorry
    name = path or str(info.get("name") or "")
    size = int(info.get("size") or 0)
    if size > MAX_UPLOAD_BYTES:
        return await core.community_content.upload(actor, name, b"", size=size)
    url = str(info.get("url_private_download") or info.get("url_private") or "")
    data = await _download(work, url, client.token or "")
    if data is None:
        return sorry
    return await core.community_content.upload(actor, name, data)


async def _download(work: Work, url: str, token: str) -> bytes | None:
    """The file's bytes (at most one past the limit, which the core then refuses)."""
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with work.session.get(url, headers=headers) as response:
            if response.status != 200 or response.content_type == "text/html":
                log.warning("a file download answered HTTP %s", response.status)
                return None
            return await response.content.read(MAX_UPLOAD_BYTES + 1)
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("a file download failed: %s", type(exc).__name__)
        return None


def _submitted(view: Mapping[str, Any]) -> tuple[str, str]:
    """The uploaded file's id and the path typed (empty when none)."""
    values = (view.get("state") or {}).get("values") or {}
    element = (values.get(FILE_FIELD) or {}).get(render.INPUT_ACTION_ID) or {}
    files = element.get("files") or [{}]
    typed = (values.get(PATH_FIELD) or {}).get(render.INPUT_ACTION_ID) or {}
    return str(files[0].get("id") or ""), str(typed.get("value") or "").strip()
