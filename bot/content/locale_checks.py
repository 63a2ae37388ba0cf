"""Texts missing in a locale the content ships: a bot text, a scenario's translation, a
text inside a translated scenario, a reading-list topic's title and summary.

Members reading such a locale see the default locale's text instead. For the content
bundled with Upstander that is a bug (an error); for a community's own content it is
allowed (a warning), so that a translation can grow a text at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Literal

from pydantic import BaseModel

from bot.content.files import WHOLE_FILE, is_bundled
from bot.content.located import Located
from bot.content.schema import MessagesFile, ResourcesFile, ScenarioModel
from bot.content.sources import ScenarioSource, Sources
from bot.content.yamldoc import NodePath
from bot.core.catalog import DEFAULT_LOCALE
from bot.core.errors import Problem

_SEEN = "members reading it see the English text"
_NONE_SEEN = "members reading it see none"
_FEWER = "members reading it see fewer"


@dataclass(slots=True)
class Strictness:
    """Whether a missing text is an error in a file. `forced` decides for every file;
    None: errors in the bundled content, warnings in any other."""

    forced: bool | None = None
    # Each file's answer, worked out once: a file may have a missing text on every line.
    _bundled: dict[str, bool] = field(default_factory=dict)

    def strict(self, shown_path: str) -> bool:
        if self.forced is not None:
            return self.forced
        if shown_path not in self._bundled:
            self._bundled[shown_path] = is_bundled(Path(shown_path))
        return self._bundled[shown_path]

    def severity(self, shown_path: str) -> Literal["error", "warning"]:
        return "error" if self.strict(shown_path) else "warning"

    def problem(self, located: Located[BaseModel], at: NodePath, message: str) -> Problem:
        strict = self.strict(located.path)
        return located.problem(at, message, key=True, warning=not strict)


def shipped_locales(sources: Sources) -> tuple[str, ...]:
    """The locales besides the default that the content has bot copy or scenarios in."""
    found = set(sources.messages)
    found |= {source.locale for source in sources.scenarios + sources.salvaged}
    found.discard(DEFAULT_LOCALE)
    return tuple(sorted(found))


def missing_text_problems(
    sources: Sources, messages_dir: str, strictness: Strictness
) -> list[Problem]:
    locales = shipped_locales(sources)
    problems = _missing_copy_problems(sources.messages, locales, messages_dir, strictness)
    problems += _missing_scenario_problems(sources, locales, strictness)
    problems += _scenario_text_problems(sources, strictness)
    if sources.resources is not None and DEFAULT_LOCALE in sources.messages:
        problems += topic_translation_problems(sources.resources, locales, strictness)
    return problems


def _missing_copy_problems(
    messages: Mapping[str, Located[MessagesFile]],
    locales: tuple[str, ...],
    messages_dir: str,
    strictness: Strictness,
) -> list[Problem]:
    default = messages.get(DEFAULT_LOCALE)
    if default is None:
        return []  # reported by `discover`: the file every key comes from
    problems = []
    for locale in locales:
        located = messages.get(locale)
        path = str(PurePath(messages_dir) / f"{locale}.yaml")
        if located is None and Path(path).is_file():
            continue  # it failed its schema: its own errors say why
        if located is None:
            message = f"file not found: scenarios are in {locale!r}; {_SEEN} around them"
            problems.append(Problem(path, WHOLE_FILE, message, strictness.severity(path)))
            continue
        problems += missing_key_problems(located, default, strictness)
    return problems


def missing_key_problems(
    located: Located[MessagesFile], default: Located[MessagesFile], strictness: Strictness
) -> list[Problem]:
    """Each key of the default copy that `located` lacks, at the line where it would go
    (after the key that comes before it in the default file), and each one left empty."""
    texts = located.model.root
    problems = []
    before: NodePath = ()
    for key, original in default.model.root.items():
        if key not in texts:
            where = f"{default.path}:{default.doc.key_line_of((key,))}"
            message = f"key {key!r} ({where}) is not translated; {_SEEN}"
            problems.append(strictness.problem(located, before, message))
            continue
        before = (key,)
        if original.strip() and not texts[key].strip():
            message = f"key {key!r} is empty; the text in {default.path} is not"
            problems.append(strictness.problem(located, before, message))
    return problems


def _missing_scenario_problems(
    sources: Sources, locales: tuple[str, ...], strictness: Strictness
) -> list[Problem]:
    translated = {
        (source.locale, name)
        for source in sources.scenarios + sources.salvaged
        if source.is_translation
        for name in (source.model.id, PurePath(source.path).stem)
    }
    problems = []
    for original in sources.originals():
        stem = PurePath(original.path).stem
        for locale in locales:
            if {(locale, original.model.id), (locale, stem)} & translated:
                continue
            message = f"no {locale!r} translation: add scenarios/{locale}/{stem}.yaml; {_SEEN}"
            problems.append(strictness.problem(original.located, ("id",), message))
    return problems


def _scenario_text_problems(sources: Sources, strictness: Strictness) -> list[Problem]:
    originals: dict[str, ScenarioSource] = {}
    for source in sources.originals():
        originals.setdefault(source.model.id, source)
    problems = []
    for translation in sources.translations():
        original = originals.get(translation.model.id)
        if original is None or set(original.model.steps) != set(translation.model.steps):
            continue  # reported by tree_checks.translation_problems
        for at, message in _untranslated(original.model, translation.model):
            problems.append(strictness.problem(translation.located, at, message))
    return problems


def _untranslated(original: ScenarioModel, ours: ScenarioModel) -> Iterator[tuple[NodePath, str]]:
    """Texts the original has and the translation leaves out (the required ones are the
    schema's: a translation without a step's text or a choice's label does not load)."""
    count = len(original.content_warnings)
    if len(ours.content_warnings) < count:
        yield ("content_warnings",), f"fewer content warnings than the original's {count}; {_FEWER}"
    if original.reflection.strip() and not ours.reflection.strip():
        yield ("reflection",), f"no reflection where the original has one; {_NONE_SEEN}"
    for step_id, step in original.steps.items():
        mine = ours.steps[step_id]
        if step.takeaway.strip() and not mine.takeaway.strip():
            message = f"step {step_id!r} has no takeaway where the original has one"
            yield ("steps", step_id, "takeaway"), f"{message}; {_NONE_SEEN}"
        for index, (choice, own) in enumerate(zip(step.choices, mine.choices, strict=False)):
            if choice.feedback.strip() and not own.feedback.strip():
                message = f"choice {own.label!r} has no feedback where the original has some"
                yield ("steps", step_id, "choices", index, "feedback"), f"{message}; {_NONE_SEEN}"


def topic_translation_problems(
    resources: Located[ResourcesFile], locales: tuple[str, ...], strictness: Strictness
) -> list[Problem]:
    """Every topic in every shipped locale; a translation into no shipped locale is unseen."""
    problems = []
    for index, topic in enumerate(resources.model.topics):
        at = ("topics", index, "id")
        for locale in locales:
            if locale not in topic.translations:
                message = f"topic {topic.id!r} has no {locale!r} title and summary; {_SEEN}"
                problems.append(strictness.problem(resources, at, message))
        for locale in sorted(set(topic.translations) - set(locales)):
            where = ("topics", index, "translations", locale)
            message = f"no bot copy or scenario is in {locale!r}: this translation is never shown"
            problems.append(resources.problem(where, message, key=True, warning=True))
    return problems
