"""Load and validate the whole content tree: `validate` reports, `load_catalog` raises."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from bot.content.build import build_catalog
from bot.content.checks import cross_problems
from bot.content.file_checks import checkin_problems, long_text_warnings, resources_problems
from bot.content.files import WHOLE_FILE, FileReader, Layout, discover, shown_path
from bot.content.locale_checks import Strictness
from bot.content.located import Located, validate_document
from bot.content.salvage import salvage
from bot.content.schema import CheckinFile, MessagesFile, ResourcesFile, ScenarioModel
from bot.content.sources import ScenarioSource, Sources
from bot.content.yamldoc import YamlDocument
from bot.core.catalog import DEFAULT_LOCALE, Catalog, Tactic
from bot.core.errors import ContentInvalid, Problem

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Coverage:
    """How many default-locale scenarios coach each of the 5Ds, and happen in each setting."""

    by_focus: Mapping[str, int]
    by_setting: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class ContentStats:
    scenarios: int  # in the default locale
    locales: tuple[str, ...]  # of scenarios and bot copy
    topics: int
    resources: int


@dataclass(frozen=True, slots=True)
class ValidationReport:
    catalog: Catalog | None  # None when there is any error
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    coverage: Coverage
    stats: ContentStats

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self.errors + self.warnings


def load_catalog(
    content_dir: Path, resources_file: Path, *, strict_locales: bool | None = None
) -> Catalog:
    """The validated catalog; raises ContentInvalid with every problem (warnings included)."""
    report = validate(content_dir, resources_file, strict_locales=strict_locales)
    if report.catalog is None:
        raise ContentInvalid(list(report.problems))
    return report.catalog


def validate(
    content_dir: Path, resources_file: Path, *, strict_locales: bool | None = None
) -> ValidationReport:
    """Every problem in the tree. A text missing in a locale the content ships is an error
    with `strict_locales=True`, a warning with False; by default (None) an error in the
    content bundled with Upstander and a warning in a community's own."""
    layout = discover(content_dir, resources_file)
    run = _ValidationRun(FileReader(content_dir), list(layout.problems))
    sources = run.load_sources(layout)
    strictness = Strictness(strict_locales)
    run.problems += cross_problems(sources, shown_path(content_dir / "scenarios"), strictness)
    errors = _in_order(p for p in run.problems if p.severity == "error")
    warnings = _in_order(p for p in run.problems if p.severity == "warning")
    catalog = None if errors else build_catalog(sources, run.reader.version())
    return ValidationReport(catalog, errors, warnings, coverage(sources), stats(sources))


def coverage(sources: Sources) -> Coverage:
    originals = list(sources.originals())
    by_focus = {
        tactic.value: sum(tactic.value in source.model.focus for source in originals)
        for tactic in Tactic.five_ds()
    }
    settings = Counter(" ".join(source.model.setting.split()) for source in originals)
    return Coverage(by_focus, dict(sorted(settings.items())))


def stats(sources: Sources) -> ContentStats:
    locales = {source.locale for source in sources.scenarios} | set(sources.messages)
    topics = sources.resources.model.topics if sources.resources is not None else []
    return ContentStats(
        scenarios=len({source.model.id for source in sources.originals()}),
        locales=tuple(sorted(locales)),
        topics=len(topics),
        resources=len({item.id for topic in topics for item in topic.resources}),
    )


@dataclass
class _ValidationRun:
    """One validation run: the reader (and its digest) and the problems found so far."""

    reader: FileReader
    problems: list[Problem]

    def load_sources(self, layout: Layout) -> Sources:
        """Every file that passes its schema, and the names of scenarios that did not."""
        scenarios: list[ScenarioSource] = []
        salvaged: list[ScenarioSource] = []
        broken_originals: set[str] = set()
        for path, locale in layout.scenarios:
            shown, document = self.read(path)
            located, valid = self.check(ScenarioModel, document, shown)
            if located is not None:
                (scenarios if valid else salvaged).append(ScenarioSource(located, locale))
            if not valid and locale == DEFAULT_LOCALE:
                broken_originals |= {path.stem, *_raw_id(document)}
        messages = {}
        for path, locale in layout.messages:
            located_messages = self.load(path, MessagesFile)
            if located_messages is not None:
                messages[locale] = located_messages
        return Sources(
            scenarios=tuple(scenarios),
            resources=self.load(layout.resources, ResourcesFile, resources_problems),
            checkin=self.load(layout.checkin, CheckinFile, checkin_problems),
            messages=messages,
            broken_originals=frozenset(broken_originals),
            salvaged=tuple(salvaged),
        )

    def load(
        self,
        path: Path,
        model: type[M],
        own_checks: Callable[[Located[M]], list[Problem]] | None = None,
    ) -> Located[M] | None:
        """A file that is not a scenario; `own_checks` need nothing but the file itself,
        so they run here on what of a broken file can be salvaged."""
        if not path.is_file():
            return None  # reported by `discover`
        shown, document = self.read(path)
        located, valid = self.check(model, document, shown)
        if located is not None and not valid and own_checks is not None:
            self.problems += own_checks(located)
        return located if valid else None

    def read(self, path: Path) -> tuple[str, YamlDocument | None]:
        try:
            shown, document, problems = self.reader.read(path)
        except RecursionError:
            # Lists or mappings nested some hundreds deep: no content needs that, and the
            # pure-Python YAML reader composes them recursively.
            shown, document = shown_path(path), None
            problems = [Problem(shown, WHOLE_FILE, "lists or mappings are nested too deeply")]
        self.problems += problems
        return shown, document

    def check(
        self, model: type[M], document: YamlDocument | None, shown: str
    ) -> tuple[Located[M] | None, bool]:
        """The file validated (and True), or what of it can be salvaged (and False)."""
        if document is None:
            return None, False
        located, problems = validate_document(model, document, shown)
        self.problems += problems
        valid = located is not None
        if located is None:
            salvaged = salvage(model, document.data)
            located = None if salvaged is None else Located(shown, document, salvaged)
        if located is not None:
            self.problems += long_text_warnings(located)
        return located, valid


def _raw_id(document: YamlDocument | None) -> list[str]:
    """The `id` a file that failed its schema seems to have, if any."""
    data = document.data if document is not None else None
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        return [data["id"]]
    return []


def _in_order(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    return tuple(sorted(problems, key=lambda problem: (problem.path, problem.line)))
