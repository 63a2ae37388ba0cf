"""The content the core works with: scenarios, reading lists, crisis lines and bot copy.

These are plain frozen dataclasses. `bot.content` builds them from the moderators' YAML
after validating it; the core never sees YAML, files or line numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

from bot.core.commands import CommandWords, spelling_now
from bot.core.errors import NotFound
from bot.core.screen import Screen, compile_screen

DEFAULT_LOCALE = "en"

T = TypeVar("T")

# Replies a catalog keeps at most (`Catalog.made`): a bound on memory, not a tuning knob.
MADE_LIMIT = 4096


class Tactic(StrEnum):
    """The 5Ds of bystander intervention, plus the choice not to intervene."""

    DISTRACT = "distract"
    DELEGATE = "delegate"
    DOCUMENT = "document"
    DELAY = "delay"
    DIRECT = "direct"
    NONE = "none"

    @classmethod
    def five_ds(cls) -> tuple[Tactic, ...]:
        return (cls.DISTRACT, cls.DELEGATE, cls.DOCUMENT, cls.DELAY, cls.DIRECT)


@dataclass(frozen=True, slots=True)
class Choice:
    label: str
    tactic: Tactic
    feedback: str
    next: str


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    text: str
    choices: tuple[Choice, ...] = ()
    end: bool = False
    resources: tuple[str, ...] = ()
    # Shown on an ending step: what to carry away from this path.
    takeaway: str = ""


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    locale: str
    title: str
    summary: str
    setting: str
    content_warnings: tuple[str, ...]
    start: str
    steps: Mapping[str, Step]
    resources: tuple[str, ...] = ()
    reflection: str = ""
    # Which of the 5Ds this scenario is written to coach.
    focus: tuple[Tactic, ...] = ()

    def step(self, step_id: str) -> Step | None:
        return self.steps.get(step_id)


@dataclass(frozen=True, slots=True)
class Resource:
    id: str
    topic: str
    title: str
    kind: str
    url: str
    summary: str
    audience: str
    last_reviewed: str
    author: str = ""

    def haystack(self) -> str:
        return " ".join((self.title, self.author, self.summary, self.kind, self.topic)).lower()


@dataclass(frozen=True, slots=True)
class TopicText:
    title: str
    summary: str


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    title: str  # in the default locale
    summary: str
    # Locale -> the title and summary in that language.
    translations: Mapping[str, TopicText] = field(default_factory=lambda: MappingProxyType({}))

    def in_locale(self, locale: str) -> Topic:
        """This topic as a member reading `locale` sees it; untranslated, in the default."""
        text = self.translations.get(locale)
        if text is None:
            return self
        return Topic(self.id, text.title, text.summary, self.translations)


@dataclass(frozen=True, slots=True)
class CrisisLine:
    region: str
    name: str
    contact: str
    url: str = ""
    hours: str = ""


@dataclass(frozen=True, slots=True)
class CrisisRules:
    """What makes the check-in desk show crisis lines first."""

    phrases: Mapping[str, tuple[str, ...]]  # locale -> patterns (see bot.core.screen)
    urgencies: frozenset[str]  # urgency choices that always count as danger
    # Every locale's patterns compiled once, here, not on each request.
    screen: Screen = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        patterns = [pattern for listed in self.phrases.values() for pattern in listed]
        object.__setattr__(self, "screen", compile_screen(patterns))

    def only(self, locale: str) -> CrisisRules:
        """The same rules with one locale's patterns alone (for trying a locale's list)."""
        return CrisisRules({locale: tuple(self.phrases.get(locale, ()))}, self.urgencies)


@dataclass(frozen=True, slots=True)
class Copy:
    """Bot copy per locale, with fallback to the default locale for a missing key."""

    texts: Mapping[str, Mapping[str, str]]  # locale -> key -> template
    default_locale: str = DEFAULT_LOCALE

    def locales(self) -> tuple[str, ...]:
        return tuple(sorted(self.texts))

    def has(self, key: str) -> bool:
        return key in self.texts.get(self.default_locale, {})

    def text(self, locale: str, key: str, /, **params: object) -> str:
        template = self.texts.get(locale, {}).get(key)
        if template is None:
            template = self.texts.get(self.default_locale, {}).get(key)
        if template is None:
            # A missing key is a content bug that validation should have caught; showing the
            # key keeps the bot working and makes the gap visible.
            return key
        if "{" not in template and "}" not in template:
            return template  # nothing to fill in or unescape: formatting would return it
        # Always format, so an escaped {{brace}} reads the same with or without parameters.
        # format_map is str.format in C; string.Formatter did the same in Python, slowly.
        filled = _SafeParams(params)
        if "{cmd:" in template:
            filled.setdefault("cmd", CommandWords(self.texts.get(locale, {}).get))
        return template.format_map(filled)


def _merged_scenarios(catalog: Catalog, locale: str) -> tuple[Scenario, ...]:
    base = catalog.scenarios.get(catalog.default_locale, {})
    local = catalog.scenarios.get(locale, {})
    merged = [local.get(sid, scenario) for sid, scenario in base.items()]
    return tuple(sorted(merged, key=lambda s: s.id))


class _SafeParams(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True, slots=True)
class Catalog:
    """Everything moderators write, validated, as one immutable value swapped atomically."""

    scenarios: Mapping[str, Mapping[str, Scenario]]  # locale -> id -> scenario
    topics: Mapping[str, Topic]
    resources: Mapping[str, Resource]
    crisis_lines: Mapping[str, tuple[CrisisLine, ...]]  # region -> lines; "default" required
    crisis_rules: CrisisRules
    copy: Copy
    version: str = ""
    default_locale: str = DEFAULT_LOCALE
    checkin_categories: tuple[str, ...] = field(default=())
    # Region -> the number to call in an emergency there, shown before any line.
    emergency_numbers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    checkin_urgencies: tuple[str, ...] = field(default=())
    # Every locale's scenario list, worked out once here rather than on every menu and
    # every autocomplete keystroke: with a thousand scenarios, merging and sorting them
    # cost more than the rest of a member's request. Derived from `scenarios` alone, so
    # `dataclasses.replace` (which runs __post_init__ again) keeps it in step.
    _scenario_lists: Mapping[str, tuple[Scenario, ...]] = field(
        init=False, repr=False, compare=False
    )
    # Replies made from this content alone, kept while it serves (see `made`).
    _made: dict[Hashable, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        locales = {self.default_locale, *self.scenarios, *self.copy.texts}
        lists = {locale: _merged_scenarios(self, locale) for locale in locales}
        object.__setattr__(self, "_scenario_lists", MappingProxyType(lists))
        object.__setattr__(self, "_made", {})

    def made(self, key: Hashable, make: Callable[[], T]) -> T:
        """`make()`, made once for this catalog: for what depends on the content alone
        (never on a member), such as a practice step that every member reaches alike."""
        # Copy may name commands ({cmd:practice}), which each platform spells its own way.
        key = (spelling_now(), key)
        try:
            found: T = self._made[key]
        except KeyError:
            if len(self._made) >= MADE_LIMIT:
                self._made.clear()  # a huge library: simpler than an LRU, and rare
            found = self._made[key] = make()
        return found

    def locale_for(self, requested: str | None) -> str:
        """The best content locale for a platform locale such as 'es-ES' or 'en-US'."""
        if not requested:
            return self.default_locale
        candidates = (requested, requested.replace("_", "-").split("-")[0].lower())
        for candidate in candidates:
            if candidate in self.copy.texts or candidate in self.scenarios:
                return candidate
        return self.default_locale

    def scenario(self, scenario_id: str, locale: str) -> Scenario | None:
        found = self.scenarios.get(locale, {}).get(scenario_id)
        if found is None:
            found = self.scenarios.get(self.default_locale, {}).get(scenario_id)
        return found

    def scenario_or_raise(self, scenario_id: str, locale: str) -> Scenario:
        """The scenario, or :class:`NotFound` (it may have gone in a reload)."""
        found = self.scenario(scenario_id, locale)
        if found is None:
            raise NotFound("error.scenario_not_found", scenario=scenario_id)
        return found

    def scenario_list(self, locale: str) -> tuple[Scenario, ...]:
        """Every scenario in the default locale, each replaced by its translation if any,
        in id order."""
        found = self._scenario_lists.get(locale)
        if found is None:
            # A locale with no scenarios and no copy of its own has no translations.
            return self._scenario_lists[self.default_locale]
        return found

    def topic_list(self, locale: str) -> tuple[Topic, ...]:
        """Every reading-list topic in file order, each in `locale` where translated."""
        return tuple(topic.in_locale(locale) for topic in self.topics.values())

    def topic(self, topic_id: str, locale: str) -> Topic | None:
        found = self.topics.get(topic_id)
        return None if found is None else found.in_locale(locale)

    def crisis_lines_for(self, region: str | None) -> tuple[CrisisLine, ...]:
        lines = self.crisis_lines.get((region or "").upper(), ())
        default = self.crisis_lines.get("default", ())
        return tuple(lines) + tuple(default)

    def emergency_number(self, region: str | None) -> str:
        """The region's emergency number, or "" when the region or its number is unknown."""
        return self.emergency_numbers.get((region or "").upper(), "")

    def text(self, locale: str, key: str, /, **params: object) -> str:
        return self.copy.text(locale, key, **params)
