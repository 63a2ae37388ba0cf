"""Checks on the copy that names commands: ``{cmd:NAME}`` placeholders and the wording of
Discord's command list (``discord.commands.*``, ``discord.choices.*``).

Discord refuses a whole command sync for one bad name, so a name is checked against its
rules here, when the content loads, rather than met as an HTTP 400 at start-up.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Mapping

from bot.content.located import Located
from bot.content.schema import MessagesFile
from bot.core.commands import COMMANDS, DISCORD_CHOICE_WORDING, DISCORD_COMMAND_WORDING, GROUP
from bot.core.errors import Problem

NAME_MAX = 32
DESCRIPTION_MAX = 100
# Scripts whose combining marks Discord allows in names besides letters and numbers.
_MARKED_SCRIPTS = ("DEVANAGARI", "THAI")


def command_copy_problems(messages: Mapping[str, Located[MessagesFile]]) -> list[Problem]:
    problems: list[Problem] = []
    for located in messages.values():
        for key, text in located.model.root.items():
            problems += [located.problem((key,), m) for m in _text_problems(key, text)]
        problems += [located.problem((key,), m) for key, m in _twin_names(located.model.root)]
    return problems


def _twin_names(texts: Mapping[str, str]) -> list[tuple[str, str]]:
    """Two commands (or two options of one command) may not share a name in a language."""
    first: dict[tuple[str, str], str] = {}
    twins = []
    for key, text in texts.items():
        if not (key.startswith(DISCORD_COMMAND_WORDING) and key.endswith(".name")):
            continue
        path = key.removeprefix(DISCORD_COMMAND_WORDING).removesuffix(".name")
        place = (path.rpartition(".")[0], text)
        if place in first:
            twins.append((key, f"{key!r}: {text!r} is already the name of {first[place]!r}"))
        else:
            first[place] = key
    return twins


def _text_problems(key: str, text: str) -> list[str]:
    found = _placeholder_problems(key, text)
    if key.startswith(DISCORD_COMMAND_WORDING):
        found += _command_wording_problems(key, text)
    elif key.startswith(DISCORD_CHOICE_WORDING):
        found += _length_problems(key, text, DESCRIPTION_MAX)
    return found


def _placeholder_problems(key: str, text: str) -> list[str]:
    try:
        fields = [(f, spec) for _, f, spec, _ in string.Formatter().parse(text) if f == "cmd"]
    except ValueError:
        return []  # an invalid template: reported with the other template checks
    known = ", ".join(sorted(COMMANDS))
    return [
        f"{key!r}: {{cmd:{spec}}} names no command (known: {known})"
        for _, spec in fields
        if spec not in COMMANDS
    ]


def _command_wording_problems(key: str, text: str) -> list[str]:
    path, _, part = key.removeprefix(DISCORD_COMMAND_WORDING).rpartition(".")
    command = path.split(".")[0]
    if part not in ("name", "description") or command not in COMMANDS | {GROUP}:
        return [
            f"{key!r} is not a command's wording: write "
            f"{DISCORD_COMMAND_WORDING}<command>[.<option>].name or .description"
        ]
    if part == "description":
        return _length_problems(key, text, DESCRIPTION_MAX)
    if not discord_name_ok(text):
        return [
            f"{key!r}: {text!r} cannot be a Discord command name: use 1 to {NAME_MAX} "
            "lowercase letters, digits, '-' or '_', without spaces"
        ]
    return []


def _length_problems(key: str, text: str, limit: int) -> list[str]:
    if 1 <= len(text) <= limit:
        return []
    return [f"{key!r} must be 1 to {limit} characters long (Discord's limit), not {len(text)}"]


def discord_name_ok(name: str) -> bool:
    """Discord's rule for command and option names: ``^[-_\\p{L}\\p{N}]{1,32}$``, lowercase."""
    if not 1 <= len(name) <= NAME_MAX or name != name.lower():
        return False
    return all(_name_character(c) for c in name)


def _name_character(c: str) -> bool:
    if c in "-_" or unicodedata.category(c)[0] in "LN":
        return True
    return unicodedata.name(c, "").startswith(_MARKED_SCRIPTS)
