"""settle_after_startup: start-up's garbage collected, the rest frozen, a higher threshold."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot.gctune import GEN0_THRESHOLD, settle_after_startup, unsettle


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


@pytest.fixture(autouse=True)
def restored_gc() -> Iterator[None]:
    """The test process's own collector is put back as it was."""
    threshold = gc.get_threshold()
    yield
    unsettle(threshold)


def test_garbage_goes_before_the_freeze_and_what_lives_is_frozen() -> None:
    garbage = _Node()
    garbage.other = _Node()
    garbage.other.other = garbage  # a cycle: only the collector can free it
    gone = weakref.ref(garbage)
    del garbage
    kept = [_Node() for _ in range(100)]

    settle_after_startup()

    assert gone() is None, "start-up's garbage was collected, not frozen for good"
    assert gc.get_freeze_count() >= len(kept)
    tracked = {id(o) for o in gc.get_objects()}  # the generations the collector walks
    assert not any(id(k) in tracked for k in kept), "what lives is out of its sight"


def test_the_young_threshold_is_raised_and_the_older_ones_kept() -> None:
    gc.set_threshold(700, 11, 12)
    settle_after_startup()
    assert gc.get_threshold() == (GEN0_THRESHOLD, 11, 12)
    assert GEN0_THRESHOLD > 700


def test_unsettling_puts_everything_back_in_sight() -> None:
    settle_after_startup()
    assert gc.get_freeze_count() > 0
    unsettle((700, 10, 10))
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == (700, 10, 10)
