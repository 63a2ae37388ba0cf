"""The practice runs the store last read or wrote, kept in memory.

A press reads the member's run and writes it back. The read is an indexed lookup, but
with the row turned back into a `PracticeRun` (its moves decoded, its times parsed) it
cost about 19 µs, a fifth of what the store added to a press. The store writes every run
it saves here after the COMMIT, so the next press finds it without asking SQLite.

What makes that safe:

* This process is the only writer of the ``runs`` table (one bot per database file, as
  the README says), and every change to it goes through `SqliteStore`, which tells the
  cache what it committed, in the order it committed it.
* A lookup answered while a change to runs was on its way (issued, not yet committed)
  may already be out of date, so it is not kept: every change moves :attr:`version`, and
  a lookup is kept only if the version did not move while it ran.
* For a member it has looked up, the cache knows every active run (normally one: Begin
  abandons the previous run), and so answers "no active run" too, as the menu asks
  after every recap. The answer is the one the database would give: the most recently
  updated of them.

It holds practice progress only: scenario ids, steps and tactics, never what a member
typed. Both maps are bounded (least recently used first out).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from typing import Final

from bot.core.models import PracticeRun, RunStatus

__all__ = ["MISS", "RUN_CACHE_SIZE", "Miss", "RunCache"]

# About 1 KB a run: 10,000 members mid-scenario cost about 10 MB.
RUN_CACHE_SIZE = 10_000


class Miss:
    """Not in the cache: ask the database."""

    def __repr__(self) -> str:
        return "MISS"


MISS: Final = Miss()


class RunCache:
    def __init__(self, size: int = RUN_CACHE_SIZE) -> None:
        self._size = size
        self._runs: OrderedDict[str, PracticeRun] = OrderedDict()
        # member -> the ids of all their active runs (none: known to have none).
        self._active: OrderedDict[str, set[str]] = OrderedDict()
        self.version = 0

    # -- reading -----------------------------------------------------------------------

    def run(self, run_id: str) -> PracticeRun | Miss:
        run = self._runs.get(run_id)
        if run is None:
            return MISS
        self._runs.move_to_end(run_id)
        return run

    def active(self, member: str) -> PracticeRun | Miss | None:
        ids = self._active.get(member)
        if ids is None:
            return MISS
        self._active.move_to_end(member)
        if len(ids) == 1:  # nearly always: Begin leaves the run before
            (only,) = ids
            found = self._runs.get(only)
            return MISS if found is None else found
        runs = [self._runs.get(run_id) for run_id in ids]
        known = [run for run in runs if run is not None]
        if len(known) < len(runs):
            return MISS  # one of them has left the cache
        return max(known, key=_updated, default=None)

    # -- what the database answered ------------------------------------------------------

    def looked_up(self, run: PracticeRun | None, since: int) -> None:
        """`run`, as a lookup begun at version `since` found it (None: not found)."""
        if since == self.version and run is not None:
            self._put(run)

    def looked_up_active(self, member: str, runs: list[PracticeRun], since: int) -> None:
        """All of `member`'s active runs, as a lookup begun at version `since` found them."""
        if since != self.version:
            return
        for run in runs:
            self._put(run)
        self._active[member] = {run.id for run in runs}
        self._active.move_to_end(member)
        if len(self._active) > self._size:
            self._active.popitem(last=False)

    # -- what the store changed ----------------------------------------------------------

    def changing(self) -> None:
        """A change to runs is on its way: lookups running meanwhile are not kept."""
        self.version += 1

    def saved(self, runs: Iterable[PracticeRun]) -> None:
        """`runs` were committed, in this order."""
        self.version += 1
        for run in runs:
            self._put(run)
            self._follow_active(run)

    def forget(self, runs: Iterable[PracticeRun]) -> None:
        """A change to `runs` failed or may not have happened: ask the database next time."""
        self.version += 1
        for run in runs:
            self._runs.pop(run.id, None)
            self._active.pop(run.member, None)

    def clear(self) -> None:
        self.version += 1
        self._runs.clear()
        self._active.clear()

    # -- internals -----------------------------------------------------------------------

    def _follow_active(self, run: PracticeRun) -> None:
        ids = self._active.get(run.member)
        if ids is None:
            return  # not looked up yet: the database knows the others
        if run.status is RunStatus.ACTIVE:
            ids.add(run.id)
        else:
            ids.discard(run.id)

    def _put(self, run: PracticeRun) -> None:
        self._runs[run.id] = run
        self._runs.move_to_end(run.id)
        if len(self._runs) > self._size:
            self._runs.popitem(last=False)


def _updated(run: PracticeRun) -> datetime:
    return run.updated_at
