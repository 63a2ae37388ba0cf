"""An automatic playthrough: every path a member can take through a scenario.

Validation proves each step can reach an ending; the playthrough shows what a member can
actually go through, and flags what validation allows but a writer may not intend: a path
that comes back to a step it already passed (a loop), or more paths than anyone will read.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.catalog import Catalog, Scenario

# Enough for any scenario written by hand; beyond it the walk stops and says so.
MAX_PATHS = 10_000

StepPath = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Walk:
    paths: tuple[StepPath, ...]  # start ... an ending
    cycles: tuple[StepPath, ...]  # start ... a step already on the path (shown again at the end)
    stuck: tuple[StepPath, ...]  # start ... a step that is missing, or has no choices and no end
    truncated: bool  # more than the limit of outcomes; the walk stopped early


def walk(scenario: Scenario, limit: int = MAX_PATHS) -> Walk:
    """Depth-first over step ids, choices in order. A path never revisits a step."""
    paths: list[StepPath] = []
    cycles: list[StepPath] = []
    stuck: list[StepPath] = []
    # An explicit stack instead of recursion: a long scenario must not hit the recursion limit.
    stack: list[StepPath] = [(scenario.start,)]
    while stack:
        if len(paths) + len(cycles) + len(stuck) >= limit:
            return Walk(tuple(paths), tuple(cycles), tuple(stuck), truncated=True)
        path = stack.pop()
        step = scenario.step(path[-1])
        if step is not None and step.end:
            paths.append(path)
            continue
        if step is None or not step.choices:
            stuck.append(path)
            continue
        # Two choices may lead to the same step; that is one path through the steps.
        following = list(dict.fromkeys(choice.next for choice in step.choices))
        for next_id in reversed(following):  # reversed: the first choice is walked first
            if next_id in path:
                cycles.append((*path, next_id))
            else:
                stack.append((*path, next_id))
    return Walk(tuple(paths), tuple(cycles), tuple(stuck), truncated=False)


def walk_paths(scenario: Scenario, limit: int = MAX_PATHS) -> list[StepPath]:
    """Every path of step ids from the start to an ending (loops and dead ends left out)."""
    return list(walk(scenario, limit).paths)


def playthrough_problems(catalog: Catalog, limit: int = MAX_PATHS) -> list[str]:
    problems = []
    for locale in sorted(catalog.scenarios):
        for scenario_id in sorted(catalog.scenarios[locale]):
            scenario = catalog.scenarios[locale][scenario_id]
            problems += scenario_walk_problems(scenario, limit)
    return problems


def scenario_walk_problems(scenario: Scenario, limit: int = MAX_PATHS) -> list[str]:
    name = f"{scenario.locale}/{scenario.id}"
    result = walk(scenario, limit)
    problems = [
        f"{name}: the path {_show(cycle)} comes back to {cycle[-1]!r}" for cycle in result.cycles
    ]
    problems += [
        f"{name}: the path {_show(path)} stops at {path[-1]!r}, which is not an ending"
        for path in result.stuck
    ]
    if result.truncated:
        problems.append(f"{name}: more than {limit} paths; the playthrough stopped counting")
    elif not result.paths:
        problems.append(f"{name}: no path reaches an ending")
    return problems


def _show(path: StepPath) -> str:
    return " → ".join(path)
