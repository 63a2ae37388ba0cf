"""e. Memory: the resident set size of a bot with 10,000 members in the middle of a scenario.

``bench.memory_child`` runs in a process of its own, so that only the bot is measured, not
this runner or the sections before it.  It builds the runtime on the embedded default
(SQLite), with both platform adapters imported, and reads ``/proc/self/status``: after
start-up (the baseline), then after 10,000 members each began a bundled scenario and made
one or two choices (their runs are active, stored in SQLite).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from bench.report import Figure, Options, Target

__all__ = ["measure"]

SECTION = "e. Memory"
ROOT = Path(__file__).resolve().parent.parent


async def measure(options: Options) -> list[Figure]:
    members = options.size(10_000, 300)
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.memory_child",
        str(members),
        cwd=str(ROOT),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"memory child failed ({child.returncode}): {err.decode()[-2000:]}")
    found = json.loads(out.decode().strip().splitlines()[-1])
    who = f"{found['members']:,} members mid-scenario ({found['steps']:,} choices made)"
    return [
        Figure(
            SECTION,
            "RSS after start-up (baseline)",
            found["baseline_rss_mb"],
            "MB",
            note="runtime built on SQLite with the bundled content, Discord and Slack "
            "adapters imported, before any member",
        ),
        Figure(
            SECTION,
            f"RSS with {found['members']:,} members mid-scenario",
            found["rss_mb"],
            "MB",
            Target("<", 200),
            note=who,
        ),
        Figure(SECTION, "peak RSS (VmHWM)", found["peak_rss_mb"], "MB", Target("<", 200), note=who),
    ]
