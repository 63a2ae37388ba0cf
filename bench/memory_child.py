"""The process bench e measures: ``python -m bench.memory_child MEMBERS``.

It builds the runtime as ``python -m bot run`` does (the embedded default: SQLite in a
temporary directory, a generated key, the bundled content), with both platform adapters
imported, as a bot serving Discord and Slack has them.  It reads its resident set size,
then starts MEMBERS practice runs and takes each one or two steps in, through the core,
and reads it again.  It prints one line of JSON on stdout.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import json
import sys
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet

from bot.bootstrap import build
from bot.config import Settings
from bot.core.actors import Actor
from bot.core.practice import BEGIN, CHOOSE

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCY = 50
# What a bot serving both platforms has loaded besides the core.
ADAPTERS = ("bot.adapters.discord.run", "bot.adapters.slack.run")


def status_mb() -> dict[str, float]:
    """VmRSS (resident now) and VmHWM (the peak), in MB, from /proc/self/status."""
    found: dict[str, float] = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0]) / 1024  # kB
    return found


async def main(members: int) -> dict[str, object]:
    for name in ADAPTERS:
        importlib.import_module(name)
    with tempfile.TemporaryDirectory(prefix="upstander-bench-memory-") as folder:
        settings = Settings.from_env(
            {
                "UPSTANDER_DATA_DIR": folder,
                "UPSTANDER_CONTENT_DIR": str(ROOT / "scripts_content"),
                "UPSTANDER_RESOURCES": str(ROOT / "resources.yaml"),
                "UPSTANDER_SECRET_KEY": Fernet.generate_key().decode(),
            }
        )
        runtime = await build(settings)
        try:
            gc.collect()
            baseline = status_mb()
            catalog = runtime.content.current
            scenarios = [s.id for s in catalog.scenario_list(catalog.default_locale)]
            queue = iter(range(members))
            steps = 0

            async def worker() -> None:
                nonlocal steps
                for n in queue:
                    actor = Actor("bench", f"member-{n}")
                    reply = await runtime.app.press(
                        actor, f"{BEGIN}|{scenarios[n % len(scenarios)]}"
                    )
                    # One or two choices in: in the middle of the scenario, not finished.
                    for _ in range(1 + n % 2):
                        choices = [a for a in reply.actions if a.kind == CHOOSE]
                        if not choices:
                            break
                        reply = await runtime.app.press(actor, choices[0].id)
                        steps += 1

            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
            active = sum(
                [
                    await runtime.store.practice.active_run(f"bench:member-{n}") is not None
                    for n in (0, 1)
                ]
            )
            loaded = status_mb()
        finally:
            await runtime.aclose()
    return {
        "members": members,
        "steps": steps,
        "sampled_active": active,
        "baseline_rss_mb": baseline["VmRSS"],
        "rss_mb": loaded["VmRSS"],
        "peak_rss_mb": loaded["VmHWM"],
    }


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    print(json.dumps(asyncio.run(main(count))))
