"""Core replies as Slack Block Kit: pure functions, no I/O.

Every text that reaches a ``mrkdwn`` object is escaped (``&``, ``<``, ``>`` as Slack
documents) and marked ``verbatim`` so that nothing a person typed can become a live
mention (``<!channel>``, ``<!here>``, ``<@U…>``, ``<#C…>``, a bare ``@here``).  Only URLs
are turned into links, after escaping.  ``plain_text`` objects (buttons, labels, modal
titles) are never parsed by Slack and are sent as they are, cut to Slack's limits.

Buttons that route to the core get ``action_id`` ``up:<n>`` (unique in the message) and
carry the core's ``Action.id`` in ``value``; in a message with pinned sections (crisis
lines) the prefix is ``upk:`` so that a press never edits those lines away.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.messages import Action, Field, Form, Reply, Section, Style, section_text

Block = dict[str, Any]

MAX_SECTION_TEXT = 3000
MAX_BUTTON_TEXT = 75
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_ACTIONS_PER_BLOCK = 25
MAX_FALLBACK_TEXT = 3000
MAX_MODAL_TITLE = 24
MAX_LABEL = 2000
MAX_PLACEHOLDER = 150
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_RADIO_OPTIONS = 10
MAX_SELECT_OPTIONS = 100
MAX_INPUT_LENGTH = 3000

ACTION_PREFIX = "up:"
KEEP_PREFIX = "upk:"
LINK_PREFIX = "link:"
INPUT_ACTION_ID = "value"
FORM_CALLBACK_ID = "upstander.form"
REPLY_CALLBACK_ID = "upstander.reply"

_URL = re.compile(r"https?://[^\s<>|]+")


# -- text ------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Slack's three control characters, escaped: the text can no longer mention anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def format_text(text: str) -> str:
    """Escaped mrkdwn with URLs made into links (the only markup we add)."""
    return _URL.sub(lambda m: f"<{m.group(0)}>", escape(text))


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary when one is near the end."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def mrkdwn(formatted: str) -> Block:
    return {"type": "mrkdwn", "text": formatted, "verbatim": True}


def plain(text: str, limit: int) -> Block:
    return {"type": "plain_text", "text": clip(text.strip() or "…", limit), "emoji": True}


def _formatted_lines(text: str, limit: int) -> list[str]:
    # The worst case grows a character five-fold ("&" → "&amp;") plus a link's "<>".
    raw_limit = max(1, (limit - 2) // 5)
    out: list[str] = []
    for line in text.split("\n"):
        formatted = format_text(line)
        if len(formatted) <= limit:
            out.append(formatted)
            continue
        out.extend(format_text(line[i : i + raw_limit]) for i in range(0, len(line), raw_limit))
    return out


def split_text(text: str, limit: int = MAX_SECTION_TEXT) -> list[str]:
    """Formatted chunks of at most ``limit`` characters, cut at line ends where possible."""
    # Most texts fit in one chunk: format them whole (neither the escapes nor the links
    # cross a line end, so this is what formatting line by line and joining gives; that
    # way drops leading blank lines too).
    whole = format_text(text.lstrip("\n"))
    if len(whole) <= limit:
        return [whole] if whole.strip() else []
    chunks: list[str] = []
    current = ""
    for line in _formatted_lines(text, limit):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        current = line
    if current.strip():
        chunks.append(current)
    return chunks


def fallback_text(reply: Reply, mention: str = "") -> str:
    """The notification text Slack shows where blocks are not rendered."""
    return _fallback([draw(s) for s in reply.pinned + reply.sections], mention)


def _fallback(sections: Sequence[Drawn], mention: str) -> str:
    # Escaping works character by character, so escaping each section and joining them
    # is escaping `Reply.text()`.
    text = "\n\n".join(d.fallback for d in sections if d.fallback)
    text = clip(text, MAX_FALLBACK_TEXT) or "…"
    return f"{mention} {text}" if mention else text


# -- sections and buttons ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Drawn:
    """A section as Slack shows it: its blocks, and its part of the notification text."""

    blocks: tuple[Block, ...]
    fallback: str


def draw(section: Section) -> Drawn:
    blocks = tuple(section_blocks(section))
    return Drawn(blocks, escape(section_text(section)))


def section_blocks(section: Section) -> list[Block]:
    title = f"*{escape(section.title.strip())}*" if section.title.strip() else ""
    body = section.text.strip()
    chunks = split_text(body, MAX_SECTION_TEXT - len(title) - 1) if body else []
    if title:
        chunks = [f"{title}\n{chunks[0]}" if chunks else title, *chunks[1:]]
    return [{"type": "section", "text": mrkdwn(chunk)} for chunk in chunks]


@dataclass
class ActionIds:
    """Running numbers for buttons, so that every action_id in a message or view is unique."""

    prefix: str = ACTION_PREFIX
    next: int = 0

    def take(self) -> int:
        self.next += 1
        return self.next


def button(action: Action, ids: ActionIds) -> Block:
    number = ids.take()
    element: Block = {"type": "button", "text": plain(action.label, MAX_BUTTON_TEXT)}
    if action.url:
        element["action_id"] = f"{LINK_PREFIX}{number}"
        element["url"] = action.url
        return element
    element["action_id"] = f"{ids.prefix}{number}"
    element["value"] = action.id
    if action.style is Style.PRIMARY:
        element["style"] = "primary"
    elif action.style is Style.DANGER:
        element["style"] = "danger"
    return element


def action_blocks(actions: Sequence[Action], ids: ActionIds) -> list[Block]:
    buttons = [button(a, ids) for a in actions]
    return [
        {"type": "actions", "elements": buttons[i : i + MAX_ACTIONS_PER_BLOCK]}
        for i in range(0, len(buttons), MAX_ACTIONS_PER_BLOCK)
    ]


def _fit(pinned: list[Block], body: list[Block], actions: list[Block], limit: int) -> list[Block]:
    """Pinned first and always; buttons next; body sections cut from the end if too many."""
    room = max(0, limit - len(pinned) - len(actions))
    if len(body) > room:
        more: Block = {"type": "section", "text": mrkdwn("…")}
        body = [*body[: room - 1], more] if room else []
    return (pinned + body + actions)[:limit]


def reply_blocks(
    reply: Reply, *, mention: str = "", limit: int = MAX_MESSAGE_BLOCKS
) -> list[Block]:
    """A reply as message blocks: pinned sections first, then sections, then buttons.

    ``mention`` is trusted mrkdwn the adapter adds itself (a lead group's mention).
    """
    return _blocks(
        reply, [draw(s) for s in reply.pinned], [draw(s) for s in reply.sections], mention, limit
    )


def _blocks(
    reply: Reply, pinned: Sequence[Drawn], body: Sequence[Drawn], mention: str, limit: int
) -> list[Block]:
    top = [b for d in pinned for b in d.blocks]
    if mention:
        top.insert(0, {"type": "section", "text": mrkdwn(mention)})
    middle = [b for d in body for b in d.blocks]
    ids = ActionIds(KEEP_PREFIX if reply.pinned else ACTION_PREFIX)
    actions = action_blocks(reply.actions, ids)
    return _fit(top, middle, actions, limit)


def message(reply: Reply, *, mention: str = "") -> dict[str, Any]:
    """Keyword arguments for chat.postMessage / chat.update / respond / ack."""
    pinned = [draw(s) for s in reply.pinned]
    body = [draw(s) for s in reply.sections]
    return {
        "text": _fallback([*pinned, *body], mention),
        "blocks": _blocks(reply, pinned, body, mention, MAX_MESSAGE_BLOCKS),
    }


def response_body(reply: Reply, **fields: str | bool) -> bytes:
    """The JSON body of a response_url post: the reply's message with ``fields``
    (``replace_original``, ``response_type``), encoded as aiohttp's ``json=`` would."""
    return json.dumps({**fields, **message(reply)}).encode()


# -- modals ----------------------------------------------------------------------------


def _option(value: str, label: str) -> Block:
    return {"text": plain(label, MAX_OPTION_TEXT), "value": value[:MAX_OPTION_VALUE]}


def input_block(field: Field, value: str = "") -> Block:
    element: Block
    if field.options:
        kind = "radio_buttons" if len(field.options) <= MAX_RADIO_OPTIONS else "static_select"
        # Never an initial option: the person chooses, every time.
        element = {
            "type": kind,
            "action_id": INPUT_ACTION_ID,
            "options": [_option(o.value, o.label) for o in field.options[:MAX_SELECT_OPTIONS]],
        }
    else:
        element = {
            "type": "plain_text_input",
            "action_id": INPUT_ACTION_ID,
            "multiline": field.multiline,
            "max_length": max(1, min(field.max_length, MAX_INPUT_LENGTH)),
        }
        if field.placeholder:
            element["placeholder"] = plain(field.placeholder, MAX_PLACEHOLDER)
        if value:
            element["initial_value"] = value[: element["max_length"]]
    return {
        "type": "input",
        "block_id": field.id,
        "optional": not field.required,
        "label": plain(field.label, MAX_LABEL),
        "element": element,
    }


def modal_view(
    form: Form, intro: Reply | None = None, values: Mapping[str, str] | None = None
) -> Block:
    """A form as a modal; ``intro``'s pinned sections come first, then its sections."""
    values = values or {}
    pinned = [b for s in (intro.pinned if intro else ()) for b in section_blocks(s)]
    body = [b for s in (intro.sections if intro else ()) for b in section_blocks(s)]
    inputs = [input_block(f, values.get(f.id, "")) for f in form.fields]
    view: Block = {
        "type": "modal",
        "callback_id": FORM_CALLBACK_ID,
        "private_metadata": form.id,
        "title": plain(form.title, MAX_MODAL_TITLE),
        "blocks": _fit(pinned, body, inputs, MAX_VIEW_BLOCKS),
    }
    if form.submit_label:
        view["submit"] = plain(form.submit_label, MAX_MODAL_TITLE)
    return view


def reply_view(reply: Reply, title: str) -> Block:
    """A reply shown in the modal the member is looking at (the form's answer, a press in
    it): pinned sections first, then sections and buttons; no submit, only Close."""
    return {
        "type": "modal",
        "callback_id": REPLY_CALLBACK_ID,
        "title": plain(title or "…", MAX_MODAL_TITLE),
        "blocks": reply_blocks(reply, limit=MAX_VIEW_BLOCKS),
    }


def form_errors(form: Form, values: Mapping[str, str], message_text: str) -> dict[str, str]:
    """``response_action: errors``: the message beside each required field left empty."""
    text = clip(message_text.strip() or "…", MAX_LABEL)
    missing = [f.id for f in form.fields if f.required and not values.get(f.id)]
    if not missing:
        missing = [f.id for f in form.fields if f.required][:1] or [form.fields[0].id]
    return {field_id: text for field_id in missing}


# -- App Home --------------------------------------------------------------------------

HOME_PICK_ACTION_ID = "home:pick"
HOME_FORM_ACTION_ID = "home:form"


@dataclass(frozen=True, slots=True)
class HomeParts:
    """What the Home tab shows, each part a core reply.

    practice: the practice menu; its ``picked`` actions go into a picker, the rest (Resume)
    stay buttons.  library: the reading-list topics.  checkin: the check-in reply (a form
    to open with a button, or why one cannot be opened now).
    """

    practice: Reply
    picked: tuple[Action, ...]
    library: Reply
    checkin: Reply


def _picker(actions: Iterable[Action]) -> Block:
    return {
        "type": "static_select",
        "action_id": HOME_PICK_ACTION_ID,
        "options": [_option(a.id, a.label) for a in actions][:MAX_SELECT_OPTIONS],
    }


def home_view(parts: HomeParts) -> Block:
    ids = ActionIds()
    blocks: list[Block] = []

    practice = parts.practice
    blocks += [b for s in practice.pinned for b in section_blocks(s)]
    intro = practice.sections[:1]
    first = [b for s in intro for b in section_blocks(s)]
    if first and parts.picked:
        first[-1]["accessory"] = _picker(parts.picked)
    blocks += first
    others = [a for a in practice.actions if a not in parts.picked]
    blocks += action_blocks(others, ids)
    blocks.append({"type": "divider"})

    library = parts.library
    blocks += [b for s in library.sections[:1] for b in section_blocks(s)]
    blocks += action_blocks(library.actions, ids)
    blocks.append({"type": "divider"})

    checkin = parts.checkin
    blocks += [b for s in checkin.pinned + checkin.sections for b in section_blocks(s)]
    if checkin.form is not None:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": HOME_FORM_ACTION_ID,
                        "value": checkin.form.id,
                        "style": "primary",
                        "text": plain(checkin.form.title, MAX_BUTTON_TEXT),
                    }
                ],
            }
        )
    blocks += action_blocks(checkin.actions, ids)
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}
