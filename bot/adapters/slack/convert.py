"""Slack payloads → core requests: small pure functions over recorded payloads.

Payloads are typed as ``TypedDict``s at this edge (only the keys we read).  Nothing here
trusts a role or a name for a decision: the core asks the Directory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict, cast

from bot.core.actors import Actor

PLATFORM = "slack"


class SlashCommand(TypedDict):
    user_id: str
    user_name: NotRequired[str]
    channel_id: NotRequired[str]
    text: NotRequired[str]
    trigger_id: NotRequired[str]
    response_url: NotRequired[str]


class PayloadUser(TypedDict):
    id: str
    name: NotRequired[str]
    username: NotRequired[str]


class Container(TypedDict, total=False):
    type: str
    channel_id: str
    message_ts: str
    view_id: str
    is_ephemeral: bool


class InteractionPayload(TypedDict):
    """The keys we read of ``block_actions`` and ``view_submission`` payloads."""

    type: str
    user: PayloadUser
    trigger_id: NotRequired[str]
    container: NotRequired[Container]
    response_url: NotRequired[str]
    view: NotRequired[dict[str, Any]]


class MessageEvent(TypedDict):
    type: str
    user: NotRequired[str]
    text: NotRequired[str]
    channel: NotRequired[str]
    channel_type: NotRequired[str]
    subtype: NotRequired[str]
    bot_id: NotRequired[str]


# -- who -------------------------------------------------------------------------------


def actor_from_command(command: Mapping[str, Any]) -> Actor:
    body = cast(SlashCommand, command)
    return Actor(PLATFORM, str(body["user_id"]), display_name=str(body.get("user_name", "")))


def actor_from_payload(payload: Mapping[str, Any]) -> Actor:
    user = cast(InteractionPayload, payload)["user"]
    name = user.get("name") or user.get("username") or ""
    return Actor(PLATFORM, str(user["id"]), display_name=str(name))


def actor_from_user_id(user_id: str) -> Actor:
    return Actor(PLATFORM, user_id)


# -- slash command arguments -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommandArgs:
    name: str
    args: tuple[str, ...]

    @property
    def first(self) -> str:
        return self.args[0] if self.args else ""


def command_args(text: str) -> CommandArgs:
    """``/upstander practice bus`` → ``CommandArgs("practice", ("bus",))``; empty → help."""
    words = text.split()
    if not words:
        return CommandArgs("help", ())
    return CommandArgs(words[0].lower(), tuple(words[1:]))


@dataclass(frozen=True, slots=True)
class ResourceQuery:
    words: str = ""
    topic: str = ""
    kind: str = ""


def resource_query(args: tuple[str, ...]) -> ResourceQuery:
    """``WORDS [topic:ID] [kind:KIND]`` in any order."""
    words: list[str] = []
    topic = kind = ""
    for arg in args:
        if arg.startswith("topic:"):
            topic = arg.removeprefix("topic:")
        elif arg.startswith("kind:"):
            kind = arg.removeprefix("kind:")
        else:
            words.append(arg)
    return ResourceQuery(" ".join(words), topic, kind)


# -- forms -----------------------------------------------------------------------------


def form_values(view: Mapping[str, Any]) -> dict[str, str]:
    """``view.state.values`` (block_id → action_id → value object) → field id → value.

    One input per block: the block id is the core's field id.  Unknown element types and
    missing selections become "" (the core decides what is required).
    """
    state = view.get("state")
    values = state.get("values") if isinstance(state, Mapping) else None
    out: dict[str, str] = {}
    if not isinstance(values, Mapping):
        return out
    for block_id, actions in values.items():
        if not isinstance(actions, Mapping):
            continue
        for element in actions.values():
            if isinstance(element, Mapping):
                out[str(block_id)] = _element_value(element)
                break
    return out


def _element_value(element: Mapping[str, Any]) -> str:
    kind = element.get("type")
    if kind in ("radio_buttons", "static_select", "external_select"):
        selected = element.get("selected_option")
        if isinstance(selected, Mapping):
            return str(selected.get("value") or "")
        return ""
    value = element.get("value")
    return value if isinstance(value, str) else ""


def form_id(view: Mapping[str, Any]) -> str:
    metadata = view.get("private_metadata")
    return metadata if isinstance(metadata, str) else ""


# -- block actions ---------------------------------------------------------------------


def pressed_value(action: Mapping[str, Any]) -> str:
    """The core's Action.id a button (``value``) or a picker (selected option) carries."""
    selected = action.get("selected_option")
    if isinstance(selected, Mapping):
        return str(selected.get("value") or "")
    value = action.get("value")
    return value if isinstance(value, str) else ""


@dataclass(frozen=True, slots=True)
class Where:
    """Where a pressed element was: a message (with a response_url) or a view."""

    in_view: bool
    channel_id: str
    response_url: str
    trigger_id: str


def where_pressed(payload: Mapping[str, Any]) -> Where:
    body = cast(InteractionPayload, payload)
    container = body.get("container", {})
    return Where(
        in_view=container.get("type") == "view",
        channel_id=str(container.get("channel_id", "")),
        response_url=str(body.get("response_url", "")),
        trigger_id=str(body.get("trigger_id", "")),
    )


# -- events ----------------------------------------------------------------------------


def dm_from_person(event: Mapping[str, Any]) -> tuple[Actor, str] | None:
    """A person's own message in their DM with the bot, or None for anything else
    (bots, edits, joins and other subtypes, channels)."""
    body = cast(MessageEvent, event)
    if body.get("channel_type") != "im" or body.get("subtype") or body.get("bot_id"):
        return None
    user = body.get("user")
    text = body.get("text")
    if not user or not isinstance(text, str):
        return None
    return actor_from_user_id(user), unescape(text)


def unescape(text: str) -> str:
    """Slack sends message text with ``&``, ``<``, ``>`` escaped; the core keeps the words
    as the person typed them (render escapes again on the way out)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
