"""Clocks for the stand-in: the real monotonic clock, or one a test moves by hand."""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]
"""A clock is any zero-argument callable returning seconds as a float."""


def monotonic_clock() -> float:
    return time.monotonic()


class ManualClock:
    """A clock that only moves when the test says so.

    >>> clock = ManualClock()
    >>> t0 = clock()
    >>> clock.advance(3.5)
    >>> clock() - t0
    3.5
    """

    def __init__(self, start: float = 1_000_000.0) -> None:
        self._now = float(start)

    def __call__(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        self._now += seconds
