"""f. Bot processes on PostgreSQL: one process, then two, under the same check-in burst.

Real processes: ``python -m bot run`` in Slack HTTP mode (as ``tests/ops`` starts them),
on one PostgreSQL schema made for the run, against the Slack stand-in served here. The
load is the burst that once piled cards up: 50 members at once open check-ins for a
while (60 s; a few seconds with --quick), each a new member: ``/upstander checkin``, the
form, Send, until "received". Every check-in is then followed through: its card reaches
the volunteers' channel, a volunteer presses Claim, the member writes in the DM, and the
words are relayed to the volunteer. With two processes the members' requests alternate
between them, and either may send any card or relay (the outbox is leased).

Reported for each: check-ins/s; the p99 HTTP ack of every request members and
volunteers sent; each card's delay from the Send press to its arrival; each relay's
delay; how long after the burst until every card and relay had arrived; and counts:
check-ins told "received", stored, cards and relays arrived, and any that arrived twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal
import sys
import tempfile
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from ops_support import (
    LEAD_GROUP,
    MODERATOR_GROUP,
    SECRET,
    VOLUNTEER_CHANNEL,
    VOLUNTEER_GROUP,
    BotProcess,
    IndexedStandIn,
    button_valued,
    checkin_id_of,
    form_values,
    free_port,
    path_of,
    process_env,
)
from slack_standin import RESPONSE_URL_METHOD, Call, SlackDriver
from slack_standin import ManualClock as StandInClock
from sqlalchemy import func, select

from bench.databases import Db, postgresql
from bench.report import Figure, Options, Target, percentile
from bot.adapters.slack.settings import EVENTS_PATH
from bot.core.desk_support import CLAIM, CLOSE, CONFIRM, RATE
from bot.storage.engine import make_engine
from bot.storage.schema import checkins

SECTION = "f. Bot processes on PostgreSQL"
ROOT = Path(__file__).resolve().parent.parent
IN_FLIGHT = 50
VOLUNTEERS = 150
VOLUNTEER_PREFIX = "U0VOL"
WAIT = 60.0
CARD_P99_TARGET_S = 2.0
BACKLOG_TARGET_S = 10.0
ACK_TARGET_MS = 100.0


@dataclass(frozen=True)
class Load:
    members: int  # opening check-ins at once
    seconds: int  # for how long
    volunteers: list[str]


@dataclass
class Tally:
    """What one configuration (1 or 2 processes) did."""

    processes: int
    elapsed: float = 0.0
    received: list[str] = field(default_factory=list)  # check-in ids told "received"
    acks_ms: list[float] = field(default_factory=list)
    card_delays: list[float] = field(default_factory=list)
    relay_delays: list[float] = field(default_factory=list)
    drained_after: float = float("nan")  # seconds from the burst's end to the last card
    stored: int = 0
    cards: Counter[str] = field(default_factory=Counter)
    relays: Counter[str] = field(default_factory=Counter)
    stuck: list[str] = field(default_factory=list)  # follow-ups that did not get through


class Watch:
    """Cards and relays as they reach the stand-in: futures keyed by check-in id or token."""

    def __init__(self, slack: IndexedStandIn, tally: Tally) -> None:
        self.tally = tally
        self._cards: dict[str, asyncio.Future[Call]] = {}
        self._relays: dict[str, asyncio.Future[Call]] = {}
        self._ratings: dict[str, asyncio.Future[Call]] = {}
        self.last_card = 0.0
        slack.observers.append(self.seen)

    def card(self, checkin_id: str) -> asyncio.Future[Call]:
        return self._future(self._cards, checkin_id)

    def relay(self, token: str) -> asyncio.Future[Call]:
        return self._future(self._relays, token)

    def rating(self, member: str) -> asyncio.Future[Call]:
        """The member asked to rate: their check-in was closed."""
        return self._future(self._ratings, member)

    @staticmethod
    def _future(table: dict[str, asyncio.Future[Call]], key: str) -> asyncio.Future[Call]:
        if key not in table:
            table[key] = asyncio.get_running_loop().create_future()
        return table[key]

    def seen(self, call: Call) -> None:
        if call.method != "chat.postMessage" or not call.ok:
            return
        claim = button_valued(call.args.get("blocks") or [], f"{CLAIM}|")
        if call.args.get("channel") == VOLUNTEER_CHANNEL and claim is not None:
            key = checkin_id_of(claim)
            self.tally.cards[key] += 1
            self.last_card = max(self.last_card, call.received_at)
            self._arrived(self.card(key), call)
            return
        channel = str(call.args.get("channel", ""))
        if button_valued(call.args.get("blocks") or [], f"{RATE}|") is not None:
            self._arrived(self.rating(channel), call)
            return
        if not channel.startswith(VOLUNTEER_PREFIX):
            return
        for value in call.strings():
            if "relay-" in value:
                token = value[value.index("relay-") :].split()[0][:18]
                self.tally.relays[token] += 1
                self._arrived(self.relay(token), call)
                return

    def _arrived(self, future: asyncio.Future[Call], call: Call) -> None:
        if not future.done():
            future.set_result(call)


class Burst:
    """Members opening check-ins through the processes in turn; volunteers following up."""

    def __init__(
        self, slack: IndexedStandIn, drivers: list[SlackDriver], watch: Watch, prefix: str
    ) -> None:
        self.slack = slack
        self.drivers = drivers
        self.watch = watch
        self.prefix = prefix
        self.volunteers: asyncio.Queue[str] = asyncio.Queue()
        self.followups: set[asyncio.Task[None]] = set()
        self._turn = 0
        self._count = 0

    def driver(self) -> SlackDriver:
        self._turn += 1
        return self.drivers[self._turn % len(self.drivers)]

    async def timed(self, request: Any) -> Any:
        loop = asyncio.get_running_loop()
        sent = loop.time()
        answer = await request
        self.watch.tally.acks_ms.append((loop.time() - sent) * 1000.0)
        if answer.status != 200:
            raise RuntimeError(f"a request was refused: {answer.status} {answer.body[:200]!r}")
        return answer

    async def member_loop(self, until: float) -> None:
        loop = asyncio.get_running_loop()
        while loop.time() < until:
            self._count += 1
            member = f"U{self.prefix}{self._count:05d}"
            self.slack.add_user(member, member.lower())
            await self.check_in(member)

    async def check_in(self, member: str) -> None:
        summary = await self.fill_form(member)
        element = button_valued(summary.args["blocks"], f"{CONFIRM}|")
        if element is None:
            raise RuntimeError("the summary has no Send button")
        channel = str(summary.response["channel"])
        url = self.slack.issue_response_url(channel, member)
        received = self.slack.expect(RESPONSE_URL_METHOD, path_of(url))
        checkin_id = checkin_id_of(element)
        card = self.watch.card(checkin_id)
        sent = asyncio.get_running_loop().time()
        await self.timed(
            self.driver().click_button(
                str(element["action_id"]),
                str(element["value"]),
                user_id=member,
                channel_id=channel,
                message=summary.response["message"],
                response_url=url,
            )
        )
        await asyncio.wait_for(received, WAIT)
        self.watch.tally.received.append(checkin_id)
        task = asyncio.create_task(self.follow_up(member, card, sent))
        self.followups.add(task)
        task.add_done_callback(self.followups.discard)

    async def fill_form(self, member: str) -> Call:
        trigger = self.slack.issue_trigger_id(member)
        opened = self.slack.expect("views.open", trigger)
        await self.timed(
            self.driver().slash_command("/upstander", "checkin", user_id=member, trigger_id=trigger)
        )
        view_id = (await asyncio.wait_for(opened, WAIT)).response["view"]["id"]
        summary = self.slack.expect("chat.postMessage", member)
        values = form_values("someone keeps making remarks about my accent")
        await self.timed(
            self.driver().submit_view(self.slack.views[view_id], values, user_id=member)
        )
        return await asyncio.wait_for(summary, WAIT)

    async def follow_up(self, member: str, card: asyncio.Future[Call], sent: float) -> None:
        """The card arrives; a volunteer claims it; the member writes; it is relayed.
        One that does not get through is counted, not fatal: the figures say how many."""
        try:
            await self._follow_up(member, card, sent)
        except (TimeoutError, RuntimeError) as exc:
            self.watch.tally.stuck.append(f"{type(exc).__name__}: {exc}")

    async def _follow_up(self, member: str, card: asyncio.Future[Call], sent: float) -> None:
        posted = await _within(card, "the card")
        self.watch.tally.card_delays.append(posted.received_at - sent)
        volunteer = await self.volunteers.get()
        try:
            details = self.slack.expect("chat.postMessage", volunteer)
            element = button_valued(posted.args["blocks"], f"{CLAIM}|")
            assert element is not None
            await self.timed(
                self.driver().click_button(
                    str(element["action_id"]),
                    str(element["value"]),
                    user_id=volunteer,
                    channel_id=str(posted.response["channel"]),
                    message=posted.response["message"],
                )
            )
            told = await _within(details, "the details after Claim")
            token = f"relay-{secrets.token_hex(6)}"
            relayed = self.watch.relay(token)
            written = asyncio.get_running_loop().time()
            await self.timed(self.driver().message_im(member, f"thank you {token} for this"))
            arrived = await _within(relayed, "the relay")
            self.watch.tally.relay_delays.append(arrived.received_at - written)
            await self.close(member, volunteer, told)
        finally:
            self.volunteers.put_nowait(volunteer)

    async def close(self, member: str, volunteer: str, details: Call) -> None:
        """The volunteer closes from the details message: free for the next claim."""
        element = button_valued(details.args["blocks"], f"{CLOSE}|")
        if element is None:
            raise RuntimeError("the details message has no Close button")
        asked = self.watch.rating(member)
        await self.timed(
            self.driver().click_button(
                str(element["action_id"]),
                str(element["value"]),
                user_id=volunteer,
                channel_id=str(details.response["channel"]),
                message=details.response["message"],
            )
        )
        await _within(asked, "the rating request after Close")


async def _within(future: asyncio.Future[Call], what: str) -> Call:
    try:
        return await asyncio.wait_for(future, WAIT)
    except TimeoutError:
        raise TimeoutError(f"{what} did not arrive within {WAIT:.0f} s") from None


def _populate(slack: IndexedStandIn, volunteers: list[str]) -> None:
    for volunteer in volunteers:
        slack.add_user(volunteer, volunteer.lower())
    slack.set_usergroup_members(VOLUNTEER_GROUP, volunteers)
    slack.set_usergroup_members(LEAD_GROUP, [])
    slack.set_usergroup_members(MODERATOR_GROUP, [])
    slack.set_channel_members(VOLUNTEER_CHANNEL, [*volunteers, slack.bot_user_id])


async def measure(options: Options) -> list[Figure]:
    async with postgresql("f") as pg:
        if pg is None:
            return []
        return await _measure(options, pg)


async def _measure(options: Options, pg: Db) -> list[Figure]:
    volunteers = [f"{VOLUNTEER_PREFIX}{n:03d}" for n in range(VOLUNTEERS)]
    load = Load(options.size(IN_FLIGHT, 10), options.size(60, 2), volunteers)
    key = Fernet.generate_key().decode()
    found: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-f-") as folder:
        tmp = Path(folder)
        async with IndexedStandIn(clock=StandInClock(), bot_token="xoxb-bench-f") as slack:
            _populate(slack, load.volunteers)
            async with AsyncExitStack() as stack:
                bots: list[BotProcess] = []
                for count, prefix in ((1, "ONE"), (2, "TWO")):
                    while len(bots) < count:
                        bots.append(await _start(stack, slack, pg, tmp, key, len(bots)))
                    tally = await _burst(slack, bots, load, prefix)
                    _show_problems(tally, bots)
                    tally.stored = await _stored(pg, tally.received)
                    found += figures(tally, load)
    return found


async def _start(
    stack: AsyncExitStack, slack: IndexedStandIn, pg: Db, tmp: Path, key: str, n: int
) -> BotProcess:
    env = process_env(
        slack, tmp / "data", ROOT / "scripts_content", ROOT / "resources.yaml", free_port(), key
    )
    env.update(pg.env)
    env["LOG_LEVEL"] = "WARNING"
    bot = BotProcess(env, tmp / f"bot{n}.log")
    stack.push_async_callback(_stop, bot)
    await bot.start()
    return bot


async def _stop(bot: BotProcess) -> None:
    with contextlib.suppress(ProcessLookupError):
        bot.signal(signal.SIGTERM)
    try:
        await bot.wait(30.0)
    finally:
        await bot.ensure_dead()


async def _burst(slack: IndexedStandIn, bots: list[BotProcess], load: Load, prefix: str) -> Tally:
    members, seconds, volunteers = load.members, load.seconds, load.volunteers
    tally = Tally(len(bots))
    watch = Watch(slack, tally)
    async with AsyncExitStack() as stack:
        drivers = [
            await stack.enter_async_context(SlackDriver(b.url + EVENTS_PATH, SECRET, standin=slack))
            for b in bots
        ]
        burst = Burst(slack, drivers, watch, prefix)
        for volunteer in volunteers:
            await burst.timed(
                drivers[0].slash_command("/upstander", "volunteer on", user_id=volunteer)
            )
            burst.volunteers.put_nowait(volunteer)
        tally.acks_ms.clear()
        loop = asyncio.get_running_loop()
        started = loop.time()
        until = started + seconds
        await asyncio.gather(*(burst.member_loop(until) for _ in range(members)))
        ended = loop.time()
        tally.elapsed = ended - started
        if burst.followups:
            await asyncio.gather(*burst.followups)
        tally.drained_after = max(0.0, watch.last_card - ended)
    slack.observers.remove(watch.seen)
    return tally


def _show_problems(tally: Tally, bots: list[BotProcess]) -> None:
    """What went wrong, on stderr: the first stuck follow-ups and the bots' error lines."""
    for line in tally.stuck[:3]:
        print(f"f: a follow-up did not get through: {line}", file=sys.stderr)
    for bot in bots:
        errors = [line for line in bot.log.splitlines() if '"ERROR"' in line or "Traceback" in line]
        for line in errors[:3]:
            print(f"f: bot log: {line[:500]}", file=sys.stderr)


async def _stored(pg: Db, ids: list[str]) -> int:
    assert pg.url is not None
    engine = make_engine(pg.url, schema=pg.schema)
    try:
        async with engine.connect() as conn:
            query = select(func.count()).select_from(checkins).where(checkins.c.id.in_(ids))
            return int((await conn.execute(query)).scalar_one())
    finally:
        await engine.dispose()


def figures(tally: Tally, load: Load) -> list[Figure]:
    n = tally.processes
    on = f"{n} process{'es' if n > 1 else ''}"
    count = len(tally.received)
    twice_cards = sum(1 for v in tally.cards.values() if v > 1)
    twice_relays = sum(1 for v in tally.relays.values() if v > 1)
    missing_cards = sum(1 for cid in tally.received if tally.cards[cid] == 0)
    burst = f"{load.members} members opening check-ins for {load.seconds} s"
    return [
        Figure(SECTION, f"check-ins received/s, {on}", count / tally.elapsed, "/s", note=burst),
        Figure(
            SECTION,
            f"p99 HTTP ack, every request, {on}",
            percentile(tally.acks_ms, 0.99),
            "ms",
            Target("<", ACK_TARGET_MS),
        ),
        Figure(
            SECTION,
            f"cards: p99 delay from Send, {on}",
            percentile(tally.card_delays, 0.99),
            "s",
            Target("<", CARD_P99_TARGET_S),
            note="Send pressed -> the card posted in the volunteers' channel",
        ),
        Figure(
            SECTION,
            f"relays: p99 delay, {on}",
            percentile(tally.relay_delays, 0.99),
            "s",
            note="the member's DM sent -> relayed to the volunteer",
        ),
        Figure(
            SECTION,
            f"cards' backlog empty after the burst, {on}",
            tally.drained_after,
            "s",
            Target("<", BACKLOG_TARGET_S),
            note="the burst's end -> the last card arrived in the volunteers' channel",
        ),
        Figure(SECTION, f"check-ins told received, {on}", count, ""),
        Figure(
            SECTION, f"received but not stored, {on}", count - tally.stored, "", Target("<=", 0)
        ),
        Figure(SECTION, f"cards missing, {on}", missing_cards, "", Target("<=", 0)),
        Figure(SECTION, f"relays arrived, {on}", len(tally.relay_delays), ""),
        Figure(
            SECTION,
            f"follow-ups stuck (card, claim, relay or close not through in {WAIT:.0f} s), {on}",
            len(tally.stuck),
            "",
            Target("<=", 0),
        ),
        Figure(
            SECTION,
            f"cards or relays sent twice, {on}",
            twice_cards + twice_relays,
            "",
            Target("<=", 0),
        ),
    ]
