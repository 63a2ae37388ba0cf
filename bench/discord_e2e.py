"""a. Discord end to end: practice steps by button press through the real discord.py client.

Fifty simulated members press buttons in a closed loop against the loopback stand-in of
Discord's gateway and REST API that the tests use (``tests/discord_standin``): each member
presses its next button as soon as its previous press was answered, so 50 interactions
are always in flight.  A member starts with ``/practice``, picks a scenario, presses
Begin, makes choices until the recap, and goes back to the menu from the recap's button.

Latency is taken by the stand-in's own clock, from the moment the INTERACTION_CREATE
frame went out on the gateway to the moment the interaction callback (the response)
arrived at its REST API, so the driver's own scheduling is not part of it.

The same load runs against two clients, in alternating rounds, each round on a freshly
connected client so that only one of them talks to the stand-ins at a time (discord.py
keeps its REST base URL process-wide):

* the bot: ``serve_discord`` on a runtime from ``bot.bootstrap.build``, with the embedded
  default store (SQLite in a temporary directory) and the bundled content;
* the floor: a plain ``discord.Client`` whose ``on_interaction`` answers every press with
  the bot's own answers, replayed: before the rounds the bot plays one unmeasured round,
  and every answer it gave there (its embeds, buttons, and whether it was a new message
  or an update of the pressed one) is turned into discord.py objects once; the floor's
  member n is answered with what the bot's member n was answered, in the same order,
  and the floor does no work of its own beyond answering.  The stand-in and discord.py
  then do the same work for both sides: the same sizes, the same components, the same
  text for the gateway's zlib stream to compress.

  Two earlier floors were kinder than that, for reasons that had nothing to do with the
  bot.  One answered with one constant message of a repeated sentence, which zlib
  compresses far more cheaply than prose (about 15% faster).  The next replayed the
  rehearsal's answers in one stream, in the order they were given; but in a short
  rehearsal the members move in step (fifty menus, then fifty introductions, ...), so
  each gateway frame carried much the same message as the frames just before it: zlib
  made them 30% smaller and spent 30% less time on them than on the bot's frames, whose
  members have long since drifted apart.  Answering each member from its own history,
  after a rehearsal as long as a measured round, keeps the bot's mix.  It did not yet
  keep the bot's drift: each member's history was replayed from its start, and all the
  histories are about as long, so the floor's members stayed in step with each other
  for good (every one of them given its menu, then its introduction, ... at the same
  time) and their frames still compressed to 383 bytes against the bot's 455.  Each
  floor member now starts at a random place in its own history: 447 bytes against 455.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import random
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import discord
from cryptography.fernet import Fernet

from bench.databases import SQLITE, Db, both
from bench.report import Figure, Options, Target, median, percentile
from bot.adapters.discord.endpoints import endpoints
from bot.adapters.discord.run import serve_discord
from bot.adapters.discord.settings import DiscordSettings
from bot.bootstrap import Runtime, build
from bot.config import Settings
from bot.core.practice import BEGIN, CHOOSE, INTRO, MENU
from bot.gctune import settle_after_startup
from tests.discord_standin import (
    CB_CHANNEL_MESSAGE,
    CB_DEFERRED_CHANNEL_MESSAGE,
    CB_DEFERRED_UPDATE_MESSAGE,
    CB_UPDATE_MESSAGE,
    DiscordStandin,
    DispatchedInteraction,
    FakeUser,
    RecordedRequest,
    StoredMessage,
)

__all__ = ["measure"]


# How a side connects a fresh client for a round.
Connect = Callable[[], contextlib.AbstractAsyncContextManager[None]]

SECTION = "a. Discord end to end"
IN_FLIGHT = 50
# With the store on well-kept libraries (no engine of our own), a may fall a little: issue 19.
RATIO_TARGET = 0.6
# Generous: a callback that has not come by then means the harness is broken, not slow.
CALLBACK_TIMEOUT_S = 30.0
CONNECT_TIMEOUT_S = 30.0
# Which button a member presses, in order of preference; none of them: back to /practice.
PRESS_ORDER = (CHOOSE, BEGIN, INTRO, MENU)
FLOOR_NOTE = (
    "floor: a plain discord.Client on the same stand-in whose on_interaction answers every "
    "press with the bot's own answers from an unmeasured round, replayed in order (the same "
    "embeds and buttons, new message or update as the bot chose), doing no work of its own "
    "beyond answering"
)
LATENCY_NOTE = (
    "from INTERACTION_CREATE sent on the gateway to the interaction callback arriving at "
    "the REST API, by the stand-in's clock; 50 members in a closed loop"
)


@dataclass(frozen=True, slots=True)
class Workload:
    rounds: int  # alternating floor/bot rounds
    warmup: int  # interactions per round before measuring (fresh connection each round)
    measured: int  # interactions measured per round

    @classmethod
    def of(cls, options: Options) -> Workload:
        return cls(
            rounds=options.size(4, 1),
            warmup=options.size(200, 50),
            measured=options.size(1000, 100),
        )


@dataclass(slots=True)
class Tally:
    """What one side did in the measured part of every round."""

    count: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    deferred: int = 0

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else float("nan")


@dataclass(slots=True)
class Member:
    user: FakeUser
    rng: random.Random
    message: StoredMessage | None = None


def next_press(message: StoredMessage | None, rng: random.Random) -> str | None:
    """The custom id the member presses next on ``message``; None: send /practice."""
    if message is None:
        return None
    ids = message.custom_ids()
    for prefix in PRESS_ORDER:
        choices = [cid for cid in ids if cid.startswith(prefix + "|")]
        if choices:
            return rng.choice(choices)
    return None


class Side:
    """One client under load: members on its own stand-in and a way to (re)connect it."""

    def __init__(
        self,
        name: str,
        standin: DiscordStandin,
        connect: Connect | None = None,
    ) -> None:
        self.name = name
        self.standin = standin
        self._connect = connect
        self.members = [
            Member(standin.add_user(f"{name}-member-{n:02d}"), random.Random(n))
            for n in range(IN_FLIGHT)
        ]
        self.tally = Tally()

    @property
    def users(self) -> list[FakeUser]:
        return [member.user for member in self.members]

    def connect(self) -> contextlib.AbstractAsyncContextManager[None]:
        if self._connect is None:
            raise RuntimeError(f"{self.name}: no way to connect was given")
        return self._connect()

    def connects_with(self, connect: Connect) -> None:
        self._connect = connect

    async def round(self, workload: Workload) -> None:
        async with self.connect():
            await self._drive(workload.warmup, None)
            # The stand-ins keep every request, frame and message they saw; a full
            # collection rescanning that history would stall whichever side happens to be
            # running. Freezing it leaves the collector only what the round itself makes.
            gc.collect()
            gc.freeze()
            await self._drive(workload.measured, self.tally)

    async def rehearse(self, workload: Workload) -> None:
        """An unmeasured round as long as a measured one with its warm-up (the bot's
        answers in it are what the floor replays)."""
        async with self.connect():
            await self._drive(workload.warmup + workload.measured, None)

    async def _drive(self, count: int, tally: Tally | None) -> None:
        budget = [count]
        started = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for member in self.members:
                group.create_task(self._member(member, budget, tally))
        if tally is not None:
            tally.seconds += time.perf_counter() - started
            tally.count += count

    async def _member(self, member: Member, budget: list[int], tally: Tally | None) -> None:
        while budget[0] > 0:
            budget[0] -= 1
            latency_ms = await self._step(member, tally)
            if tally is not None:
                tally.latencies_ms.append(latency_ms)

    async def _step(self, member: Member, tally: Tally | None) -> float:
        standin = self.standin
        press = next_press(member.message, member.rng)
        it: DispatchedInteraction
        if press is None:
            it = await standin.send_slash_command(member.user, "practice")
        else:
            it = await standin.send_button(member.user, press, message=member.message)
        answer = await it.wait_callback(timeout=CALLBACK_TIMEOUT_S)
        if not answer.ok:
            raise RuntimeError(f"{self.name}: the stand-in refused a callback: {answer.response}")
        kind = answer.json["type"]
        if kind in (CB_DEFERRED_UPDATE_MESSAGE, CB_DEFERRED_CHANNEL_MESSAGE):
            # Acknowledged only: the member sees the answer when the follow-up comes.
            if tally is not None:
                tally.deferred += 1
            answer = await it.wait_followup(timeout=CALLBACK_TIMEOUT_S)
        elif kind not in (CB_UPDATE_MESSAGE, CB_CHANNEL_MESSAGE):
            raise RuntimeError(f"{self.name}: unexpected callback type {kind}")
        member.message = it.response_message()
        if member.message is None or not any(
            cid.startswith(PRESS_ORDER) for cid in member.message.custom_ids()
        ):
            # Every answer in a practice loop has a way on; one without is an error message.
            shown = member.message.payload if member.message is not None else None
            raise RuntimeError(f"{self.name}: an answer with no button to go on: {shown}")
        return _latency_ms(standin, it, answer)

    def check(self) -> None:
        """The stand-in refused nothing and saw no route it does not know."""
        problems = self.standin.errors() + self.standin.unknown_routes()
        if problems:
            first = problems[0]
            raise RuntimeError(
                f"{self.name}: {len(problems)} request(s) went wrong, first "
                f"{first.method} {first.path} -> {first.status} {first.response}"
            )


def _latency_ms(
    standin: DiscordStandin, it: DispatchedInteraction, answer: RecordedRequest
) -> float:
    dispatched = standin.interactions[it.id].dispatched_at
    assert dispatched is not None  # a callback is refused before the dispatch went out
    return (answer.at - dispatched) * 1000.0


# -- the bot --------------------------------------------------------------------------------


def bot_settings(standin: DiscordStandin, data_dir: Path, db: Db | None = None) -> Settings:
    """The bundled content on `db` (the embedded SQLite default when None), pointed at
    the stand-in."""
    return Settings.from_env(
        {
            **(db.env if db is not None else {}),
            "UPSTANDER_DATA_DIR": str(data_dir),
            "UPSTANDER_SECRET_KEY": Fernet.generate_key().decode(),
            "DISCORD_TOKEN": standin.token,
            "DISCORD_APPLICATION_ID": str(standin.application_id),
            "DISCORD_GUILD_ID": str(standin.guild.id),
            "DISCORD_VOLUNTEER_CHANNEL_ID": str(standin.volunteers_channel.id),
            "DISCORD_VOLUNTEER_ROLE_ID": str(standin.volunteer_role.id),
            "DISCORD_LEAD_ROLE_ID": str(standin.lead_role.id),
            "DISCORD_MODERATOR_ROLE_ID": str(standin.moderator_role.id),
            "DISCORD_API_BASE": standin.api_base,
            "DISCORD_GATEWAY_URL": standin.gateway_url,
            "DISCORD_SYNC_ON_START": "1",
        }
    )


def bot_connection(runtime: Runtime) -> Connect:
    @contextlib.asynccontextmanager
    async def connected() -> AsyncIterator[None]:
        stop = asyncio.Event()
        ready = asyncio.Event()
        serving = asyncio.create_task(
            serve_discord(
                runtime.app,
                runtime.content,
                runtime,
                DiscordSettings.from_env(runtime.settings.env),
                stop,
                ready=ready,
                client_options={"guild_ready_timeout": 0.01},
            )
        )
        try:
            await _until_ready(ready, serving)
            yield
        finally:
            stop.set()
            await serving

    return connected


# -- the floor ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer the bot gave, ready to be sent again by the floor."""

    update: bool  # edit the pressed message (callback type 7) rather than a new one (4)
    kwargs: dict[str, Any]


def recorded_answers(standin: DiscordStandin, users: Sequence[FakeUser]) -> list[list[Answer]]:
    """The bot's answers in a practice loop, for each of ``users`` in the order it got
    them: every callback with a message and a button to go on (an apology or a deferral
    is left out)."""
    position = {user.id: n for n, user in enumerate(users)}
    answers: list[list[Answer]] = [[] for _ in users]
    for request in standin.requests:
        if request.route != "interaction_callback" or not request.ok:
            continue
        state = standin.interactions.get(int(request.params.get("interaction_id", 0)))
        member = position.get(state.user.id) if state is not None else None
        body = request.json if isinstance(request.json, dict) else {}
        kind = body.get("type")
        data = body.get("data") or {}
        answered = kind in (CB_CHANNEL_MESSAGE, CB_UPDATE_MESSAGE) and _goes_on(data)
        if member is not None and answered:
            answers[member].append(_answer(kind == CB_UPDATE_MESSAGE, data))
    if not all(answers):
        raise RuntimeError("the bot gave a member no answer the floor could replay")
    return answers


def _goes_on(data: dict[str, Any]) -> bool:
    return any(
        str(button.get("custom_id", "")).startswith(PRESS_ORDER)
        for row in data.get("components") or []
        for button in row.get("components") or []
    )


def _answer(update: bool, data: dict[str, Any]) -> Answer:
    """discord.py objects for a recorded answer, built once, before anything is timed."""
    kwargs: dict[str, Any] = {
        "embeds": [discord.Embed.from_dict(embed) for embed in data.get("embeds") or []],
        "view": _view(data.get("components") or []),
        "allowed_mentions": discord.AllowedMentions.none(),
    }
    if data.get("content") is not None:
        kwargs["content"] = data["content"]
    if not update:
        kwargs["ephemeral"] = bool(int(data.get("flags") or 0) & 64)
    return Answer(update, kwargs)


def _view(rows: list[dict[str, Any]]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for index, row in enumerate(rows):
        for button in row.get("components") or []:
            view.add_item(
                discord.ui.Button(
                    label=button.get("label"),
                    custom_id=button.get("custom_id"),
                    url=button.get("url"),
                    style=discord.ButtonStyle(button.get("style", 2)),
                    row=index,
                )
            )
    # Presses come back through on_interaction; discord.py must not track this view.
    view.stop()
    return view


class FloorClient(discord.Client):
    """Answers every interaction with the bot's next recorded answer and does nothing else."""

    def __init__(self, replays: Mapping[int, MemberReplay]) -> None:
        wanted = discord.Intents.none()
        wanted.guilds = True
        wanted.dm_messages = True
        super().__init__(intents=wanted, guild_ready_timeout=0.01)
        self.ready = asyncio.Event()
        self._replays = replays

    async def on_ready(self) -> None:
        self.ready.set()

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        replay = self._replays[interaction.user.id]
        if interaction.type is discord.InteractionType.component:
            answer = next(replay.presses)
        else:
            answer = next(replay.commands)
        if answer.update and interaction.type is discord.InteractionType.component:
            await interaction.response.edit_message(**answer.kwargs)
        else:
            await interaction.response.send_message(**answer.kwargs)


class MemberReplay:
    """One member's recorded answers, replayed in order from ``start``, round after round."""

    def __init__(self, answers: list[Answer], start: int = 0) -> None:
        start %= len(answers)
        self.presses = itertools.cycle(answers[start:] + answers[:start])
        # A slash command cannot be answered by an update: the next new message instead.
        self.commands = itertools.cycle([a for a in answers if not a.update] or answers)


def floor_connection(
    standin: DiscordStandin, users: Sequence[FakeUser], answers: list[list[Answer]]
) -> Connect:
    """The floor's member ``users[n]`` is answered with what the bot's member n got.

    Each member starts at a place of its own in its history, drawn at random (seeded by
    its number): every history begins with the menu, an introduction and a first step,
    given to all members at once, and all histories are about as long, so replayed from
    the start the floor's members would stay in step round after round (see the module
    docstring). Evenly spread starting places drift them further apart than the bot's
    members are (frames 3.5% larger than the bot's); random ones come closest (1.5%
    smaller).
    """
    replays = {
        user.id: MemberReplay(got, start=random.Random(n).randrange(len(got)))
        for n, (user, got) in enumerate(zip(users, answers, strict=True))
    }

    @contextlib.asynccontextmanager
    async def connected() -> AsyncIterator[None]:
        with endpoints(standin.api_base, standin.gateway_url):
            client = FloorClient(replays)
            running = asyncio.create_task(client.start(standin.token))
            try:
                await _until_ready(client.ready, running)
                yield
            finally:
                await client.close()
                await running

    return connected


async def _until_ready(ready: asyncio.Event, running: asyncio.Task[None]) -> None:
    waiter = asyncio.create_task(ready.wait())
    done, _ = await asyncio.wait(
        {waiter, running}, timeout=CONNECT_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED
    )
    if waiter not in done:
        waiter.cancel()
        if running in done:
            running.result()  # raises why it stopped
        raise RuntimeError("the client did not become ready")


# -- the section ----------------------------------------------------------------------------


async def measure(options: Options) -> list[Figure]:
    workload = Workload.of(options)
    found: list[Figure] = []
    async with both("a") as databases:
        for db in databases:
            try:
                floor, bot = await _run(workload, db)
            finally:
                gc.unfreeze()
            found += figures(floor.tally, bot.tally, workload, db.label)
    return found


async def _run(workload: Workload, db: Db) -> tuple[Side, Side]:
    async with contextlib.AsyncExitStack() as stack:
        floor_standin = await stack.enter_async_context(DiscordStandin())
        bot_standin = await stack.enter_async_context(DiscordStandin())
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-a-")))
        runtime = await build(bot_settings(bot_standin, data_dir, db))
        stack.push_async_callback(runtime.aclose)
        runtime.start_background()
        settle_after_startup()  # as `python -m bot run` does once the bot is built
        bot = Side("bot", bot_standin, bot_connection(runtime))
        # The floor replays what the bot answered in a first, unmeasured round.
        await bot.rehearse(workload)
        answers = recorded_answers(bot_standin, bot.users)
        floor = Side("floor", floor_standin)
        floor.connects_with(floor_connection(floor_standin, floor.users, answers))
        for _ in range(workload.rounds):
            await floor.round(workload)
            await bot.round(workload)
        floor.check()
        bot.check()
    return floor, bot


def figures(floor: Tally, bot: Tally, workload: Workload, label: str = SQLITE) -> list[Figure]:
    size = (
        f"{workload.rounds} alternating round(s) of {workload.measured} measured interactions "
        f"per side after {workload.warmup} warm-up"
    )
    bot_note = LATENCY_NOTE
    if bot.deferred:
        bot_note += f"; {bot.deferred} answer(s) were deferred (latency to the follow-up)"
    ratio = bot.rate / floor.rate if floor.rate > 0 else float("nan")
    rows = [
        Figure(SECTION, "floor: interactions/s at 50 in flight", floor.rate, "/s", note=FLOOR_NOTE),
        Figure(SECTION, "floor: p50 latency", median(floor.latencies_ms), "ms", note=LATENCY_NOTE),
        Figure(
            SECTION,
            "floor: p99 latency",
            percentile(floor.latencies_ms, 0.99),
            "ms",
            note=LATENCY_NOTE,
        ),
        Figure(
            SECTION,
            "bot: interactions/s at 50 in flight",
            bot.rate,
            "/s",
            note=f"serve_discord on {label} and the bundled content; " + size,
        ),
        Figure(SECTION, "bot: p50 latency", median(bot.latencies_ms), "ms", note=bot_note),
        Figure(
            SECTION,
            "bot: p99 latency",
            percentile(bot.latencies_ms, 0.99),
            "ms",
            Target("<", 100),
            note=bot_note,
        ),
        Figure(
            SECTION,
            "bot / floor, interactions/s",
            ratio,
            "x",
            Target(">=", RATIO_TARGET),
            note=FLOOR_NOTE,
        ),
    ]
    # The floor has no database; each database's bot is paired with its own floor rounds.
    return [replace(row, name=f"{row.name}, {label}") for row in rows]
