"""d. Content: loading a large library, and what reloading it costs members meanwhile.

A library of 1,000 scenarios and 5,000 resources in the shipped format is generated in a
temporary directory (``bench.contentgen``; about 10 MB of YAML).

* Load: ``ContentHolder.load`` (read, parse, validate every file and cross-check them,
  build the catalog), as at start-up, with the imported modules frozen for the collector
  as ``python -m bot run`` freezes them first.  The median of a few loads.
* Reload under load: a runtime serves that library (``bot.bootstrap.build``, SQLite
  store) while members practise through the core on the event loop in closed loops
  (Begin, choices to the recap, the menu's first page and every other time its second,
  the next scenario); the runtime's start-up heap is frozen for the collector, as
  ``python -m bot run`` does.  A ticker sleeps 1 ms at a time and records by how much
  each sleep overshot: that is how long the event loop could not run anything.
  ``ContentHolder.reload`` reads and validates in a worker process; the catalog is
  unpickled in a worker thread here, and the swap and anything that follows it happen on
  the loop.  The window runs from the start of the reload until a while after it
  finished, so that what the swap leaves behind (the old catalog freed, a garbage
  collection) is counted too.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet

from bench.contentgen import Library, generate
from bench.report import Figure, Options, Target, percentile
from bot.bootstrap import Runtime, build
from bot.config import Settings
from bot.content.holder import ContentHolder
from bot.core.actors import Actor
from bot.core.messages import Reply
from bot.core.practice import BEGIN, CHOOSE, INTRO, MENU_PAGE
from bot.gctune import settle_after_startup

__all__ = ["measure"]

SECTION = "d. Content"
MEMBERS = 20
TICK_S = 0.001
# After the reload returns: long enough for the old catalog to go and a collection to run.
AFTERMATH_S = 1.0


async def measure(options: Options) -> list[Figure]:
    scenarios = options.size(1000, 60)
    resources = options.size(5000, 300)
    loads = options.size(5, 1)
    reloads = options.size(5, 1)
    with tempfile.TemporaryDirectory(prefix="upstander-bench-content-") as folder:
        base = Path(folder)
        library = generate(base / "library", scenarios=scenarios, resources=resources)
        size_mb = library.size_bytes / 1e6
        times = []
        settle_after_startup()  # as `python -m bot run` does before it loads the content
        for _ in range(loads):
            started = time.perf_counter()
            holder = await asyncio.to_thread(
                ContentHolder.load, library.content_dir, library.resources_file
            )
            times.append((time.perf_counter() - started) * 1000)
            del holder
        runtime = await build(_settings(base / "data", library))
        settle_after_startup()  # as `python -m bot run` does once it is built
        try:
            quiet = await _lags_while(runtime, _sleep(1.0))
            during: list[float] = []
            for n in range(reloads):
                _touch(library.content_dir / "scenarios" / f"{library.scenario_ids[n]}.yaml")
                during += await _lags_while(runtime, _reload(runtime))
        finally:
            await runtime.aclose()
    what = f"{scenarios:,} scenarios, {resources:,} resources, {size_mb:.1f} MB of YAML"
    return [
        Figure(
            SECTION,
            "load and validate the library (median)",
            statistics.median(times),
            "ms",
            Target("<", 1000),
            note=f"{what}; ContentHolder.load, {loads} run(s), from a warm page cache",
        ),
        Figure(
            SECTION,
            "longest event-loop stall while reloading",
            max(during),
            "ms",
            Target("<", 250),
            note=f"{reloads} reload(s) of {what}, {MEMBERS} members practising on the loop; "
            f"the window includes {AFTERMATH_S:g} s after each reload returned",
        ),
        Figure(SECTION, "p99 event-loop lag while reloading", percentile(during, 0.99), "ms"),
        Figure(
            SECTION,
            "longest event-loop stall, same load, no reload",
            max(quiet),
            "ms",
            note="the same members for 1 s without a reload, for comparison",
        ),
    ]


def _settings(data: Path, library: Library) -> Settings:
    return Settings.from_env(
        {
            "UPSTANDER_DATA_DIR": str(data),
            "UPSTANDER_CONTENT_DIR": str(library.content_dir),
            "UPSTANDER_RESOURCES": str(library.resources_file),
            "UPSTANDER_SECRET_KEY": Fernet.generate_key().decode(),
        }
    )


def _touch(path: Path) -> None:
    """Change one scenario's title, so that each reload has a new version to swap in."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: Generated", "title: Edited", 1), encoding="utf-8")


async def _sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


async def _reload(runtime: Runtime) -> None:
    content = runtime.content
    assert isinstance(content, ContentHolder)
    result = await content.reload()
    if not result.ok:
        raise RuntimeError(f"reload failed: {result.problems[:3]}")
    await asyncio.sleep(AFTERMATH_S)


async def _lags_while(runtime: Runtime, work: object) -> list[float]:
    """Loop lag samples (ms) while members practise and `work` runs."""
    stop = asyncio.Event()
    members = [
        asyncio.create_task(_practise(runtime, Actor("bench", f"m{n}"), n, stop))
        for n in range(MEMBERS)
    ]
    lags: list[float] = []
    ticker = asyncio.create_task(_tick(lags, stop))
    await asyncio.sleep(0.2)  # members under way before the window opens
    lags.clear()
    try:
        assert asyncio.iscoroutine(work)
        await work
    finally:
        stop.set()
        # Each member finishes the press it is making: nothing is cut off half-way.
        await asyncio.gather(ticker, *members)
    return lags


async def _tick(lags: list[float], stop: asyncio.Event) -> None:
    clock = time.perf_counter
    while not stop.is_set():
        started = clock()
        await asyncio.sleep(TICK_S)
        lags.append(max(0.0, (clock() - started - TICK_S) * 1000))


async def _practise(runtime: Runtime, actor: Actor, seed: int, stop: asyncio.Event) -> None:
    app = runtime.app
    turn = seed
    reply: Reply = await app.practice(actor)
    while not stop.is_set():
        turn += 1
        choices = [a for a in reply.actions if a.kind == CHOOSE]
        if choices:
            reply = await app.press(actor, choices[turn % len(choices)].id)
            continue
        # The menu after a recap, every other time its next page too, then a scenario from
        # the page shown straight away.
        menu = await app.practice(actor)
        pages = [a for a in menu.actions if a.kind == MENU_PAGE]
        if pages and turn % 2:
            menu = await app.press(actor, pages[-1].id)
        intros = [a for a in menu.actions if a.kind == INTRO]
        if not intros:
            raise RuntimeError(f"no scenarios in the menu: {menu.text()[:200]}")
        scenario = intros[turn % len(intros)].arg
        reply = await app.press(actor, f"{BEGIN}|{scenario}")
