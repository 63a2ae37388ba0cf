"""b. Slack end to end: signed ``block_actions`` through the real slack-bolt app.

The bot is the adapter's own bolt app (``attach_slack`` + ``start_http``) on the real
core, with the embedded default store (SQLite in a temp dir, a generated key) and the
bundled content.  Slack is the test suite's stand-in (``tests/slack_standin``): it signs
requests like Slack (``SlackDriver``), serves the Web API and the response_urls.

Load: 50 simulated members on a closed loop, each pressing the next practice choice as
soon as its previous press was answered.  Latency is request sent → the member's answer
(the response_url POST) arriving at the stand-in; the HTTP ack latency is request sent →
the bot's HTTP response.

Floor: a plain slack-bolt ``AsyncApp`` served the same way (the adapter's aiohttp
endpoint, the same signing secret, ``process_before_response=True``), whose action
listener acks and answers through the same response_url, on one shared aiohttp session,
with the bot's own answers replayed: every answer the bot posted in its unmeasured
warm-up round, in the order it posted them.  The stand-in, the members and aiohttp then
move the same bytes for both sides.  (An earlier floor answered every press with one
practice step; but a member's presses also open the menu, a scenario's introduction and
its recap, and the bot's answers were on average a third larger than a step, so the
floor was spared parsing and encoding the bot was charged for.)  Its command listener
acks with the bot's help message.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from slack_standin import RESPONSE_URL_METHOD, Call, SlackDriver, SlackStandIn

from bench.databases import Db, both
from bench.report import Figure, Options, Target, median, percentile
from bot.adapters.slack.run import HttpServer, attach_slack, start_http
from bot.adapters.slack.settings import EVENTS_PATH, SlackSettings
from bot.bootstrap import Runtime, build
from bot.config import Settings
from bot.core.practice import BEGIN, CHOOSE, INTRO, MENU
from bot.gctune import settle_after_startup

SECTION = "b. Slack end to end"
SECRET = "bench-signing-secret-0123456789"
CHANNEL = "C0GENERAL"
IN_FLIGHT = 50
# With the store on well-kept libraries (no engine of our own), b may fall a little: issue 19.
RATIO_TARGET = 0.6
ANSWER_TIMEOUT = 30.0
FLOOR_NOTE = (
    "floor: a plain slack-bolt AsyncApp served by the same aiohttp endpoint with the same "
    "signing secret (process_before_response=True); its action listener acks and answers "
    "through the same response_url (one shared aiohttp session) with the bot's own answers "
    "from its unmeasured warm-up, replayed in order; it does no work of its own beyond "
    "answering"
)
# The order in which a member looks for its next button in the answer it got.
NEXT = (f"{CHOOSE}|", f"{BEGIN}|", f"{INTRO}|", f"{MENU}|")

Json = dict[str, Any]


# -- the two servers -------------------------------------------------------------------


@dataclass
class Side:
    """One server under load: the bot or the floor."""

    name: str
    url: str
    close: Callable[[], Awaitable[None]]


async def start_bot(tmp: Path, slack: SlackStandIn, db: Db) -> tuple[Side, Runtime]:
    env = {
        **db.env,
        "UPSTANDER_DATA_DIR": str(tmp / "data"),
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_BASE": slack.api_url,
    }
    runtime = await build(Settings.from_env(env))
    settings = SlackSettings.from_env(env)
    adapter = attach_slack(runtime.app, runtime, settings)
    settle_after_startup()  # as `python -m bot run` does once the bot is built
    server = await start_http(adapter, runtime, settings, host="127.0.0.1", port=0)

    async def close() -> None:
        await server.close()  # and the adapter: its work after acks, its session
        await runtime.aclose()

    return Side("bot", server.url + EVENTS_PATH, close), runtime


@dataclass
class FloorAnswers:
    """What the floor answers with: what the bot sent during its warm-up."""

    press: Json = field(default_factory=dict)  # a practice step: the first thing to press
    command: Json = field(default_factory=dict)  # the help message
    presses: list[Json] = field(default_factory=list)  # every press answer, in order

    def replay(self) -> Iterator[Json]:
        return itertools.cycle(self.presses or [self.press])


async def start_floor(
    runtime: Runtime, slack: SlackStandIn, answers: FloorAnswers, *, before_response: bool
) -> Side:
    session = aiohttp.ClientSession()
    client = AsyncWebClient(base_url=slack.api_url, token=slack.bot_token, session=session)
    app = AsyncApp(client=client, signing_secret=SECRET, process_before_response=before_response)
    tasks: set[asyncio.Task[None]] = set()
    replayed = answers.replay()

    async def answer(url: str) -> None:
        async with session.post(url, json=next(replayed)) as response:
            await response.read()

    @app.action(re.compile(".*"))
    async def on_action(ack: AsyncAck, body: Json) -> None:
        await ack()
        if before_response:
            task = asyncio.create_task(answer(str(body["response_url"])))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        else:
            await answer(str(body["response_url"]))

    @app.command("/upstander")
    async def on_command(ack: AsyncAck) -> None:
        await ack(**answers.command)

    settings = SlackSettings(bot_token=slack.bot_token, signing_secret=SECRET)
    server: HttpServer = await start_http(app, runtime, settings, host="127.0.0.1", port=0)

    async def close() -> None:
        await server.close()
        if tasks:
            await asyncio.wait(tasks)
        await session.close()

    name = "floor" if before_response else "plain bolt, default runner"
    return Side(name, server.url + EVENTS_PATH, close)


# -- members ---------------------------------------------------------------------------


@dataclass
class Samples:
    latency: list[float] = field(default_factory=list)  # sent → answer at response_url
    ack: list[float] = field(default_factory=list)  # sent → HTTP response
    elapsed: float = 0.0

    @property
    def count(self) -> int:
        return len(self.latency)

    @property
    def rate(self) -> float:
        return self.count / self.elapsed if self.elapsed > 0 else float("nan")


def next_button(blocks: list[Json], member: int) -> Json:
    found: dict[str, list[Json]] = {prefix: [] for prefix in NEXT}
    for block in blocks:
        elements = block.get("elements") if block.get("type") == "actions" else None
        for element in [*(elements or ()), block.get("accessory")]:
            if not isinstance(element, dict) or element.get("type") != "button":
                continue
            value = str(element.get("value", ""))
            for prefix in NEXT:
                if value.startswith(prefix):
                    found[prefix].append(element)
    for prefix in NEXT:
        if found[prefix]:
            choices = found[prefix]
            return choices[member % len(choices)]
    raise RuntimeError(f"no button to press in {blocks!r}")


@dataclass
class Member:
    index: int
    user_id: str
    blocks: list[Json]


async def press(
    slack: SlackStandIn, driver: SlackDriver, member: Member, samples: Samples | None
) -> Call:
    """Press the member's next button; wait for the answer at the response_url."""
    loop = asyncio.get_running_loop()
    element = next_button(member.blocks, member.index)
    url = slack.issue_response_url(CHANNEL, member.user_id)
    answered = slack.expect_response(url)
    sent = loop.time()
    ack = await driver.click_button(
        str(element["action_id"]),
        str(element["value"]),
        user_id=member.user_id,
        channel_id=CHANNEL,
        message={"ts": "1700000000.000001"},
        is_ephemeral=True,
        response_url=url,
    )
    acked = loop.time()
    if ack.status != 200:
        raise RuntimeError(f"the press was refused: {ack.status} {ack.body[:200]}")
    call = await asyncio.wait_for(answered, ANSWER_TIMEOUT)
    if not call.ok:
        raise RuntimeError(f"the answer was refused: {call.status} {call.response}")
    if samples is not None:
        samples.ack.append(acked - sent)
        samples.latency.append(call.received_at - sent)
    member.blocks = call.args.get("blocks") or member.blocks
    return call


async def closed_loop(
    slack: SlackStandIn, driver: SlackDriver, members: list[Member], presses: int
) -> Samples:
    """Every member presses ``presses`` times, one press in flight each."""
    samples = Samples()
    loop = asyncio.get_running_loop()

    async def run(member: Member) -> None:
        for _ in range(presses):
            await press(slack, driver, member, samples)

    started = loop.time()
    await asyncio.gather(*(run(m) for m in members))
    samples.elapsed = loop.time() - started
    return samples


async def start_members(
    driver: SlackDriver,
    slack: SlackStandIn,
    count: int,
    prefix: str,
    first: list[Json] | None = None,
) -> list[Member]:
    """Members who ran ``/upstander practice`` (the floor's members start on ``first``)."""
    members = []
    for index in range(count):
        user_id = f"U{prefix}{index:04d}"
        slack.add_user(user_id, f"member{index}")
        ack = await driver.slash_command("/upstander", "practice", user_id=user_id)
        if ack.status != 200:
            raise RuntimeError(f"/upstander practice was refused: {ack.status}")
        blocks = first if first is not None else list(ack.json()["blocks"])
        members.append(Member(index, user_id, blocks))
    return members


async def one_in_flight(
    slack: SlackStandIn, driver: SlackDriver, member: Member, count: int
) -> tuple[Samples, list[float]]:
    """``count`` presses then ``count`` ``/upstander help``, one request at a time."""
    presses = Samples()
    for _ in range(count):
        await press(slack, driver, member, presses)
    loop = asyncio.get_running_loop()
    commands: list[float] = []
    for _ in range(count):
        sent = loop.time()
        ack = await driver.slash_command("/upstander", "help", user_id=member.user_id)
        commands.append(loop.time() - sent)
        if ack.status != 200 or not ack.body:
            raise RuntimeError(f"/upstander help was not answered in its ack: {ack.status}")
    return presses, commands


# -- the run ---------------------------------------------------------------------------


@dataclass
class Result:
    load: Samples = field(default_factory=Samples)  # the best closed-loop round
    single: Samples = field(default_factory=Samples)  # presses, one in flight
    commands: list[float] = field(default_factory=list)  # /upstander help, one in flight


@dataclass
class Loaded:
    """A side with its driver and its members, ready for rounds."""

    side: Side
    driver: SlackDriver
    members: list[Member]
    result: Result = field(default_factory=Result)

    async def round(self, slack: SlackStandIn, presses: int, single: int) -> None:
        slack.clear_calls()
        load = await closed_loop(slack, self.driver, self.members, presses)
        if not self.result.load.count or load.rate > self.result.load.rate:
            self.result.load = load
        one, commands = await one_in_flight(slack, self.driver, self.members[0], single)
        self.result.single.ack.extend(one.ack)
        self.result.single.latency.extend(one.latency)
        self.result.commands.extend(commands)


async def loaded(
    stack: AsyncExitStack,
    side: Side,
    slack: SlackStandIn,
    warm: int,
    first: list[Json] | None = None,
) -> Loaded:
    driver = await stack.enter_async_context(SlackDriver(side.url, SECRET, standin=slack))
    prefix = "BOT" if side.name == "bot" else "FLR"
    members = await start_members(driver, slack, IN_FLIGHT, prefix, first)
    await closed_loop(slack, driver, members, warm)  # warm-up
    await one_in_flight(slack, driver, members[0], warm)
    return Loaded(side, driver, members)


async def measure(options: Options) -> list[Figure]:
    found: list[Figure] = []
    async with both("b") as databases:
        for db in databases:
            with tempfile.TemporaryDirectory(prefix="upstander-bench-") as folder:
                async with SlackStandIn() as slack:
                    found += await _measure(options, Path(folder), slack, db)
                    found += await _stored(options, slack, db)
    return found


async def _stored(options: Options, slack: SlackStandIn, db: Db) -> list[Figure]:
    from bench.stored_runs import measure_stored  # it builds on this module's members

    return await measure_stored(options, slack, db)


async def _measure(options: Options, tmp: Path, slack: SlackStandIn, db: Db) -> list[Figure]:
    warm = options.size(10, 2)
    rounds = options.size(3, 1)
    presses = options.size(40, 3)  # per member and round: 2,000 presses a round
    single = options.size(100, 20)  # per round, of each kind
    answers = FloorAnswers()
    bot, runtime = await start_bot(tmp, slack, db)
    try:
        await _record_answers(bot, slack, answers)
        async with AsyncExitStack() as stack:
            slack.clear_calls()
            bot_loaded = await loaded(stack, bot, slack, warm)
            # What the bot answered in its warm-up is what the floor replays.
            answers.presses = [c.args for c in slack.calls(RESPONSE_URL_METHOD)]
            floor = await start_floor(runtime, slack, answers, before_response=True)
            plain = await start_floor(runtime, slack, answers, before_response=False)
            try:
                first = list(answers.press["blocks"])
                sides = [await loaded(stack, floor, slack, warm, first), bot_loaded]
                # Rounds alternate between the floor and the bot, so that a noisy
                # neighbour on the machine hurts both alike; the best round counts.
                for _ in range(rounds):
                    for side in sides:
                        await side.round(slack, presses, single)
                floor_result, bot_result = (side.result for side in sides)
                async with SlackDriver(plain.url, SECRET, standin=slack) as driver:
                    members = await start_members(driver, slack, 1, "PLN", first)
                    await one_in_flight(slack, driver, members[0], warm)
                    plain_one, _ = await one_in_flight(slack, driver, members[0], single)
            finally:
                await plain.close()
                await floor.close()
    finally:
        await bot.close()
    return [
        replace(row, name=f"{row.name}, {db.label}")
        for row in figures(bot_result, floor_result, plain_one)
    ]


async def _record_answers(bot: Side, slack: SlackStandIn, answers: FloorAnswers) -> None:
    """Take a practice step and the help message the bot sends as the floor's answers."""
    async with SlackDriver(bot.url, SECRET, standin=slack) as driver:
        (member,) = await start_members(driver, slack, 1, "REC")
        for _ in range(10):  # menu, intro, begin: the first step
            call = await press(slack, driver, member, None)
            if any(
                str(e.get("value", "")).startswith(f"{CHOOSE}|")
                for b in member.blocks
                for e in b.get("elements", ())
                if isinstance(e, dict)
            ):
                break
        else:
            raise RuntimeError("no practice step reached from the menu")
        answers.press = dict(call.args)
        ack = await driver.slash_command("/upstander", "help", user_id=member.user_id)
        answers.command = dict(ack.json())


def figures(bot: Result, floor: Result, plain: Samples) -> list[Figure]:
    def ms(value: float) -> float:
        return value * 1000.0

    at = f"at {IN_FLIGHT} in flight"
    ratio = bot.load.rate / floor.load.rate if floor.load.rate else float("nan")
    rows = [
        Figure(SECTION, f"bot: interactions/s {at}", bot.load.rate, "/s"),
        Figure(SECTION, f"floor: interactions/s {at}", floor.load.rate, "/s", note=FLOOR_NOTE),
        Figure(
            SECTION,
            "bot/floor throughput",
            ratio,
            "x",
            Target(">=", RATIO_TARGET),
            note=FLOOR_NOTE,
        ),
        Figure(SECTION, f"bot: p50 latency {at}", ms(percentile(bot.load.latency, 0.5)), "ms"),
        Figure(
            SECTION,
            f"bot: p99 latency {at}",
            ms(percentile(bot.load.latency, 0.99)),
            "ms",
            Target("<", 100),
            note="request sent -> the answer's POST to the response_url at the stand-in",
        ),
        Figure(SECTION, f"floor: p50 latency {at}", ms(percentile(floor.load.latency, 0.5)), "ms"),
        Figure(SECTION, f"floor: p99 latency {at}", ms(percentile(floor.load.latency, 0.99)), "ms"),
        Figure(SECTION, f"bot: p50 HTTP ack {at}", ms(percentile(bot.load.ack, 0.5)), "ms"),
        Figure(SECTION, f"bot: p99 HTTP ack {at}", ms(percentile(bot.load.ack, 0.99)), "ms"),
        Figure(SECTION, f"floor: p50 HTTP ack {at}", ms(percentile(floor.load.ack, 0.5)), "ms"),
        Figure(SECTION, f"floor: p99 HTTP ack {at}", ms(percentile(floor.load.ack, 0.99)), "ms"),
        Figure(
            SECTION,
            "bot: median HTTP ack, 1 in flight, button press",
            ms(median(bot.single.ack)),
            "ms",
            Target("<", 3),
        ),
        Figure(
            SECTION,
            "floor: median HTTP ack, 1 in flight, button press",
            ms(median(floor.single.ack)),
            "ms",
        ),
        Figure(
            SECTION,
            "bot: median HTTP ack, 1 in flight, /upstander help",
            ms(median(bot.commands)),
            "ms",
            Target("<", 3),
            note="the help reply is in the ack body",
        ),
        Figure(
            SECTION,
            "floor: median HTTP ack, 1 in flight, /upstander help",
            ms(median(floor.commands)),
            "ms",
        ),
        Figure(
            SECTION,
            "bot: median latency to the answer, 1 in flight, button press",
            ms(median(bot.single.latency)),
            "ms",
        ),
        Figure(
            SECTION,
            "floor: median latency to the answer, 1 in flight, button press",
            ms(median(floor.single.latency)),
            "ms",
        ),
        Figure(
            SECTION,
            "plain bolt (process_before_response=False): median HTTP ack, 1 in flight",
            ms(median(plain.ack)),
            "ms",
            note="bolt's default runner polls for the ack every 10 ms; for comparison",
        ),
    ]
    return rows


__all__ = ["measure"]
