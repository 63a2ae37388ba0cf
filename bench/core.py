"""c. Core alone: practice steps and durable check-in opens, with no platform in the way.

The runtime comes from ``bot.bootstrap.build`` exactly as ``python -m bot`` builds it: the
embedded default store (SQLite, WAL) in a temporary directory with a generated key, and
the bundled content (``scripts_content/`` and ``resources.yaml``).  Members call
``runtime.app`` the way every adapter does.  Background work (the outbox worker, the care
loop) is not started, so nothing else touches the database while it is measured.

* A practice step is one button press the core answers and stores: Begin, or a choice.
  Each member begins a bundled scenario, presses choices to its recap, and begins the
  next.  One member at a time, then 50 members each pressing its next button as soon as
  the previous one was answered.  The same on the in-memory store, for comparison.
* A durable check-in open is Send: the member confirms a stored draft, and the check-in
  is opened and its volunteer card queued in the outbox, committed in one transaction
  before the member is told "received" (``Desk.confirm``).  The drafts are prepared
  first, untimed, one per member (``/checkin``, then the submitted form), so the targeted
  figure counts only the Sends.  Each member opens one, so the cooldown never applies.
  One volunteer is on duty.
* The member's whole path to "received" is also timed, without a target: ``/checkin``
  (the form, after the one-open-at-a-time, cooldown and block checks), the submitted
  form (screened and stored as a draft), then Send: three requests and two writes.
* The floor is raw aiosqlite: the same number of single-row INSERTs into a table shaped
  like ``checkins`` (text of the size Fernet makes), each in its own transaction and
  committed, on a database with the store's PRAGMAs, in the same temporary directory.
  Concurrently, 50 tasks share the connection behind a lock (one transaction at a time,
  as on one SQLite connection there must be).
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import aiosqlite
from cryptography.fernet import Fernet

from bench.report import Figure, Options, Target
from bot.bootstrap import Runtime, build
from bot.config import Settings
from bot.core.actors import Actor
from bot.core.app import Upstander
from bot.core.desk_support import (
    ANONYMOUS,
    CLOSE,
    CONFIRM,
    FIELD_CATEGORY,
    FIELD_IDENTITY,
    FIELD_TEXT,
    FIELD_URGENCY,
    FORM_ID,
)
from bot.core.messages import Reply
from bot.core.practice import BEGIN, CHOOSE
from bot.gctune import settle_after_startup
from bot.storage.engine import PRAGMAS
from bot.storage.memory import MemoryStore

__all__ = ["measure"]

SECTION = "c. Core alone"
ROOT = Path(__file__).resolve().parent.parent
CONCURRENCY = 50
PLATFORM = "bench"
CHECKIN_TEXT = "Someone in the team channel keeps making remarks about my accent."


async def measure(options: Options) -> list[Figure]:
    steps = options.size(3000, 150)
    opens = options.size(2000, 100)
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="upstander-bench-core-") as folder:
        base = Path(folder)
        sqlite = await _runtime(base / "sqlite", memory=False)
        memory = await _runtime(base / "memory", memory=True)
        try:
            for runtime, label in ((sqlite, "SQLite"), (memory, "in-memory store")):
                one = await _practice(runtime, steps, 1, prefix=f"p1-{label}")
                many = await _practice(runtime, steps, CONCURRENCY, prefix=f"p50-{label}")
                figures.append(_rate(f"practice steps/s, one member at a time, {label}", one))
                figures.append(_rate(f"practice steps/s, 50 members at once, {label}", many))
            for concurrency in (1, CONCURRENCY):
                who = "one member at a time" if concurrency == 1 else "50 members at once"
                raw = await _raw_inserts(base / f"raw-{concurrency}.sqlite3", opens, concurrency)
                sent = await _checkin_sends(sqlite, opens, concurrency, f"s{concurrency}")
                whole = await _checkin_paths(sqlite, opens, concurrency, f"w{concurrency}")
                figures += [
                    _rate(f"durable check-in opens (Send)/s, {who}, SQLite", sent),
                    _rate(f"raw aiosqlite inserts/s, {who}", raw),
                    Figure(
                        SECTION,
                        f"raw inserts / check-in opens, {who}",
                        raw / sent,
                        "x",
                        Target("<=", 2),
                        note="an open is Send on a draft prepared untimed: the check-in "
                        "opened and its card queued, committed in one transaction, then "
                        "the reply; a raw insert is one single-row INSERT and its commit",
                    ),
                    Figure(
                        SECTION,
                        f"whole paths to received/s, {who}, SQLite",
                        whole,
                        "/s",
                        note="three requests: /checkin (the form), the submitted form "
                        "(a stored draft), Send",
                    ),
                ]
            in_memory = await _checkin_sends(memory, opens, 1, "m1")
            figures.append(
                _rate("durable check-in opens (Send)/s, one member at a time, in-memory", in_memory)
            )
        finally:
            await sqlite.aclose()
            await memory.aclose()
    return figures


def _rate(name: str, value: float) -> Figure:
    return Figure(SECTION, name, value, "/s")


async def _runtime(folder: Path, *, memory: bool) -> Runtime:
    settings = Settings.from_env(
        {
            "UPSTANDER_DATA_DIR": str(folder),
            "UPSTANDER_CONTENT_DIR": str(ROOT / "scripts_content"),
            "UPSTANDER_RESOURCES": str(ROOT / "resources.yaml"),
            "UPSTANDER_SECRET_KEY": Fernet.generate_key().decode(),
            # Capacity, not policy: Sends here come faster than a community may send them.
            "UPSTANDER_COMMUNITY_CHECKINS_PER_MINUTE": "0",
        }
    )
    runtime = await build(settings, store=MemoryStore() if memory else None)
    settle_after_startup()  # as `python -m bot run` does once the bot is built
    # One volunteer on duty, so a check-in takes the ordinary path ("a volunteer will...").
    await runtime.store.volunteers.set_availability(f"{PLATFORM}:volunteer", PLATFORM, True)
    return runtime


async def _timed(count: int, concurrency: int, one: Callable[[int], Awaitable[None]]) -> float:
    """`count` calls of `one(index)`, `concurrency` at a time in a closed loop; calls/s."""
    queue = iter(range(count))

    async def worker() -> None:
        for index in queue:
            await one(index)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.perf_counter() - started)


# -- practice ---------------------------------------------------------------------------


async def _practice(runtime: Runtime, steps: int, concurrency: int, *, prefix: str) -> float:
    catalog = runtime.content.current
    scenarios = [s.id for s in catalog.scenario_list(catalog.default_locale)]
    members = [
        _Player(runtime, Actor(PLATFORM, f"{prefix}-{n}"), scenarios, n) for n in range(concurrency)
    ]
    per_member = steps // concurrency
    started = time.perf_counter()
    await asyncio.gather(*(member.play(per_member) for member in members))
    return per_member * concurrency / (time.perf_counter() - started)


class _Player:
    """A member who keeps practising: Begin, choices to the recap, the next scenario."""

    def __init__(self, runtime: Runtime, actor: Actor, scenarios: Sequence[str], seed: int) -> None:
        self._app = runtime.app
        self._actor = actor
        self._scenarios = scenarios
        self._turn = seed

    async def play(self, steps: int) -> None:
        reply: Reply | None = None
        for _ in range(steps):
            self._turn += 1
            choices = [a for a in reply.actions if a.kind == CHOOSE] if reply else []
            if choices:
                action_id = choices[self._turn % len(choices)].id
            else:
                scenario = self._scenarios[self._turn % len(self._scenarios)]
                action_id = f"{BEGIN}|{scenario}"
            reply = await self._app.press(self._actor, action_id)
            if not reply.actions:
                raise RuntimeError(f"practice went wrong: {reply.text()[:200]}")


# -- check-ins --------------------------------------------------------------------------


VALUES = {
    FIELD_TEXT: CHECKIN_TEXT,
    FIELD_CATEGORY: "harassment",
    FIELD_URGENCY: "this-week",
    FIELD_IDENTITY: ANONYMOUS,
}


def _member(prefix: str, index: int) -> Actor:
    return Actor(PLATFORM, f"{prefix}-member-{index}", display_name=f"Member {index}")


async def _draft(app: Upstander, actor: Actor) -> str:
    """/checkin, then the submitted form: the id of the Send button on the stored draft."""
    form = await app.checkin(actor)
    if form.form is None:
        raise RuntimeError(f"no check-in form: {form.text()[:200]}")
    summary = await app.submit_form(actor, FORM_ID, VALUES)
    confirm = next((a for a in summary.actions if a.kind == CONFIRM), None)
    if confirm is None:
        raise RuntimeError(f"no Send button: {summary.text()[:200]}")
    return confirm.id


async def _send(app: Upstander, actor: Actor, send_id: str) -> None:
    received = await app.press(actor, send_id)
    if not any(a.kind == CLOSE for a in received.actions):
        raise RuntimeError(f"not received: {received.text()[:200]}")


async def _checkin_sends(runtime: Runtime, count: int, concurrency: int, prefix: str) -> float:
    """Durable opens: every member's draft prepared first (untimed), then the Sends timed."""
    app = runtime.app
    members = [_member(prefix, index) for index in range(count)]
    sends = [await _draft(app, actor) for actor in members]

    async def send_one(index: int) -> None:
        await _send(app, members[index], sends[index])

    return await _timed(count, concurrency, send_one)


async def _checkin_paths(runtime: Runtime, count: int, concurrency: int, prefix: str) -> float:
    """The member's whole path to "received": the form, the submitted form, Send."""
    app = runtime.app

    async def open_one(index: int) -> None:
        actor = _member(prefix, index)
        await _send(app, actor, await _draft(app, actor))

    return await _timed(count, concurrency, open_one)


async def _raw_inserts(path: Path, count: int, concurrency: int) -> float:
    """The floor: single-row INSERTs into a table shaped like `checkins`, one per commit."""
    fernet = Fernet(Fernet.generate_key())
    # Values of the sizes the store writes: Fernet tokens, a fingerprint, timestamps.
    member = fernet.encrypt(b'["bench:member", "member", ""]').decode()
    text = fernet.encrypt(CHECKIN_TEXT.encode()).decode()
    lock = asyncio.Lock()
    async with aiosqlite.connect(path) as db:
        for pragma in PRAGMAS:
            await db.execute(pragma)
        await db.execute(
            "CREATE TABLE raw (id TEXT PRIMARY KEY, member_fp TEXT NOT NULL, member_enc TEXT,"
            " pseudonym TEXT, category TEXT, urgency TEXT, text_enc TEXT, status TEXT,"
            " created_at TEXT NOT NULL)"
        )
        await db.commit()

        async def insert(index: int) -> None:
            async with lock:
                await db.execute(
                    "INSERT INTO raw VALUES (?,?,?,?,?,?,?,?,?)",
                    (
                        secrets.token_hex(12),
                        secrets.token_hex(16),
                        member,
                        "Member 7F3A",
                        "harassment",
                        "this-week",
                        text,
                        "open",
                        "2026-11-21T10:00:00+00:00",
                    ),
                )
                await db.commit()

        return await _timed(count, concurrency, insert)
