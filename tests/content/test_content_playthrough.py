"""The automatic playthrough: every path through a scenario, loops reported, not followed."""

from __future__ import annotations

import pytest
from content_tree import Tree

from bot.content.loader import load_catalog
from bot.content.playthrough import playthrough_problems, walk, walk_paths
from bot.core.catalog import Catalog, Choice, Scenario, Step, Tactic


@pytest.fixture
def catalog(tree: Tree) -> Catalog:
    return load_catalog(tree.content, tree.resources)


def test_every_path_of_the_branching_fixture(catalog: Catalog) -> None:
    lunch = catalog.scenarios["en"]["lunch-joke"]
    # after-distract has two choices that both lead to "later": one path through the steps.
    assert walk_paths(lunch) == [
        ("opening", "after-distract", "later"),
        ("opening", "after-direct"),
        ("opening", "later"),
    ]
    assert walk_paths(catalog.scenarios["es"]["lunch-joke"]) == walk_paths(lunch)


def test_the_valid_fixture_has_no_playthrough_problems(catalog: Catalog) -> None:
    assert playthrough_problems(catalog) == []


def test_a_loop_is_reported_and_not_followed(tree: Tree) -> None:
    # Valid content (an ending is reachable from every step), but "again" loops back.
    tree.write(
        "content/scenarios/loop.yaml",
        """\
id: loop
title: Try again
summary: A step that can send the member back to the start.
setting: test
content_warnings: []
resources: [five-ds]
start: opening
steps:
  opening:
    text: Something happens.
    choices:
      - label: Act
        tactic: direct
        feedback: Good.
        next: done
      - label: Think again
        tactic: delay
        feedback: Fine.
        next: again
  again:
    text: You think it over.
    choices:
      - label: Start over
        tactic: delay
        feedback: Back to the start.
        next: opening
      - label: Act now
        tactic: direct
        feedback: Good.
        next: done
  done:
    text: It is over.
    end: true
""",
    )
    catalog = load_catalog(tree.content, tree.resources)
    loop = catalog.scenarios["en"]["loop"]
    assert walk_paths(loop) == [("opening", "done"), ("opening", "again", "done")]
    assert walk(loop).cycles == (("opening", "again", "opening"),)
    assert playthrough_problems(catalog) == [
        "en/loop: the path opening → again → opening comes back to 'opening'"
    ]


def test_a_path_that_stops_short_of_an_ending(catalog: Catalog) -> None:
    # The loader never builds this; a scenario made in code can still be checked.
    broken = _scenario(
        "broken",
        {
            "opening": _step("opening", "gone", "stuck"),
            "stuck": Step("stuck", "No way on."),
        },
    )
    assert walk(broken).stuck == (("opening", "gone"), ("opening", "stuck"))
    assert walk_paths(broken) == []


def test_the_number_of_paths_is_bounded(catalog: Catalog) -> None:
    # Twelve layers of two-way forks that join again: 4,096 paths through 25 steps.
    steps = {}
    for layer in range(12):
        for side in "ab":
            steps[f"s{layer}{side}"] = _step(f"s{layer}{side}", f"s{layer + 1}a", f"s{layer + 1}b")
    steps["s12a"] = Step("s12a", "The end.", end=True)
    steps["s12b"] = Step("s12b", "The end.", end=True)
    wide = _scenario("wide", steps, start="s0a")
    assert len(walk_paths(wide)) == 4096
    limited = walk(wide, limit=1000)
    assert limited.truncated
    assert len(limited.paths) == 1000
    catalog_with_wide = Catalog(
        scenarios={"en": {"wide": wide}},
        topics=catalog.topics,
        resources=catalog.resources,
        crisis_lines=catalog.crisis_lines,
        crisis_rules=catalog.crisis_rules,
        copy=catalog.copy,
    )
    assert playthrough_problems(catalog_with_wide, limit=1000) == [
        "en/wide: more than 1000 paths; the playthrough stopped counting"
    ]


def _step(step_id: str, *following: str) -> Step:
    choices = tuple(Choice(f"to {n}", Tactic.DELAY, "Fine.", n) for n in following)
    return Step(step_id, f"Step {step_id}.", choices)


def _scenario(scenario_id: str, steps: dict[str, Step], start: str = "opening") -> Scenario:
    return Scenario(
        id=scenario_id,
        locale="en",
        title=scenario_id,
        summary="Made in code.",
        setting="test",
        content_warnings=(),
        start=start,
        steps=steps,
    )
