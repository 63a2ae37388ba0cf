"""Discord command names, descriptions and option names in each member's language.

discord.py asks the tree's translator for every string of every command when it syncs
(and in no other case); the answers go to Discord as ``name_localizations`` and
``description_localizations``. The wording is bot copy, keyed by where it sits:

    discord.commands.<command>.name / .description        practice, upstander, ...
    discord.commands.<group>.<subcommand>.name / ...       upstander.reload
    discord.commands.<command>.<option>.name / ...         practice.scenario
    discord.choices.<value>                                 open, close, on, ...

Discord's locale codes (``en-US``, ``es-ES``, ``es-419``, ``fr``) are matched to ours
whole first, then by their language (``es-419`` is ``es``); a language we have no copy
for gets no localisation, and Discord shows it the English of ``commands.py``.
"""

from __future__ import annotations

from typing import Any

from discord import Locale, app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.core.commands import DISCORD_CHOICE_WORDING, DISCORD_COMMAND_WORDING
from bot.core.ports import ContentSource

__all__ = ["ContentTranslator", "content_locale", "copy_key"]


_NAMES = {Where.command_name, Where.group_name, Where.parameter_name, Where.choice_name}


def copy_key(context: app_commands.TranslationContextTypes) -> str | None:
    """The copy key of the string discord.py asks about, or None for one we never word."""
    data = context.data
    if isinstance(data, app_commands.Choice):
        return f"{DISCORD_CHOICE_WORDING}{data.value}"
    if isinstance(data, app_commands.Parameter):
        path = f"{_path(data.command)}.{data.name}"
    elif isinstance(data, (app_commands.Command, app_commands.Group)):
        path = _path(data)
    else:
        return None  # context menus and strings outside commands: none of ours
    return (
        f"{DISCORD_COMMAND_WORDING}{path}.{'name' if context.location in _NAMES else 'description'}"
    )


def _path(command: app_commands.Command[Any, ..., Any] | app_commands.Group) -> str:
    return command.qualified_name.replace(" ", ".")


def content_locale(locale: Locale, ours: set[str] | frozenset[str]) -> str | None:
    """Our content locale for a Discord locale, or None when we have no copy in it."""
    for candidate in (locale.value, locale.value.split("-")[0].lower()):
        if candidate in ours:
            return candidate
    return None


class ContentTranslator(app_commands.Translator):
    """Answers from the content now serving, so a reload is used by the next sync."""

    def __init__(self, content: ContentSource) -> None:
        self._content = content

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        texts = self._content.current.copy.texts
        ours = content_locale(locale, frozenset(texts))
        key = copy_key(context)
        if ours is None or key is None:
            return None
        return texts[ours].get(key)
