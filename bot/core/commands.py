"""The commands members type, and how each platform spells them in bot copy.

Copy names a command as ``{cmd:practice}``; the text then says it the way the member's
platform spells it: ``/practice`` on Discord (``/practicar`` for a Spanish member, from
the localised command names), ``/upstander practice`` on Slack, ``/practice`` in the
console. Which platform is being answered is set by the core's front door for the length
of one request (:func:`addressing`), as gettext keeps the active language, so that every
text made on the way says it right without the platform being passed to each one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

MEMBER_COMMANDS = ("help", "practice", "resources", "checkin", "volunteer", "mydata")
MODERATOR_COMMANDS = ("reload", "stats", "audit", "schedule", "content")
COMMANDS = frozenset((*MEMBER_COMMANDS, *MODERATOR_COMMANDS))
# Where moderators' commands live on a platform that groups them, and Slack's one command.
GROUP = "upstander"

# Where the copy keeps the wording of Discord's command list (see the Discord translator).
DISCORD_COMMAND_WORDING = "discord.commands."
DISCORD_CHOICE_WORDING = "discord.choices."

# Looks a copy key up in the reader's locale: None when there is no such text.
Lookup = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class Spelling:
    """How one platform writes a command.

    ``prefix``: the slash command every command is a word of (Slack's ``/upstander``).
    ``grouped``: commands that are subcommands of ``GROUP`` (Discord's moderators').
    ``names_key``: where localised names are in the copy (Discord shows commands in the
    member's language), or empty when names are never translated.
    """

    prefix: str = ""
    grouped: frozenset[str] = frozenset()
    names_key: str = ""

    def spell(self, command: str, lookup: Lookup) -> str:
        if self.prefix:
            return f"{self.prefix} {command}"
        path = (GROUP, command) if command in self.grouped else (command,)
        words = [self._word(path[: n + 1], lookup) for n in range(len(path))]
        return "/" + " ".join(words)

    def _word(self, path: tuple[str, ...], lookup: Lookup) -> str:
        if not self.names_key:
            return path[-1]
        return lookup(f"{self.names_key}{'.'.join(path)}.name") or path[-1]


PLAIN = Spelling()
SPELLINGS = {
    "discord": Spelling(grouped=frozenset(MODERATOR_COMMANDS), names_key=DISCORD_COMMAND_WORDING),
    "slack": Spelling(prefix=f"/{GROUP}"),
}

_addressed: ContextVar[Spelling] = ContextVar("addressed", default=PLAIN)


@contextmanager
def addressing(spelling: Spelling) -> Iterator[None]:
    """Spell commands in copy with ``spelling`` until the block ends."""
    token = _addressed.set(spelling)
    try:
        yield
    finally:
        _addressed.reset(token)


def spelling_now() -> Spelling:
    return _addressed.get()


class CommandWords:
    """The value of ``{cmd}`` in a template: ``{cmd:practice}`` formats as the command."""

    __slots__ = ("_lookup",)

    def __init__(self, lookup: Lookup) -> None:
        self._lookup = lookup

    def __format__(self, command: str) -> str:
        if command not in COMMANDS:
            return "{cmd:" + command + "}"  # validation reports it; show the gap
        return spelling_now().spell(command, self._lookup)
