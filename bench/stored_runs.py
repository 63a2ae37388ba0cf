"""b, continued: practice presses when the store already holds many runs.

Two bots run side by side on the same Slack stand-in, each on a database of its own (two
SQLite files, or two PostgreSQL schemas): one seeded with 1,000 finished runs, the other
with 100,000, dealt among the 1,000 members who then press (100 past runs each on the
large one). 50 presses are in flight, each from a member taken in turn from the 1,000,
so that every press looks up a different member's run than the 49 before it: no page or
buffer cache can hold just the few members being served. Rounds alternate between the
two bots; the figure compared is presses/s on the large store against the small one.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

from slack_standin import SlackDriver, SlackStandIn

from bench.databases import SQLITE, Db, postgresql
from bench.report import Figure, Options, Target, percentile
from bench.seed import seed_runs
from bench.slack_e2e import IN_FLIGHT, SECRET, SECTION, Member, Samples, Side, press, start_bot
from bench.slack_e2e import start_members as start_pressing
from bot.bootstrap import Runtime

RATIO_TARGET = 0.75


@dataclass
class Store:
    """One bot on a seeded database, its members, and what its rounds measured."""

    side: Side
    runtime: Runtime
    stored: int
    members: list[Member] = field(default_factory=list)
    samples: Samples = field(default_factory=Samples)


@contextlib.asynccontextmanager
async def fresh(like: Db, purpose: str) -> AsyncIterator[Db]:
    """An empty database of the same kind as `like`."""
    if like.label == SQLITE:
        yield Db(SQLITE)
        return
    async with postgresql(purpose) as pg:
        if pg is None:
            raise RuntimeError("PostgreSQL stopped answering")
        yield pg


async def measure_stored(options: Options, slack: SlackStandIn, db: Db) -> list[Figure]:
    sizes = (options.size(1_000, 200), options.size(100_000, 2_000))
    population = options.size(1_000, 50)
    presses = options.size(2_000, 100)
    rounds = options.size(3, 1)
    async with AsyncExitStack() as stack:
        stores = []
        for stored in sizes:
            where = await stack.enter_async_context(fresh(db, f"b{stored}"))
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-b-")))
            side, runtime = await start_bot(folder, slack, where)
            stack.push_async_callback(side.close)
            store = Store(side, runtime, stored)
            driver = await stack.enter_async_context(SlackDriver(side.url, SECRET, standin=slack))
            prefix = f"S{len(stores)}"
            await _seed(runtime, store, population, prefix)
            store.members = await start_pressing(driver, slack, population, prefix)
            await _spread(slack, driver, store.members, presses // 4, None)  # warm-up
            stores.append((store, driver))
        for _ in range(rounds):
            for store, driver in stores:
                slack.clear_calls()
                await _spread(slack, driver, store.members, presses, store.samples)
    return figures([store for store, _ in stores], db.label, population)


async def _seed(runtime: Runtime, store: Store, population: int, prefix: str) -> None:
    catalog = runtime.content.current
    scenarios = [s.id for s in catalog.scenario_list(catalog.default_locale)]
    members = [f"slack:U{prefix}{index:04d}" for index in range(population)]
    await seed_runs(runtime.settings, store.stored, members, scenarios)


async def _spread(
    slack: SlackStandIn,
    driver: SlackDriver,
    members: list[Member],
    presses: int,
    samples: Samples | None,
) -> None:
    """`presses` presses, IN_FLIGHT at a time, each from the next member in turn."""
    queue: asyncio.Queue[Member] = asyncio.Queue()
    for member in members:
        queue.put_nowait(member)
    budget = [presses]
    got = samples if samples is not None else Samples()
    loop = asyncio.get_running_loop()

    async def worker() -> None:
        while budget[0] > 0:
            budget[0] -= 1
            member = queue.get_nowait()  # a member is pressed by one worker at a time
            await press(slack, driver, member, got)
            queue.put_nowait(member)

    started = loop.time()
    await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    got.elapsed += loop.time() - started


def figures(stores: list[Store], label: str, population: int) -> list[Figure]:
    small, large = stores
    note = (
        f"{population:,} members pressing in turn, {IN_FLIGHT} in flight; the stored runs "
        "are finished runs dealt among those members"
    )
    rows = []
    for store in stores:
        rows += [
            Figure(
                SECTION,
                f"bot: practice presses/s, {store.stored:,} stored runs, {label}",
                store.samples.rate,
                "/s",
                note=note,
            ),
            Figure(
                SECTION,
                f"bot: p99 latency, {store.stored:,} stored runs, {label}",
                percentile(store.samples.latency, 0.99) * 1000.0,
                "ms",
                Target("<", 100),
            ),
        ]
    ratio = large.samples.rate / small.samples.rate if small.samples.rate else float("nan")
    rows.append(
        Figure(
            SECTION,
            f"presses/s at {large.stored:,} / at {small.stored:,} stored runs, {label}",
            ratio,
            "x",
            Target(">=", RATIO_TARGET),
            note=note + "; rounds alternate between the two stores",
        )
    )
    return rows
