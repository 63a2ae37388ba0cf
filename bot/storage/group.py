"""Group commit: many small write transactions in one, each in a savepoint of its own.

Used by both connections (the database thread's and the event loop's): changes that
queued up meanwhile run one after another in one BEGIN IMMEDIATE … COMMIT, each inside
its own SAVEPOINT, so one that fails rolls back only its own changes. Every caller is
answered only after the COMMIT, and if the COMMIT fails, none of them was stored and
each is told so. One commit (and its WAL write) for many requests is what lets
concurrent members go faster than one at a time.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bot.core.errors import StorageError

__all__ = ["MAX_GROUP", "AddCounts", "Answer", "Body", "Change", "Counted", "run_group", "settle"]

log = logging.getLogger(__name__)

# At most this many changes share one COMMIT.
MAX_GROUP = 64

Body = Callable[[sqlite3.Connection], Any]
# A change waiting to be made: its body, and the future its caller awaits.
Change = tuple[Body, "asyncio.Future[Any]"]
# (future, succeeded, result or exception), to be answered on the future's loop.
Answer = tuple["asyncio.Future[Any]", bool, Any]


# Writes (metric, key, by) rows into the counters.
AddCounts = Callable[[sqlite3.Connection, Iterable[tuple[str, str, int]]], None]


class Counted:
    """A change that also adds one to each of `counts` (anonymous counters).

    Alone, it is `body` and then its counters. In a group, the counters of all its
    changes are added up and written once, just before the COMMIT: under load a practice
    press moved the same few counters as the presses beside it. `single` says `body`
    runs exactly one statement: SQLite undoes a failed statement by itself and keeps the
    transaction, so such a change needs no savepoint of its own.
    """

    __slots__ = ("add_counts", "body", "counts", "single")

    def __init__(
        self, body: Body, counts: Sequence[tuple[str, str]], add_counts: AddCounts, *, single: bool
    ) -> None:
        self.body = body
        self.counts = counts
        self.add_counts = add_counts
        self.single = single

    def __call__(self, db: sqlite3.Connection) -> Any:
        result = self.body(db)
        if self.counts:
            self.add_counts(db, _rows(Counter(self.counts)))
        return result


def _rows(tally: Counter[tuple[str, str]]) -> list[tuple[str, str, int]]:
    return [(metric, key, by) for (metric, key), by in tally.items()]


def run_group(db: sqlite3.Connection, changes: Sequence[Change]) -> list[Answer]:
    """In the transaction the caller began: each change in a savepoint, then COMMIT."""
    answers: list[Answer] = []
    tallies: dict[AddCounts, Counter[tuple[str, str]]] = {}
    for index, (body, future) in enumerate(changes):
        if isinstance(body, Counted) and body.single:
            try:
                result = body.body(db)
            except BaseException as exc:  # handed to the caller, whatever it is
                answers.append((future, False, exc))
                if not db.in_transaction:
                    return _abandon(db, answers, changes[index + 1 :], exc)
                continue
            _tally(tallies, body)
            answers.append((future, True, result))
            continue
        try:
            db.execute("SAVEPOINT change")
        except sqlite3.Error as exc:
            return _abandon(db, answers, changes[index:], exc)
        try:
            result = body.body(db) if isinstance(body, Counted) else body(db)
        except BaseException as exc:  # handed to the caller, whatever it is
            answers.append((future, False, exc))
            try:
                db.execute("ROLLBACK TO change")
                db.execute("RELEASE change")
            except sqlite3.Error as undo:
                return _abandon(db, answers, changes[index + 1 :], undo)
            if not db.in_transaction:
                # SQLite ended the whole transaction (an I/O error, a full disk): the
                # group's earlier changes went with it.
                return _abandon(db, answers, changes[index + 1 :], exc)
            continue
        try:
            db.execute("RELEASE change")
        except sqlite3.Error as exc:
            answers.append((future, False, StorageError(f"write failed: {exc}")))
            return _abandon(db, answers, changes[index + 1 :], exc)
        if isinstance(body, Counted):
            _tally(tallies, body)
        answers.append((future, True, result))
    try:
        for add_counts, tally in tallies.items():
            add_counts(db, _rows(tally))
        db.execute("COMMIT")
    except sqlite3.Error as exc:
        return _abandon(db, answers, [], exc)
    return answers


def _tally(tallies: dict[AddCounts, Counter[tuple[str, str]]], change: Counted) -> None:
    """Count a change's counters in, once it is made (a change that failed adds none)."""
    if not change.counts:
        return
    tally = tallies.get(change.add_counts)
    if tally is None:
        tally = tallies[change.add_counts] = Counter()
    for key in change.counts:  # by hand: Counter.update is several calls slower
        tally[key] += 1


def _abandon(
    db: sqlite3.Connection,
    answers: list[Answer],
    unrun: Sequence[Change],
    cause: BaseException,
) -> list[Answer]:
    """The group's transaction is lost: roll back what is left of it; every body that had
    succeeded is now told it was not stored, and the ones not yet run are not run."""
    if db.in_transaction:
        try:
            db.execute("ROLLBACK")
        except sqlite3.Error:
            log.exception("rolling back a failed group of writes failed")
    log.error("a group of %d change(s) was not stored: %s", len(answers) + len(unrun), cause)
    lost = StorageError(f"commit failed: {cause}")
    failed = [(future, False, result if not ok else lost) for future, ok, result in answers]
    return failed + [(future, False, lost) for _, future in unrun]


def settle(answers: Sequence[Answer]) -> None:
    """On the futures' loop: hand each caller its result (skipping the ones who left)."""
    for future, ok, value in answers:
        if future.done():
            continue
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)
