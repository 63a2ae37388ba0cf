"""A community's settings: where check-ins go, who holds which role, and the desk's pace.

Set by the community's admins with `/upstander setup` and stored per community. The one
community per platform that the environment variables name (see bot/core/community.py)
takes its settings from them until an admin stores its own: stored settings win.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.core.catalog import Catalog
from bot.core.community import is_default
from bot.core.desk_support import DeskSettings

MIN_ESCALATION = 1
MAX_MINUTES = 24 * 60
MIN_COOLDOWN = 0
# How long a process trusts the settings it read: each request asked for them up to four
# times. A change made in another process is seen here at most this much later.
FRESH_SECONDS = 2.0
CACHED_COMMUNITIES = 10_000


@dataclass(frozen=True, slots=True)
class CommunitySettings:
    """One community's settings. Ids are the platform's own (Discord snowflakes, Slack
    channel and user-group ids); an empty id is not set."""

    volunteers_channel: str = ""
    volunteer_role: str = ""
    lead_role: str = ""
    moderator_role: str = ""
    crisis_region: str = ""
    language: str = ""
    escalation_minutes: int = 10
    cooldown_minutes: int = 5

    @property
    def escalate_after(self) -> timedelta:
        return timedelta(minutes=self.escalation_minutes)

    @property
    def cooldown(self) -> timedelta:
        return timedelta(minutes=self.cooldown_minutes)


# The names an admin types (`/upstander setup channel=…`), in the order they are shown.
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(CommunitySettings))
NUMBER_FIELDS = frozenset({"escalation_minutes", "cooldown_minutes"})
ID_FIELDS = ("volunteers_channel", "volunteer_role", "lead_role", "moderator_role")


@dataclass(frozen=True, slots=True)
class Invalid:
    """What is wrong with a setting, as a content key and its parameters."""

    key: str
    params: tuple[tuple[str, object], ...] = ()


def problems(settings: CommunitySettings, catalog: Catalog) -> list[Invalid]:
    """Everything wrong with `settings` that needs no platform to tell: ranges, and a
    region and a language the content knows."""
    found: list[Invalid] = []
    if not MIN_ESCALATION <= settings.escalation_minutes <= MAX_MINUTES:
        found.append(_range("escalation_minutes", MIN_ESCALATION))
    if not MIN_COOLDOWN <= settings.cooldown_minutes <= MAX_MINUTES:
        found.append(_range("cooldown_minutes", MIN_COOLDOWN))
    regions = known_regions(catalog)
    if settings.crisis_region and settings.crisis_region.upper() not in regions:
        found.append(
            Invalid(
                "setup.bad_region",
                (("region", settings.crisis_region), ("known", ", ".join(regions))),
            )
        )
    locales = catalog.copy.locales()
    if settings.language and settings.language not in locales:
        found.append(
            Invalid(
                "setup.bad_language",
                (("language", settings.language), ("known", ", ".join(locales))),
            )
        )
    return found


def _range(name: str, low: int) -> Invalid:
    return Invalid("setup.bad_number", (("name", name), ("low", low), ("high", MAX_MINUTES)))


def known_regions(catalog: Catalog) -> tuple[str, ...]:
    """Regions the content has crisis lines or an emergency number for."""
    named = {*catalog.crisis_lines, *catalog.emergency_numbers} - {"default", "DEFAULT"}
    return tuple(sorted(r.upper() for r in named))


def with_changes(settings: CommunitySettings, changes: dict[str, str]) -> CommunitySettings:
    """`settings` with the named fields changed; a number that is not one raises
    ValueError (the caller names the field)."""
    values: dict[str, object] = {}
    for name, raw in changes.items():
        raw = raw.strip()
        if name in NUMBER_FIELDS:
            values[name] = int(raw)
        elif name == "crisis_region":
            values[name] = raw.upper()
        elif name == "language":
            values[name] = raw.lower()
        else:
            values[name] = raw
    return replace(settings, **values)  # type: ignore[arg-type]


class SettingsStore(Protocol):
    """Each community's stored settings (none until an admin saves some)."""

    async def get(self, community: str) -> CommunitySettings | None: ...

    async def save(
        self, community: str, settings: CommunitySettings, by_name: str, at: datetime
    ) -> None:
        """Store `settings` as the community's, replacing any before, noting who and when."""
        ...


class Finding(StrEnum):
    """What the platform says of a channel or a role an admin chose."""

    OK = "ok"
    MISSING = "missing"  # no such channel, role or user group in this community
    CANNOT_POST = "cannot_post"  # the channel exists but the bot may not post there
    UNREACHABLE = "unreachable"  # the platform did not answer: try again


class WorkspaceCheck(Protocol):
    """A platform's answer to 'does this exist in the community, and can the bot use it?'."""

    async def channel(self, community: str, channel_id: str) -> Finding: ...

    async def role(self, community: str, role_id: str) -> Finding: ...

    def mention(self, kind: str, value: str) -> str:
        """How a channel or a role (`kind`) is written so the platform shows its name,
        without notifying anyone."""
        ...


class SettingsBook:
    """Each community's settings in effect: stored ones, else the environment's for the
    community it names, else the deployment's defaults (no volunteers' channel yet)."""

    def __init__(
        self,
        store: SettingsStore | None,
        desk: DeskSettings,
        *,
        fresh: float = FRESH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._fresh = fresh
        self._clock = clock
        self._read: dict[str, tuple[float, CommunitySettings | None]] = {}
        self._base = CommunitySettings(
            crisis_region=(desk.crisis_region or "").upper(),
            escalation_minutes=_minutes(desk.escalate_after),
            cooldown_minutes=_minutes(desk.cooldown),
        )
        self._defaults: dict[str, CommunitySettings] = {}

    @property
    def base(self) -> CommunitySettings:
        return self._base

    def set_default(
        self, platform: str, channel: str, volunteer: str = "", lead: str = "", moderator: str = ""
    ) -> None:
        """The settings the environment gives the platform's default community (an
        adapter calls it at start-up with its channel and role ids)."""
        self._defaults[platform] = replace(
            self._base,
            volunteers_channel=channel,
            volunteer_role=volunteer,
            lead_role=lead,
            moderator_role=moderator,
        )

    async def stored(self, community: str) -> CommunitySettings | None:
        if self._store is None:
            return None
        now = self._clock()
        seen = self._read.get(community)
        if seen is not None and now - seen[0] < self._fresh:
            return seen[1]
        found = await self._store.get(community)
        self._remember(community, found, now)
        return found

    def _remember(self, community: str, found: CommunitySettings | None, now: float) -> None:
        if len(self._read) >= CACHED_COMMUNITIES:
            self._read.clear()  # a bound, not a policy: a full cache only costs reads
        self._read[community] = (now, found)

    async def get(self, community: str) -> CommunitySettings:
        stored = await self.stored(community)
        if stored is not None:
            return stored
        if is_default(community):
            return self._defaults.get(community, self._base)
        return self._base

    async def checkins_ready(self, community: str) -> bool:
        """Whether check-ins have somewhere to go. A default community whose adapter
        named no settings keeps today's behaviour: its messenger knows its channel."""
        stored = await self.stored(community)
        if stored is not None:
            return bool(stored.volunteers_channel)
        if not is_default(community):
            return False
        default = self._defaults.get(community)
        return default is None or bool(default.volunteers_channel)

    async def save(
        self, community: str, settings: CommunitySettings, by_name: str, at: datetime
    ) -> None:
        if self._store is None:
            raise RuntimeError("no settings store")
        await self._store.save(community, settings, by_name, at)
        self._remember(community, settings, self._clock())


def _minutes(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))


def community_of(platform: str, member_key: str) -> str:
    """The community a member key belongs to (`"<community>:<user id>"`); the platform's
    default community when the key is gone (forgotten) or has no community part."""
    community = member_key.rpartition(":")[0]
    return community or platform
