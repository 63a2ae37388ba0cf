"""Platform-neutral replies: what the core says, not how a platform draws it.

Adapters render a `Reply` as Discord components, Slack blocks or console text. Button ids
are `kind|arg` strings: short, self-describing, and enough to find the state in the store
after a restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

ACTION_SEPARATOR = "|"
# Discord caps custom_id at 100 characters; Slack's action_id at 255. Keep the smaller.
MAX_ACTION_ID = 100


class Style(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class Action:
    """A button. `kind` routes it in the core; `arg` carries the state it needs."""

    kind: str
    arg: str
    label: str
    style: Style = Style.SECONDARY
    url: str = ""  # a link button: opens the URL, routes nothing

    @property
    def id(self) -> str:
        return f"{self.kind}{ACTION_SEPARATOR}{self.arg}"[:MAX_ACTION_ID]


def parse_action_id(action_id: str) -> tuple[str, str]:
    kind, _, arg = action_id.partition(ACTION_SEPARATOR)
    return kind, arg


@dataclass(frozen=True, slots=True)
class Section:
    text: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Field:
    """One input of a form: free text when `options` is empty, otherwise a single choice."""

    id: str
    label: str
    required: bool = False
    options: tuple[Option, ...] = ()
    max_length: int = 1000
    placeholder: str = ""
    multiline: bool = False


@dataclass(frozen=True, slots=True)
class Form:
    """A form the platform shows (Discord modal, Slack modal, console prompts)."""

    id: str
    title: str
    fields: tuple[Field, ...]
    submit_label: str = ""


@dataclass(frozen=True, slots=True)
class TextFile:
    """A file the reply carries (a community's content files): adapters attach it, or show
    its text where the platform cannot take a file."""

    name: str  # a path, like scenarios/lift-remark.yaml
    text: str


@dataclass(frozen=True, slots=True)
class Reply:
    """What the actor sees next.

    `pinned` sections come first and stay: adapters render them before anything else and
    never behind a button (the crisis lines live here). `replace` asks the adapter to edit
    the message whose button was pressed instead of posting a new one. `pressed`, when set,
    is what that message must show from now on (its buttons gone, so that they cannot be
    used twice): the adapter edits it to that, and posts this reply as a new message.
    """

    sections: tuple[Section, ...] = ()
    actions: tuple[Action, ...] = ()
    pinned: tuple[Section, ...] = ()
    private: bool = True
    replace: bool = False
    form: Form | None = None
    pressed: Reply | None = None
    files: tuple[TextFile, ...] = ()

    def text(self) -> str:
        """All visible text, pinned first: for the console and for tests that read replies."""
        parts = [section_text(s) for s in self.pinned + self.sections]
        return "\n\n".join(p for p in parts if p)


def section_text(section: Section) -> str:
    """A section as plain text: its title on a line of its own, then its text."""
    if section.title and section.text:
        return f"{section.title}\n{section.text}"
    return section.title or section.text


@dataclass(frozen=True, slots=True)
class Destination:
    """Where an outbound message goes on a platform.

    kind: "volunteers" (the configured volunteers' channel), "dm" (a direct message to
    `user_id`). The core never puts a member's id in a destination meant for volunteers.
    """

    platform: str
    kind: str
    user_id: str = ""
    # The community whose channel, token and settings apply; empty means the platform's
    # default community (see bot/core/community.py).
    community: str = ""

    def __post_init__(self) -> None:
        if not self.community:
            object.__setattr__(self, "community", self.platform)


@dataclass(frozen=True, slots=True)
class Outbound:
    destination: Destination
    reply: Reply
    # Mention a lead role/group in the message (escalation); adapters resolve the role.
    mention_leads: bool = False
    # Edit this earlier message (a platform reference returned by Messenger.send) instead.
    update_ref: str = ""


@dataclass(frozen=True, slots=True)
class Choices:
    """Autocomplete suggestions."""

    options: tuple[Option, ...] = field(default=())


def button_label(label: str, limit: int = 75) -> str:
    """A label cut to what every platform's buttons show (Slack's 75 characters)."""
    return label if len(label) <= limit else label[: limit - 1] + "…"


def is_plain_number(text: str) -> bool:
    """Digits int() takes: str.isdigit() also says yes to "²", which int() refuses."""
    return text.isascii() and text.isdecimal()
