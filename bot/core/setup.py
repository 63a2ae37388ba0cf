"""`/upstander setup`: a community's admins choose its settings from inside the chat.

Only an admin (as the platform's Directory verifies it, never a flag in the payload)
changes them; admins and moderators may see them. Every choice is checked before it is
stored: ranges, a region and a language the content knows, and on the platform (the
channel exists and the bot can post there; the role or user group exists).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict

from bot.core.access import Access
from bot.core.actors import Actor, Role
from bot.core.catalog import Catalog
from bot.core.clock import Clock
from bot.core.errors import PermissionDenied
from bot.core.messages import Reply, Section
from bot.core.ports import ContentSource
from bot.core.settings import (
    FIELD_NAMES,
    ID_FIELDS,
    NUMBER_FIELDS,
    CommunitySettings,
    Finding,
    Invalid,
    SettingsBook,
    WorkspaceCheck,
    problems,
    with_changes,
)

log = logging.getLogger(__name__)

# The short names admins type (`/upstander setup channel=… cooldown=…`).
ALIASES: Mapping[str, str] = {
    "channel": "volunteers_channel",
    "volunteers": "volunteers_channel",
    "volunteer": "volunteer_role",
    "lead": "lead_role",
    "moderator": "moderator_role",
    "region": "crisis_region",
    "language": "language",
    "escalation": "escalation_minutes",
    "cooldown": "cooldown_minutes",
    **{name: name for name in FIELD_NAMES},
}


def parse_words(words: str) -> tuple[dict[str, str], list[str]]:
    """`key=value` words as changes by field name, and the words that are not one."""
    changes: dict[str, str] = {}
    unknown: list[str] = []
    for word in words.split():
        key, sep, value = word.partition("=")
        name = ALIASES.get(key.strip().lower())
        if not sep or name is None:
            unknown.append(word[:40])
        else:
            changes[name] = value
    return changes, unknown


class Setup:
    def __init__(
        self, content: ContentSource, access: Access, book: SettingsBook, clock: Clock
    ) -> None:
        self._content = content
        self._access = access
        self.book = book
        self._clock = clock
        self._checks: dict[str, WorkspaceCheck] = {}

    def add_check(self, platform: str, check: WorkspaceCheck) -> None:
        """The platform's answers about channels and roles (an adapter registers it)."""
        self._checks[platform] = check

    async def roles(self, actor: Actor) -> frozenset[Role]:
        return await self._access.roles(actor)

    async def is_admin(self, actor: Actor) -> bool:
        return await self._access.has(actor, Role.ADMIN)

    async def current(self, actor: Actor) -> CommunitySettings:
        """The settings in effect in the actor's community, for admins and moderators."""
        if not await self._access.has_any(actor, Role.ADMIN, Role.MODERATOR):
            raise PermissionDenied("setup.admins_only")
        return await self.book.get(actor.community)

    async def show(self, actor: Actor) -> Reply:
        settings = await self.current(actor)
        catalog, locale = self._catalog(actor, settings)
        how = Section(catalog.text(locale, "setup.how"))
        return Reply(sections=(self.view(actor, settings), how))

    async def change(self, actor: Actor, changes: Mapping[str, str]) -> Reply:
        """Check `changes` (field name → value as typed) and store them, or say what is
        wrong with each; nothing is stored unless everything is right."""
        if not await self.is_admin(actor):
            raise PermissionDenied("setup.admins_only")
        current = await self.book.get(actor.community)
        catalog, locale = self._catalog(actor, current)
        try:
            wanted = with_changes(current, dict(changes))
        except ValueError:
            bad = [n for n in changes if n in NUMBER_FIELDS and not _is_int(changes[n])]
            return self._refused(catalog, locale, [_not_a_number(catalog, locale, n) for n in bad])
        found = problems(wanted, catalog) + await self._platform(actor, current, wanted)
        if found:
            return self._refused(catalog, locale, [_said(catalog, locale, p) for p in found])
        name = actor.display_name or actor.user_id
        await self.book.save(actor.community, wanted, name, self._clock.now())
        log.info("settings of a community changed: %s", ", ".join(sorted(changes)) or "none")
        catalog, locale = self._catalog(actor, wanted)
        saved = Section(catalog.text(locale, "setup.saved"))
        return Reply(sections=(saved, self.view(actor, wanted)))

    async def change_words(self, actor: Actor, words: str) -> Reply:
        """The text form: no words shows the settings; else `key=value` words."""
        if not words.strip():
            return await self.show(actor)
        changes, unknown = parse_words(words)
        if unknown:
            if not await self.is_admin(actor):
                raise PermissionDenied("setup.admins_only")
            catalog, locale = self._catalog(actor, self.book.base)
            names = ", ".join(sorted(set(ALIASES) - set(FIELD_NAMES)))
            text = catalog.text(locale, "setup.unknown", words=" ".join(unknown), names=names)
            return self._refused(catalog, locale, [text])
        return await self.change(actor, changes)

    def view(self, actor: Actor, settings: CommunitySettings) -> Section:
        """The settings as admins see them, one line each."""
        catalog, locale = self._catalog(actor, settings)
        check = self._checks.get(actor.platform)
        unset = catalog.text(locale, "setup.unset")
        lines = []
        for name, value in asdict(settings).items():
            shown = str(value) if value not in ("", None) else unset
            if value and name in ID_FIELDS and check is not None:
                shown = check.mention("channel" if name == ID_FIELDS[0] else "role", str(value))
            lines.append(catalog.text(locale, f"setup.field.{name}", value=shown))
        return Section("\n".join(lines), title=catalog.text(locale, "setup.title"))

    # -- helpers -------------------------------------------------------------------------

    def _catalog(self, actor: Actor, settings: CommunitySettings) -> tuple[Catalog, str]:
        catalog = self._content.current
        return catalog, catalog.locale_for(actor.locale or settings.language or None)

    async def _platform(
        self, actor: Actor, current: CommunitySettings, wanted: CommunitySettings
    ) -> list[Invalid]:
        """What the platform says of each channel or role that changed."""
        check = self._checks.get(actor.platform)
        found: list[Invalid] = []
        for name in ID_FIELDS:
            value = str(getattr(wanted, name))
            if not value or value == getattr(current, name):
                continue
            if check is None:
                found.append(Invalid("setup.cannot_check", (("name", name),)))
                continue
            is_channel = name == ID_FIELDS[0]
            ask = check.channel if is_channel else check.role
            finding = await ask(actor.community, value)
            if finding is not Finding.OK:
                kind = "channel" if is_channel else "role"
                found.append(Invalid(f"setup.{kind}_{finding.value}", (("name", name),)))
        return found

    def _refused(self, catalog: Catalog, locale: str, lines: list[str]) -> Reply:
        title = catalog.text(locale, "setup.refused")
        return Reply(sections=(Section("\n".join(f"• {line}" for line in lines), title=title),))


def _said(catalog: Catalog, locale: str, problem: Invalid) -> str:
    params = dict(problem.params)
    if "name" in params:
        params["name"] = catalog.text(locale, f"setup.name.{params['name']}")
    return catalog.text(locale, problem.key, **params)


def _not_a_number(catalog: Catalog, locale: str, name: str) -> str:
    shown = catalog.text(locale, f"setup.name.{name}")
    return catalog.text(locale, "setup.not_a_number", name=shown)


def _is_int(raw: str) -> bool:
    try:
        int(raw.strip())
    except ValueError:
        return False
    return True
