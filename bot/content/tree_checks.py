"""Checks across scenario files: duplicate ids, translations that do not match their
original, and 5Ds tactics no scenario lets a member practise."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import PurePath

from bot.content.sources import ScenarioSource
from bot.core.catalog import DEFAULT_LOCALE, Tactic
from bot.core.errors import Problem


def duplicate_scenario_problems(sources: Iterable[ScenarioSource]) -> list[Problem]:
    """A scenario id is unique per locale; every file after the first one is reported."""
    first: dict[tuple[str, str], ScenarioSource] = {}
    problems = []
    for source in sources:
        key = (source.locale, source.model.id)
        original = first.setdefault(key, source)
        if original is not source:
            where = f"{original.path}:{original.located.doc.line_of(('id',))}"
            message = f"scenario id {source.model.id!r} is already used in {where}"
            problems.append(source.located.problem(("id",), message))
    return problems


def locale_problems(source: ScenarioSource) -> list[Problem]:
    """The `locale:` a file declares must be the one its directory says."""
    if source.model.locale == source.locale:
        return []
    if "locale" not in source.located.model.model_fields_set:
        message = f"add `locale: {source.locale}`: the file is in scenarios/{source.locale}/"
        return [source.located.problem((), message)]
    if source.is_translation:
        where = f"scenarios/{source.locale}/"
    else:
        where = f"scenarios/ (the default locale, {DEFAULT_LOCALE})"
    message = f"locale is {source.model.locale!r} but the file is in {where}"
    return [source.located.problem(("locale",), message)]


def translation_problems(
    translation: ScenarioSource,
    originals: dict[str, ScenarioSource],
    broken_originals: Collection[str] = (),
) -> list[Problem]:
    """A translation translates; it keeps the original's steps and branching.

    An original that failed its schema has its own errors; its translation waits for it.
    """
    model = translation.model
    original = originals.get(model.id)
    if original is None:
        if {model.id, PurePath(translation.path).stem} & set(broken_originals):
            return []
        message = f"no scenario with id {model.id!r} in scenarios/ to translate"
        return [translation.located.problem(("id",), message)]
    problems = []
    if model.start != original.model.start:
        message = f"start is {model.start!r} but the original starts at {original.model.start!r}"
        problems.append(translation.located.problem(("start",), message))
    ours, theirs = set(model.steps), set(original.model.steps)
    if ours != theirs:
        missing = ", ".join(sorted(theirs - ours)) or "none"
        extra = ", ".join(sorted(ours - theirs)) or "none"
        message = (
            f"step ids differ from the original {original.path}: "
            f"missing {missing}; not in the original {extra}"
        )
        problems.append(translation.located.problem(("steps",), message, key=True))
        # With different steps every renamed link would differ too; one message is enough.
        return problems
    for step_id in model.steps:
        if _branching(translation, step_id) != _branching(original, step_id):
            message = (
                f"step {step_id!r} branches differently from the original "
                f"(same choices in the same order, with the same next steps and tactics)"
            )
            problems.append(translation.located.problem(("steps", step_id), message, key=True))
    return problems


def unused_tactic_warnings(
    originals: Iterable[ScenarioSource], scenarios_dir: str
) -> list[Problem]:
    """A 5Ds tactic no choice in any scenario uses: members can never practise it."""
    used: set[str] = set()
    for source in originals:
        used.update(
            choice.tactic for step in source.model.steps.values() for choice in step.choices
        )
    return [
        Problem(
            scenarios_dir, 0, f"no scenario has a choice with tactic {tactic.value!r}", "warning"
        )
        for tactic in Tactic.five_ds()
        if tactic.value not in used
    ]


def _branching(source: ScenarioSource, step_id: str) -> tuple[object, ...]:
    step = source.model.steps[step_id]
    return (step.end, tuple((choice.tactic, choice.next) for choice in step.choices))
