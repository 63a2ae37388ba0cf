"""Every check that needs more than one file's schema, run together so that moderators
see all problems at once."""

from __future__ import annotations

from pathlib import PurePath

from bot.content.command_checks import command_copy_problems
from bot.content.file_checks import (
    checkin_label_problems,
    checkin_problems,
    messages_problems,
    resources_problems,
)
from bot.content.locale_checks import Strictness, missing_text_problems
from bot.content.scenario_checks import scenario_problems
from bot.content.sources import ScenarioSource, Sources
from bot.content.tree_checks import (
    duplicate_scenario_problems,
    locale_problems,
    translation_problems,
    unused_tactic_warnings,
)
from bot.core.catalog import DEFAULT_LOCALE
from bot.core.errors import Problem


def cross_problems(
    sources: Sources, scenarios_dir: str, strictness: Strictness | None = None
) -> list[Problem]:
    resource_ids = sources.resource_ids() if sources.resources is not None else None
    problems: list[Problem] = []
    for source in sources.scenarios + sources.salvaged:
        problems += locale_problems(source)
        problems += scenario_problems(source, resource_ids)
    problems += duplicate_scenario_problems(sources.scenarios)
    originals = _first_by_id(sources)
    for translation in sources.translations():
        problems += translation_problems(translation, originals, sources.broken_originals)
    if any(sources.originals()) and not sources.broken_originals:
        # With a file missing from the count, a tactic might only seem unused.
        problems += unused_tactic_warnings(sources.originals(), scenarios_dir)
    if sources.resources is not None:
        problems += resources_problems(sources.resources)
    if sources.checkin is not None:
        problems += checkin_problems(sources.checkin)
        default_messages = sources.messages.get(DEFAULT_LOCALE)
        if default_messages is not None:
            problems += checkin_label_problems(sources.checkin, default_messages)
    problems += messages_problems(sources.messages)
    messages_dir = str(PurePath(scenarios_dir).parent / "messages")
    problems += missing_text_problems(sources, messages_dir, strictness or Strictness())
    problems += command_copy_problems(sources.messages)
    return problems


def _first_by_id(sources: Sources) -> dict[str, ScenarioSource]:
    first: dict[str, ScenarioSource] = {}
    for source in sources.originals():
        first.setdefault(source.model.id, source)
    return first
