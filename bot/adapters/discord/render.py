"""Core replies → Discord messages, views and modals. Pure: no network, no state.

Layout: ``pinned`` sections (the crisis lines) are the message content, so they come
first and an edit that does not carry new pinned text leaves them untouched; the other
sections go in embeds (4,096 characters each); actions become buttons, five to a row.
Every button's custom id is the core's ``Action.id`` verbatim: the client routes presses
by custom id, so the views built here are never tracked by discord.py (they are
stopped before they are sent) and buttons keep working after a restart.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.adapters.discord.guilds import tagged
from bot.core.content_files import flat_name
from bot.core.messages import Action, Field, Form, Reply, Section, Style, TextFile

__all__ = [
    "BUTTON_LABEL_MAX",
    "CONTENT_MAX",
    "EMBED_DESCRIPTION_MAX",
    "Rendered",
    "render",
    "render_modal",
]

CONTENT_MAX = 2000
EMBED_DESCRIPTION_MAX = 4096
EMBEDS_TOTAL_MAX = 6000
EMBEDS_PER_MESSAGE = 10
BUTTON_LABEL_MAX = 80
BUTTONS_MAX = 25
BUTTONS_PER_ROW = 5
MODAL_TITLE_MAX = 45
MODAL_INPUTS_MAX = 5
LABEL_MAX = 45
PLACEHOLDER_MAX = 100
TEXT_INPUT_MAX = 4000
SELECT_OPTIONS_MAX = 25
SELECT_OPTION_MAX = 100
ELLIPSIS = "…"
ATTACHMENTS_MAX = 10

_STYLES = {
    Style.PRIMARY: discord.ButtonStyle.primary,
    Style.SECONDARY: discord.ButtonStyle.secondary,
    Style.DANGER: discord.ButtonStyle.danger,
}


@dataclass(frozen=True, slots=True)
class Rendered:
    """One Discord message. ``content`` None means "leave the content as it is" (edits)."""

    content: str | None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    files: list[discord.File] = field(default_factory=list)

    def send_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for a new message (send / send_message / followup.send)."""
        kwargs: dict[str, Any] = {"content": self.content or None, "embeds": self.embeds}
        if self.view is not None:
            kwargs["view"] = self.view
        if self.files:
            kwargs["files"] = self.files
        return kwargs

    def edit_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for editing a message: new embeds and buttons, and the content
        only when there is new pinned text (pinned text is never removed by an edit)."""
        kwargs: dict[str, Any] = {"embeds": self.embeds, "view": self.view}
        if self.content is not None:
            kwargs["content"] = self.content
        return kwargs


def render(reply: Reply, *, prefix: str = "", tag: str = "") -> Rendered:
    """A core reply as a Discord message; ``prefix`` (a role mention) leads the content;
    ``tag`` (a DM's community, see guilds.py) leads every button's custom id."""
    pinned = "\n\n".join(t for t in (_section_text(s) for s in reply.pinned) if t)
    content, overflow = _fit_content(prefix, pinned)
    blocks = [overflow] if overflow else []
    blocks += [t for t in (_section_text(s) for s in reply.sections) if t]
    embeds = _embeds(blocks)
    view = _view(reply.actions, tag)
    if content is None and not embeds and view is None:
        content = ELLIPSIS  # Discord refuses an empty message
    return Rendered(content=content, embeds=embeds, view=view, files=attachments(reply.files))


def attachments(files: tuple[TextFile, ...]) -> list[discord.File]:
    """A reply's files as attachments (at most Discord's ten), named so that uploading one
    back puts it where it came from: scenarios/es/x.yaml is scenarios__es__x.yaml."""
    return [
        discord.File(io.BytesIO(file.text.encode("utf-8")), filename=flat_name(file.name))
        for file in files[:ATTACHMENTS_MAX]
    ]


def _fit_content(prefix: str, pinned: str) -> tuple[str | None, str]:
    """Content (≤ 2,000) and what of the pinned text did not fit (it leads the embeds)."""
    if not prefix and not pinned:
        return None, ""
    head = f"{prefix}\n{pinned}" if prefix and pinned else prefix or pinned
    if len(head) <= CONTENT_MAX:
        return head, ""
    cut = head.rfind("\n", 0, CONTENT_MAX)
    if cut <= len(prefix):
        cut = CONTENT_MAX
    return head[:cut], head[cut:].lstrip("\n")


def _section_text(section: Section) -> str:
    title = f"**{section.title.strip()}**" if section.title.strip() else ""
    return "\n".join(part for part in (title, section.text.strip()) if part)


def _chunks(text: str, size: int) -> list[str]:
    out: list[str] = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size)
        if cut <= 0:
            cut = size
        out.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text:
        out.append(text)
    return out


def _embeds(blocks: list[str]) -> list[discord.Embed]:
    descriptions: list[str] = []
    current = ""
    for block in blocks:
        for piece in _chunks(block, EMBED_DESCRIPTION_MAX):
            joined = f"{current}\n\n{piece}" if current else piece
            if len(joined) <= EMBED_DESCRIPTION_MAX:
                current = joined
            else:
                descriptions.append(current)
                current = piece
    if current:
        descriptions.append(current)
    embeds: list[discord.Embed] = []
    budget = EMBEDS_TOTAL_MAX
    for description in descriptions[:EMBEDS_PER_MESSAGE]:
        if budget <= len(ELLIPSIS):
            break
        if len(description) > budget:
            description = description[: budget - len(ELLIPSIS)] + ELLIPSIS
        budget -= len(description)
        embeds.append(discord.Embed(description=description))
    return embeds


def _label(text: str, limit: int) -> str:
    text = text.strip() or ELLIPSIS
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def _button(action: Action, tag: str = "") -> dict[str, Any]:
    """One button as Discord's component payload (what discord.ui.Button.to_dict gives)."""
    if action.url:
        style, target = discord.ButtonStyle.link, {"url": action.url}
    else:
        style = _STYLES.get(action.style, discord.ButtonStyle.secondary)
        target = {"custom_id": tagged(tag, action.id)}
    label = _label(action.label, BUTTON_LABEL_MAX)
    return {"type": 2, "style": style.value, "disabled": False, "label": label, **target}


class _Buttons(discord.ui.View):
    """A message's buttons, sent as Discord's own payload.

    Presses are routed by custom id (client.on_interaction), never dispatched to a view
    object, so a discord.ui.Button per button would only be built to be turned into this
    payload again. Nothing in it is dispatchable, so discord.py never keeps it.
    """

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        super().__init__(timeout=None)
        self._rows = rows
        self.stop()

    def to_components(self) -> list[dict[str, Any]]:
        return self._rows

    def is_dispatchable(self) -> bool:
        return False  # discord.py stores a view for dispatch only when this says so


def _view(actions: tuple[Action, ...], tag: str = "") -> discord.ui.View | None:
    if not actions:
        return None
    buttons = [_button(action, tag) for action in actions[:BUTTONS_MAX]]
    rows = [
        {"type": 1, "components": buttons[start : start + BUTTONS_PER_ROW]}
        for start in range(0, len(buttons), BUTTONS_PER_ROW)
    ]
    return _Buttons(rows)


def render_modal(form: Form, *, tag: str = "") -> discord.ui.Modal:
    """A core form as a modal: free text as text inputs, choices as selects with no default.
    ``tag`` (a DM's community) leads the modal's custom id."""
    modal = discord.ui.Modal(
        title=_label(form.title, MODAL_TITLE_MAX), custom_id=tagged(tag, form.id), timeout=None
    )
    for item in form.fields[:MODAL_INPUTS_MAX]:
        modal.add_item(_input(item))
    # Submits are routed by the form id (client.on_interaction), not by this object.
    modal.stop()
    return modal


def _input(item: Field) -> discord.ui.Item[discord.ui.Modal]:
    placeholder = _label(item.placeholder, PLACEHOLDER_MAX) if item.placeholder.strip() else None
    if not item.options:
        return discord.ui.TextInput(
            label=_label(item.label, LABEL_MAX),
            custom_id=item.id,
            style=discord.TextStyle.paragraph if item.multiline else discord.TextStyle.short,
            placeholder=placeholder,
            required=item.required,
            max_length=max(1, min(item.max_length, TEXT_INPUT_MAX)),
        )
    select: discord.ui.Select[discord.ui.Modal] = discord.ui.Select(
        custom_id=item.id,
        placeholder=placeholder,
        min_values=1 if item.required else 0,
        max_values=1,
        required=item.required,
        # No option is marked default: the member always chooses.
        options=[
            discord.SelectOption(label=_label(option.label, SELECT_OPTION_MAX), value=option.value)
            for option in item.options[:SELECT_OPTIONS_MAX]
        ],
    )
    return discord.ui.Label(text=_label(item.label, LABEL_MAX), component=select)
