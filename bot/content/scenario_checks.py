"""Checks on one scenario that its schema cannot express: the shape of its step graph,
its resource references, and warnings about what a member would miss."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from bot.content.schema import MAX_CHOICES, MIN_CHOICES, ScenarioModel
from bot.content.sources import ScenarioSource
from bot.content.yamldoc import NodePath
from bot.core.errors import Problem


def scenario_problems(
    source: ScenarioSource, resource_ids: Collection[str] | None
) -> list[Problem]:
    """Every problem in one scenario. `resource_ids` is None when resources.yaml is broken,
    in which case references cannot be judged and are not reported."""
    problems = [
        *step_shape_problems(source),
        *link_problems(source),
        *reachability_problems(source),
    ]
    if resource_ids is not None:
        problems += resource_reference_problems(source, resource_ids)
    if not source.is_translation:
        # A translation follows its original's resources, and its feedback; warn once, on
        # the original (a translation leaving out feedback is bot.content.locale_checks').
        problems += empty_feedback_warnings(source)
        problems += no_resources_warnings(source)
    return problems


def step_shape_problems(source: ScenarioSource) -> list[Problem]:
    problems = []
    for step_id, step in source.model.steps.items():
        at = ("steps", step_id)
        if step.end and step.choices:
            message = f"step {step_id!r} has both choices and `end: true`; an ending has no choices"
            problems.append(source.located.problem(at, message, key=True))
        elif not step.end and not step.choices:
            message = f"step {step_id!r} has no choices and no `end: true`; add one or the other"
            problems.append(source.located.problem(at, message, key=True))
        elif len(step.choices) == 1:
            message = f"step {step_id!r} has 1 choice; a step offers {MIN_CHOICES} to {MAX_CHOICES}"
            problems.append(source.located.problem((*at, "choices"), message, key=True))
    return problems


def link_problems(source: ScenarioSource) -> list[Problem]:
    model = source.model
    problems = []
    if model.start not in model.steps:
        message = f"start names step {model.start!r}, which is not in 'steps'"
        problems.append(source.located.problem(("start",), message))
    for step_id, step in model.steps.items():
        for index, choice in enumerate(step.choices):
            if choice.next not in model.steps:
                at = ("steps", step_id, "choices", index, "next")
                message = f"next names step {choice.next!r}, which is not in 'steps'"
                problems.append(source.located.problem(at, message))
    return problems


def reachability_problems(source: ScenarioSource) -> list[Problem]:
    """Steps nothing reaches from `start`, and steps from which no ending can be reached."""
    model = source.model
    edges = step_edges(model)
    problems = []
    unreachable: set[str] = set()
    if model.start in model.steps:
        reached = reachable_from([model.start], edges)
        unreachable = set(model.steps) - reached
        for step_id in _in_file_order(model, unreachable):
            message = f"step {step_id!r} is never reached from start {model.start!r}"
            problems.append(source.located.problem(("steps", step_id), message, key=True))
    endings = [step_id for step_id, step in model.steps.items() if step.end]
    can_end = reachable_from(endings, reverse_edges(edges))
    # An unreachable step has already been reported; saying it is also a dead end is noise.
    dead_ends = set(model.steps) - can_end - unreachable
    for step_id in _in_file_order(model, dead_ends):
        message = f"no ending can be reached from step {step_id!r}"
        problems.append(source.located.problem(("steps", step_id), message, key=True))
    return problems


def step_edges(model: ScenarioModel) -> dict[str, list[str]]:
    """Step id -> the existing steps its choices lead to (an ending leads nowhere)."""
    return {
        step_id: [] if step.end else [c.next for c in step.choices if c.next in model.steps]
        for step_id, step in model.steps.items()
    }


def reverse_edges(edges: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    reverse: dict[str, list[str]] = {step_id: [] for step_id in edges}
    for source_id, targets in edges.items():
        for target in targets:
            reverse[target].append(source_id)
    return reverse


def reachable_from(starts: Iterable[str], edges: Mapping[str, Iterable[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        step_id = stack.pop()
        if step_id in seen:
            continue
        seen.add(step_id)
        stack.extend(edges.get(step_id, ()))
    return seen


def resource_reference_problems(
    source: ScenarioSource, resource_ids: Collection[str]
) -> list[Problem]:
    model = source.model
    references: list[tuple[NodePath, str]] = [
        (("resources", i), rid) for i, rid in enumerate(model.resources)
    ]
    for step_id, step in model.steps.items():
        references += [
            (("steps", step_id, "resources", i), rid) for i, rid in enumerate(step.resources)
        ]
    return [
        source.located.problem(at, f"unknown resource {rid!r} (not in resources.yaml)")
        for at, rid in references
        if rid not in resource_ids
    ]


def empty_feedback_warnings(source: ScenarioSource) -> list[Problem]:
    warnings = []
    for step_id, step in source.model.steps.items():
        for index, choice in enumerate(step.choices):
            if not choice.feedback.strip():
                at = ("steps", step_id, "choices", index, "feedback")
                message = f"choice {choice.label!r} has no feedback; every choice deserves coaching"
                warnings.append(source.located.problem(at, message, warning=True))
    return warnings


def no_resources_warnings(source: ScenarioSource) -> list[Problem]:
    model = source.model
    if model.resources or any(step.resources for step in model.steps.values()):
        return []
    message = f"scenario {model.id!r} lists no resources; the recap has nothing to offer"
    return [source.located.problem(("id",), message, warning=True)]


def _in_file_order(model: ScenarioModel, step_ids: Collection[str]) -> list[str]:
    return [step_id for step_id in model.steps if step_id in step_ids]
