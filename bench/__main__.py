"""``python -m bench [--quick] [--only a,c] [--out DIR]``: run the benchmarks, print a table.

Sections run one after another in this process (the memory section starts its own
process, so that what it measures is only its own).  The exit status is 0 when every
section ran, whether or not its targets were met: the table says which were missed.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import logging
import sys
import traceback
from pathlib import Path

from bench.report import Figure, Options, table, write_json
from bot.gctune import unsettle

ROOT = Path(__file__).resolve().parent.parent
# The end-to-end sections reuse the platform stand-ins the test suite serves.
for folder in (ROOT, ROOT / "tests", ROOT / "tests" / "slack", ROOT / "tests" / "ops"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

SECTIONS: dict[str, str] = {
    "a": "bench.discord_e2e",
    "b": "bench.slack_e2e",
    "c": "bench.core",
    "d": "bench.content",
    "e": "bench.memory",
    "f": "bench.processes",
    "g": "bench.communities",
}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    chosen = tuple(args.only.split(",")) if args.only else tuple(SECTIONS)
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
        return 2
    # Benchmarks measure the bot, not its logging: keep warnings, drop the chatter.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    options = Options(quick=args.quick, sections=chosen)
    figures: list[Figure] = []
    failed: list[str] = []
    thresholds = gc.get_threshold()
    for name in chosen:
        print(f"running {name}: {SECTIONS[name]} ...", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(SECTIONS[name])
            figures.extend(asyncio.run(module.measure(options)))
        except Exception:
            traceback.print_exc()
            failed.append(name)
        # Each section starts from the interpreter's defaults, whatever the last one set.
        unsettle(thresholds)
        gc.collect()
    print(table(figures))
    path = write_json(figures, Path(args.out), options)
    print(f"\nfigures written to {path}")
    if failed:
        print(f"section(s) failed to run: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small workloads (a smoke run)")
    parser.add_argument("--only", help="comma-separated sections: " + ",".join(SECTIONS))
    parser.add_argument("--out", default=str(ROOT / "bench-results"), help="JSON folder")
    return parser


if __name__ == "__main__":
    sys.exit(main())
