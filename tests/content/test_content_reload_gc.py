"""A reload and the garbage collector: in a bot that froze its start-up heap, the catalog a
reload builds is frozen too, garbage from before the reload is not, and a replaced
catalog is freed; everywhere else the collector is left alone."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from content_tree import Tree

from bot.content.holder import ContentHolder
from bot.core.catalog import Catalog
from bot.gctune import keeps_a_frozen_heap, settle_after_startup, unsettle


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


@pytest.fixture(autouse=True)
def restored_gc() -> Iterator[None]:
    """The test process's own collector is put back as it was."""
    threshold = gc.get_threshold()
    enabled = gc.isenabled()
    yield
    unsettle(threshold)
    if enabled:
        gc.enable()


def in_the_collectors_sight(catalog: Catalog) -> int:
    """How many of the catalog's scenarios and steps the collector still walks."""
    tracked = {id(o) for o in gc.get_objects()}
    parts: list[object] = []
    for by_id in catalog.scenarios.values():
        for scenario in by_id.values():
            parts += [scenario, *scenario.steps.values()]
    assert parts, "the tree has scenarios to look for"
    return sum(id(part) in tracked for part in parts)


def edit_a_title(tree: Tree, title: str) -> None:
    path = tree.content / "scenarios" / "lunch-joke.yaml"
    text = path.read_text(encoding="utf-8")
    old = next(line for line in text.splitlines() if line.startswith("title:"))
    path.write_text(text.replace(old, f"title: {title}"), encoding="utf-8")


async def test_a_settled_bot_freezes_the_catalog_a_reload_builds(tree: Tree) -> None:
    holder = await ContentHolder.open(tree.content, tree.resources)
    settle_after_startup()
    edit_a_title(tree, "Edited once")
    assert (await holder.reload()).ok
    assert in_the_collectors_sight(holder.current) == 0
    assert gc.isenabled(), "the collector runs again once the reload is done"


async def test_garbage_from_before_a_reload_is_collected_not_frozen(tree: Tree) -> None:
    holder = await ContentHolder.open(tree.content, tree.resources)
    settle_after_startup()
    garbage = _Node()
    garbage.other = _Node()
    garbage.other.other = garbage  # a cycle: only the collector can free it
    gone = weakref.ref(garbage)
    del garbage
    edit_a_title(tree, "Edited once")
    assert (await holder.reload()).ok
    assert gone() is None


async def test_a_catalog_a_later_reload_replaces_is_freed_though_frozen(tree: Tree) -> None:
    holder = await ContentHolder.open(tree.content, tree.resources)
    settle_after_startup()
    edit_a_title(tree, "Edited once")
    assert (await holder.reload()).ok
    frozen = gc.get_freeze_count()
    catalog_size = sum(
        len(s.steps) + 1 for by in holder.current.scenarios.values() for s in by.values()
    )
    for n in range(5):
        edit_a_title(tree, f"Edited again {n}")
        assert (await holder.reload()).ok
    # Five catalogs' worth kept would be far more than a little noise from the loop.
    assert gc.get_freeze_count() - frozen < 2 * catalog_size


async def test_a_failed_reload_freezes_nothing(tree: Tree) -> None:
    holder = await ContentHolder.open(tree.content, tree.resources)
    settle_after_startup()
    tree.add("unknown_key.yaml", "content/scenarios/unknown-key.yaml")
    young = _Node()
    assert not (await holder.reload()).ok
    assert gc.is_tracked(young) and id(young) in {id(o) for o in gc.get_objects()}
    assert gc.isenabled()


async def test_a_bot_that_froze_nothing_is_left_as_it_is(tree: Tree) -> None:
    holder = await ContentHolder.open(tree.content, tree.resources)
    assert not keeps_a_frozen_heap()
    before = gc.get_freeze_count()
    edit_a_title(tree, "Edited once")
    assert (await holder.reload()).ok
    assert gc.get_freeze_count() == before
    assert in_the_collectors_sight(holder.current) > 0
