"""Slack payloads → core requests: small pure functions over recorded payloads.

Payloads are typed as ``TypedDict``s at this edge (only the keys we read).  Nothing here
trusts a role or a name for a decision: the core asks the Directory.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict, cast

from bot.core.actors import Actor
from bot.core.errors import UpstanderError

PLATFORM = "slack"


class MalformedPayload(UpstanderError, ValueError):
    """Slack sent something this adapter cannot read (a payload without a user id, or not
    an object where one belongs). The request is refused; nothing reaches the core."""


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


# -- the request as a whole ------------------------------------------------------------

INTERACTIONS = frozenset(
    {"block_actions", "view_submission", "view_closed", "block_suggestion", "shortcut"}
)


def check_request(body: Mapping[str, Any]) -> None:
    """Refuse, with :class:`MalformedPayload`, a signed request body Slack never sends
    and that slack-bolt or the listeners could not read; call it before dispatch.

    Slash commands need a user id; interactions a user object with an id, ``actions`` a
    non-empty list of objects with string ``action_id`` s, views an object with a string
    ``type``; events an ``event`` object with a string ``type`` and, when they name a
    user, a valid id; ``actions``, on any interaction that has them, the same list.
    Anything else (other keys, their values) is left to the listeners,
    which read it leniently (see the functions below).
    """
    body = _mapping(body, "the request body")
    kind = body.get("type")
    if "command" in body:
        _user_id(body.get("user_id"))
    elif kind == "event_callback":
        _check_event(_mapping(body.get("event"), "the event"))
    elif isinstance(kind, str) and kind in INTERACTIONS:
        _check_interaction(body, kind)


def _check_event(event: Mapping[str, Any]) -> None:
    if not isinstance(event.get("type"), str):
        raise MalformedPayload("the event has no type")
    if event.get("user") is not None:
        _user_id(event.get("user"))


def _check_interaction(body: Mapping[str, Any], kind: str) -> None:
    user = _mapping(body.get("user"), "the payload's user")
    _user_id(user.get("id"))
    actions = body.get("actions")
    if kind == "block_actions" and (not isinstance(actions, list) or not actions):
        raise MalformedPayload("block_actions without actions")
    # Other interactions carry no actions; one that does gets the same check, so that
    # nothing downstream (bolt, a listener) ever meets a malformed list.
    if actions is not None:
        _check_actions(actions)
    for key in ("container", "view", "team", "channel"):
        if key in body and body[key] is not None:
            _mapping(body[key], f"the payload's {key}")
    if kind in ("view_submission", "view_closed"):
        view = _mapping(body.get("view"), "the view")
        if not isinstance(view.get("type"), str):
            raise MalformedPayload("the view has no type")


def _check_actions(actions: object) -> None:
    if not isinstance(actions, list):
        raise MalformedPayload("the actions are not a list")
    for action in actions:
        if not isinstance(_mapping(action, "an action").get("action_id"), str):
            raise MalformedPayload("an action without an action_id")


# -- who -------------------------------------------------------------------------------


# `community`: the workspace's community id (``communities.community``), "" for the
# default one.


def actor_from_command(command: Mapping[str, Any], community: str = "") -> Actor:
    body = cast(SlashCommand, _mapping(command, "a slash command"))
    name = _text(body.get("user_name"))
    return Actor(PLATFORM, _user_id(body.get("user_id")), display_name=name, community=community)


def actor_from_payload(payload: Mapping[str, Any], community: str = "") -> Actor:
    body = cast(InteractionPayload, _mapping(payload, "an interaction payload"))
    user = _mapping(body.get("user"), "the payload's user")
    name = _text(user.get("name")) or _text(user.get("username"))
    return Actor(PLATFORM, _user_id(user.get("id")), display_name=name, community=community)


def actor_from_user_id(user_id: str, community: str = "") -> Actor:
    return Actor(PLATFORM, _user_id(user_id), community=community)


# Slack's ids (U…, W…, B…, C…): letters and digits.  Anything else in an id (``<``, ``!``,
# ``@``, spaces) could become markup where the id is shown, so it is refused.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def _user_id(value: object) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise MalformedPayload("no valid user id in the payload")
    return value


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise MalformedPayload(f"{what} is not an object")
    return value


def _text(value: object) -> str:
    """A string Slack sent, or "" for a missing key or anything that is not a string."""
    return value if isinstance(value, str) else ""


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


# -- forms -----------------------------------------------------------------------------


def form_values(view: Mapping[str, Any]) -> dict[str, str]:
    """``view.state.values`` (block_id → action_id → value object) → field id → value.

    One input per block: the block id is the core's field id.  Unknown element types and
    missing selections become "" (the core decides what is required).
    """
    state = _mapping(view, "the view").get("state")
    values = state.get("values") if isinstance(state, Mapping) else None
    out: dict[str, str] = {}
    if not isinstance(values, Mapping):
        return out
    for block_id, actions in values.items():
        if not isinstance(block_id, str) or not isinstance(actions, Mapping):
            continue
        for element in actions.values():
            if isinstance(element, Mapping):
                out[block_id] = _element_value(element)
                break
    return out


def _element_value(element: Mapping[str, Any]) -> str:
    kind = element.get("type")
    if kind in ("radio_buttons", "static_select", "external_select"):
        return _selected(element)
    return _text(element.get("value"))


def _selected(element: Mapping[str, Any]) -> str:
    selected = element.get("selected_option")
    return _text(selected.get("value")) if isinstance(selected, Mapping) else ""


def form_id(view: Mapping[str, Any]) -> str:
    return _text(_mapping(view, "the view").get("private_metadata"))


# -- block actions ---------------------------------------------------------------------


def pressed_value(action: Mapping[str, Any]) -> str:
    """The core's Action.id a button (``value``) or a picker (selected option) carries."""
    action = _mapping(action, "the action")
    if isinstance(action.get("selected_option"), Mapping):
        return _selected(action)
    return _text(action.get("value"))


@dataclass(frozen=True, slots=True)
class Where:
    """Where a pressed element was: a message (with a response_url) or a view."""

    in_view: bool
    channel_id: str
    response_url: str
    trigger_id: str
    view_id: str = ""
    view_callback: str = ""  # the view's callback_id: which of our views it was
    view_title: str = ""


def where_pressed(payload: Mapping[str, Any]) -> Where:
    body = _mapping(payload, "an interaction payload")
    container = body.get("container")
    if not isinstance(container, Mapping):
        container = {}
    view = body.get("view")
    if not isinstance(view, Mapping):
        view = {}
    title = view.get("title")
    return Where(
        in_view=container.get("type") == "view",
        channel_id=_text(container.get("channel_id")),
        response_url=_text(body.get("response_url")),
        trigger_id=_text(body.get("trigger_id")),
        view_id=_text(view.get("id")),
        view_callback=_text(view.get("callback_id")),
        view_title=_text(title.get("text")) if isinstance(title, Mapping) else "",
    )


# -- events ----------------------------------------------------------------------------


def dm_from_person(event: Mapping[str, Any], community: str = "") -> tuple[Actor, str] | None:
    """A person's own message in their DM with the bot, or None for anything else
    (bots, edits, joins and other subtypes, channels, events without a usable user)."""
    if not isinstance(event, Mapping):
        return None
    body = cast(MessageEvent, event)
    if body.get("channel_type") != "im" or body.get("subtype") or body.get("bot_id"):
        return None
    user = body.get("user")
    text = body.get("text")
    if not isinstance(user, str) or not _ID.fullmatch(user) or not isinstance(text, str):
        return None
    return actor_from_user_id(user, community), unescape(text)


def unescape(text: str) -> str:
    """Slack sends message text with ``&``, ``<``, ``>`` escaped; the core keeps the words
    as the person typed them (render escapes again on the way out)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
