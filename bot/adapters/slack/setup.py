"""`/upstander setup` on Slack: a modal for admins, and a section of the Home tab.

The modal offers the workspace's channels (``conversations_select``), its user groups
(``usergroups.list``), the regions and languages the content knows, and two numbers.
Every decision (who may, what is valid) is the core's; the platform checks behind it are
:class:`SlackWorkspace`'s (``conversations.info``: the channel exists and the bot is in
it; ``usergroups.list``: the group exists).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import render
from bot.adapters.slack.answer import post_dm, respond, within_budget
from bot.adapters.slack.convert import actor_from_payload, where_pressed
from bot.adapters.slack.work import Work
from bot.core.actors import Actor, Role
from bot.core.app import Upstander
from bot.core.settings import CommunitySettings, Finding, known_regions

log = logging.getLogger(__name__)

CALLBACK_ID = "upstander.setup"
OPEN_ACTION_ID = "upstander.setup.open"
VALUE = "value"
UNSET = "-"  # a select's "not set" option (an option's value may not be empty)
GROUP_FIELDS = ("volunteer_role", "lead_role", "moderator_role")
MAX_OPTIONS = 100
MAX_MINUTES = "1440"
Text = Callable[[str], str]

# -- the platform's answers ---------------------------------------------------------------


class SlackWorkspace:
    """What Slack says of a channel or a user group (the WorkspaceCheck port)."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def channel(self, community: str, channel_id: str) -> Finding:
        try:
            response = await self._client.conversations_info(channel=channel_id)
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            return Finding.MISSING if error == "channel_not_found" else Finding.UNREACHABLE
        except (SlackClientError, OSError, TimeoutError):
            return Finding.UNREACHABLE
        channel = response.get("channel") or {}
        if channel.get("is_archived") or not channel.get("is_member"):
            return Finding.CANNOT_POST  # the app must be in the channel to post there
        return Finding.OK

    async def role(self, community: str, role_id: str) -> Finding:
        groups = await self.groups()
        if groups is None:
            return Finding.UNREACHABLE
        return Finding.OK if role_id in groups else Finding.MISSING

    async def groups(self) -> dict[str, str] | None:
        """The workspace's enabled user groups, id → name; None when Slack did not answer."""
        try:
            response = await self._client.usergroups_list()
        except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
            log.warning("usergroups.list failed: %s", type(exc).__name__)
            return None
        found = {}
        for group in response.get("usergroups") or ():
            if isinstance(group, Mapping) and not group.get("date_delete"):
                found[str(group.get("id"))] = str(group.get("name") or group.get("handle"))
        return found

    def mention(self, kind: str, value: str) -> str:
        return written(kind, value)


def written(kind: str, value: str) -> str:
    """A channel or a user group as setup shows it back."""
    # Shown as text (the Slack renderer escapes what the core says: nothing in it links
    # or notifies), by id: a user group's mention would notify its members.
    return f"#{value}" if kind == "channel" else value


# -- the modal ----------------------------------------------------------------------------


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": render.plain(label or value, 75), "value": value}


def _input(block_id: str, label: str, element: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": render.plain(label, 2000),
        "element": {**element, "action_id": VALUE},
    }


def _select(block_id: str, label: str, choices: Mapping[str, str], current: str, unset: str) -> Any:
    options = [_option(UNSET, unset)] + [_option(v, n) for v, n in choices.items()]
    options = options[:MAX_OPTIONS]
    element: dict[str, Any] = {"type": "static_select", "options": options}
    chosen = next((o for o in options if o["value"] == (current or UNSET)), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return _input(block_id, label, element)


def _number(block_id: str, label: str, value: int, low: str) -> dict[str, Any]:
    element = {
        "type": "number_input",
        "is_decimal_allowed": False,
        "initial_value": str(value),
        "min_value": low,
        "max_value": MAX_MINUTES,
    }
    return _input(block_id, label, element)


def setup_view(
    text: Text,
    settings: CommunitySettings,
    groups: Mapping[str, str],
    regions: tuple[str, ...],
    languages: tuple[str, ...],
) -> dict[str, Any]:
    """The modal, filled with the settings in effect."""
    unset = text("setup.unset")
    channel: dict[str, Any] = {
        "type": "conversations_select",
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if settings.volunteers_channel:
        channel["initial_conversation"] = settings.volunteers_channel
    blocks = [_input("volunteers_channel", text("setup.name.volunteers_channel"), channel)]
    for name in GROUP_FIELDS:
        current = str(getattr(settings, name))
        choices = {**groups, **({current: current} if current and current not in groups else {})}
        blocks.append(_select(name, text(f"setup.name.{name}"), choices, current, unset))
    for name, values in (("crisis_region", regions), ("language", languages)):
        current = str(getattr(settings, name))
        label = text(f"setup.name.{name}")
        blocks.append(_select(name, label, {v: v for v in values}, current, unset))
    for name, low in (("escalation_minutes", "1"), ("cooldown_minutes", "0")):
        value = int(getattr(settings, name))
        blocks.append(_number(name, text(f"setup.name.{name}"), value, low))
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": render.plain(text("setup.form_title"), render.MAX_MODAL_TITLE),
        "submit": render.plain(text("setup.form_submit"), 24),
        "blocks": blocks,
    }


def submitted(view: Mapping[str, Any]) -> dict[str, str]:
    """The modal's values as changes by field name ("" for a cleared choice)."""
    changes: dict[str, str] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        value = (actions or {}).get(VALUE) or {}
        kind = value.get("type")
        if kind == "conversations_select":
            raw = value.get("selected_conversation") or ""
        elif kind == "static_select":
            raw = (value.get("selected_option") or {}).get("value") or ""
        else:
            raw = value.get("value") or ""
        changes[str(block_id)] = "" if raw == UNSET else str(raw)
    return changes


# -- listeners ----------------------------------------------------------------------------


def register_setup(app: AsyncApp, core: Upstander, work: Work) -> None:
    @app.action(OPEN_ACTION_ID)
    async def on_open(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        actor = actor_from_payload(body)
        trigger_id = where_pressed(body).trigger_id
        work.spawn(open_setup(core, work, client, actor, trigger_id, ""), "setup modal")

    @app.view(CALLBACK_ID)
    async def on_submit(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        actor = actor_from_payload(body)
        reply, task = await within_budget(core.setup(actor, submitted(view)))
        if reply is None:
            await ack()
            work.spawn(_dm_later(client, actor, task), "late setup answer")
            return
        title = core.text(actor, "setup.form_title")
        await ack(response_action="update", view=render.reply_view(reply, title))


async def _dm_later(client: AsyncWebClient, actor: Actor, task: Any) -> None:
    await post_dm(client, actor, await task)


async def open_setup(
    core: Upstander,
    work: Work,
    client: AsyncWebClient,
    actor: Actor,
    trigger_id: str,
    response_url: str,
) -> None:
    """The modal for an admin; anyone else gets the settings (moderators) or the refusal,
    from the core, where they typed the command."""
    setup = core.services.setup
    if not await setup.is_admin(actor):
        reply = await core.setup(actor)
        body = render.response_body(reply, response_type="ephemeral")
        if not response_url or not await respond(work, response_url, body):
            await post_dm(client, actor, reply)
        return
    settings = await setup.book.get(actor.community)
    groups = await SlackWorkspace(client).groups() or {}
    catalog = core.services.content.current
    view = setup_view(
        lambda key: core.text(actor, key),
        settings,
        groups,
        known_regions(catalog),
        catalog.copy.locales(),
    )
    try:
        await client.views_open(trigger_id=trigger_id, view=view)
    except (SlackApiError, SlackClientError, OSError, TimeoutError) as exc:
        log.warning("could not open the setup modal: %s", type(exc).__name__)


async def home_section(core: Upstander, actor: Actor) -> list[dict[str, Any]]:
    """The Home tab's settings section: for admins and moderators only, with a button to
    the modal for admins."""
    setup = core.services.setup
    roles = await setup.roles(actor)
    if not roles & {Role.ADMIN, Role.MODERATOR}:
        return []
    settings = await setup.book.get(actor.community)
    blocks: list[dict[str, Any]] = [{"type": "divider"}]
    blocks += render.section_blocks(setup.view(actor, settings))
    blocks.append(render.mrkdwn(render.format_text(core.text(actor, "setup.home_admins"))))
    if Role.ADMIN in roles:
        button = {
            "type": "button",
            "action_id": OPEN_ACTION_ID,
            "value": "setup",
            "text": render.plain(core.text(actor, "setup.home_button"), 75),
        }
        blocks.append({"type": "actions", "elements": [button]})
    return blocks
