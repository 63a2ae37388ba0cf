"""One bot per SQLite database, enforced: an exclusive lock held while the bot runs.

SQLite serves one process: its writers take turns on the event loop, while two
processes would wait for each other in SQLite's busy handler, and under load a change
could fail as "busy" (PostgreSQL is the way to run several). So the bot takes
``upstander.lock`` in the data directory before it opens the database, and a second one
stops at start-up with a clear error. (On PostgreSQL there is no such lock: any number
of processes serve one database.)

The lock is the operating system's (``flock``), not the file's existence: it goes with
the process however it ends (SIGKILL, a crash, a lost container), so a restart never
finds a stale lock to clear by hand. The file keeps the holder's process id, for an
operator wondering who holds it. Readers of the database (backups, the test suite's
checks) take no lock: SQLite's WAL lets them read beside the bot.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import IO

from bot.core.errors import StorageError

try:
    import fcntl
except ImportError:  # Windows: no flock; the bot runs unguarded there (see docs/operators.md)
    fcntl = None  # type: ignore[assignment]

__all__ = ["LOCK_FILE_NAME", "DataDirInUse", "DataDirLock"]

log = logging.getLogger(__name__)

LOCK_FILE_NAME = "upstander.lock"


class DataDirInUse(StorageError):
    """Another process holds the data directory's lock."""


class DataDirLock:
    def __init__(self, path: Path, handle: IO[str] | None) -> None:
        self.path = path
        self._handle = handle

    @classmethod
    def take(cls, folder: Path) -> DataDirLock:
        """The lock on ``folder``, or :class:`DataDirInUse` when another process has it."""
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / LOCK_FILE_NAME
        if fcntl is None:
            log.warning("this system has no flock: nothing stops a second bot on %s", folder)
            return cls(path, None)
        handle = path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(handle)
            handle.close()
            raise DataDirInUse(
                f"another Upstander bot{holder} is running on the data directory {folder}; "
                "run one bot per data directory (UPSTANDER_DATA_DIR)"
            ) from None
        except BaseException:
            handle.close()
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        return cls(path, handle)

    @property
    def held(self) -> bool:
        return self._handle is not None and not self._handle.closed

    def release(self) -> None:
        """Let go (closing the file is what releases a flock); twice is harmless."""
        if self._handle is not None and not self._handle.closed:
            self._handle.close()


def _holder(handle: IO[str]) -> str:
    handle.seek(0)
    pid = handle.read(20).strip()
    return f" (process {pid})" if pid.isdigit() else ""
