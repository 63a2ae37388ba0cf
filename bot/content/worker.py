"""A reload's reading and validating, in a process of its own.

Reading and validating a large library allocates enough to keep a serving process's
garbage collector, and so its event loop, busy for long stretches, even from a worker
thread. `validate_elsewhere` starts a Python that runs `main` (not `-m`, which would make
this module `__main__` and its picklable names unreachable); it prints the file stamps and
the report, pickled, on its stdout, unpickled here in a worker thread.
"""

from __future__ import annotations

import asyncio
import copyreg
import gc
import os
import pickle
import sys
from collections.abc import Sequence
from itertools import chain
from pathlib import Path
from types import MappingProxyType
from typing import Any

from bot.content.loader import ValidationReport, validate

# A file's identity for the watcher: modification time and size.
FileStamp = tuple[int, int]
Stamped = tuple[dict[Path, FileStamp], ValidationReport]


_RUN_MAIN = "import sys; from bot.content.worker import main; sys.exit(main(sys.argv[1:]))"


class WorkerFailed(Exception):
    """The worker process ended without a report (killed, or a bug): nothing was loaded."""


async def validate_elsewhere(content_dir: Path, resources_file: Path) -> Stamped:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _RUN_MAIN,
        str(content_dir),
        str(resources_file),
        stdin=asyncio.subprocess.DEVNULL,  # a console bot's terminal is not the worker's
        stdout=asyncio.subprocess.PIPE,
        # The same modules as this process, wherever they were found.
        env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
    )
    try:
        out, _ = await process.communicate()
    except asyncio.CancelledError:
        process.kill()
        raise
    if process.returncode != 0:
        raise WorkerFailed(f"the content worker exited with status {process.returncode}")
    stamped: Stamped = await asyncio.to_thread(pickle.loads, out)
    return stamped


def stamp_and_validate(content_dir: Path, resources_file: Path) -> Stamped:
    # Stamps first: a file saved while loading then counts as changed.
    return file_stamps(content_dir, resources_file), validate(content_dir, resources_file)


def file_stamps(content_dir: Path, resources_file: Path) -> dict[Path, FileStamp]:
    stamps = {}
    for path in chain(content_dir.rglob("*.yaml"), [resources_file]):
        try:
            stat = path.stat()
        except OSError:
            continue  # deleted between listing and stat; the next poll sees it gone
        stamps[path] = (stat.st_mtime_ns, stat.st_size)
    return stamps


def _mapping_proxy(mapping: dict[object, object]) -> MappingProxyType[object, object]:
    return MappingProxyType(mapping)


def _reduce_mapping_proxy(
    proxy: MappingProxyType[object, object],
) -> tuple[object, tuple[dict[object, object]]]:
    return _mapping_proxy, (dict(proxy),)


def main(argv: Sequence[str]) -> int:
    # Everything this process allocates is kept until it prints the report and exits.
    gc.disable()
    content_dir, resources_file = (Path(arg) for arg in argv)
    pickler = pickle.Pickler(sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    # The catalog's read-only mappings travel as the dicts they wrap.
    table: dict[type, Any] = {**copyreg.dispatch_table, MappingProxyType: _reduce_mapping_proxy}
    pickler.dispatch_table = table
    pickler.dump(stamp_and_validate(content_dir, resources_file))
    return 0
