"""Real bot processes on one PostgreSQL schema, one of them SIGKILLed mid-burst.

Two ``python -m bot run`` processes (Slack over HTTP against the Slack stand-in, each with
its own port and data directory) share one schema. Members open check-ins on both at
once; the first process is SIGKILLed the moment a few of its members were told
"received", and a third process starts in its place. Then:

- every check-in whose member was told "received" is stored, and every stored check-in's
  card reaches the volunteers' channel; no card names a check-in that is not stored;
- a card is posted twice only if the killed process had handed it to Slack and died
  before deleting its outbox item: the item stays leased to the dead process until the
  lease ends (``UPSTANDER_OUTBOX_LEASE_SECONDS``), then another process sends it again.
  So the duplicates number at most the outbox items leased to the killed process when it
  died, counted in the database right after the kill. (A send never starts in the last
  quarter of a lease, so an item handed to Slack stays leased to the dead process for at
  least 3 s after its send began: far longer than the stand-in's answer and this count.);
- two volunteers press Claim on every card at once, one through each live process: each
  check-in is granted to exactly one of them, once;
- relays both ways, each sent to either process, arrive;
- each periodic job ran once per period across all three processes (no two runs' periods
  overlap; the ten-minute and hourly jobs ran once), and the 30-second jobs ran again, in
  a live process, after the process that held them died.

Runs are read from each process's log (one line per run, naming its period).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import signal
from collections import defaultdict
from collections.abc import Awaitable
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from ops_support import (
    RESPONSE_URL_METHOD,
    SECRET,
    VOLUNTEER,
    VOLUNTEER_CHANNEL,
    VOLUNTEER_GROUP,
    WAIT,
    BotProcess,
    IndexedStandIn,
    Members,
    Submitted,
    arrival,
    button_valued,
    cards,
    free_port,
    path_of,
    populate,
    process_env,
    text_of,
    until,
)
from slack_standin import Call, SlackDriver
from slack_standin import ManualClock as StandInClock
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.adapters.slack.settings import EVENTS_PATH
from bot.content.holder import ContentHolder
from bot.core.catalog import Catalog
from bot.core.desk_support import CLAIM
from bot.core.models import CheckinStatus
from bot.core.ports import Stores
from bot.storage.crypto import Cipher
from bot.storage.sql import open_sql_store
from tests.conftest import PgDatabase

pytestmark = pytest.mark.slow

PER_PROCESS = 8  # members opening a check-in through each of the first two processes
KILL_AFTER = 3  # "received" answers from the first process before it is killed
LEASE_SECONDS = 12  # the outbox lease: what a dead process leased goes out after it
SHORT_JOBS = ("escalation", "idle-close", "group-practice-expiry")  # every 30 s
LONG_JOBS = ("retention-purge", "forget-event-sightings", "community-purge")  # 10 min, 1 h, 1 h
MINUTE_JOBS = ("scenario-of-the-week",)  # every minute: once or twice in the test
JOB_RUN = re.compile(r"^job (\S+) runs for (\S+) to (\S+)$")
OWNER = re.compile(r"^leasing outbox items and jobs as (\S+)$")


def words_of(member: str) -> str:
    return f"many-process words of {member}: the remarks again"


async def test_processes_on_one_database_survive_a_sigkill_mid_burst(
    tmp_path: Path, content_dir: Path, pg_database: PgDatabase
) -> None:
    key = Fernet.generate_key().decode()
    resources = tmp_path / "resources.yaml"
    catalog = ContentHolder.load(content_dir, resources).current
    names = [[f"U0P{n}M{i:03d}" for i in range(PER_PROCESS)] for n in range(2)]
    everyone = names[0] + names[1]
    pairs = [(f"U0VA{i:03d}", f"U0VB{i:03d}") for i in range(len(everyone))]
    processes: list[BotProcess] = []
    engine = create_async_engine(pg_database.url)

    async with IndexedStandIn(clock=StandInClock(), bot_token="xoxb-ops-many-0123456789") as slack:
        _populate(slack, everyone, [v for pair in pairs for v in pair])

        def new_process() -> BotProcess:
            number = len(processes)
            env = process_env(
                slack, tmp_path / f"data{number}", content_dir, resources, free_port(), key
            )
            env.update(pg_database.env())
            env["UPSTANDER_OUTBOX_LEASE_SECONDS"] = str(LEASE_SECONDS)
            processes.append(BotProcess(env, tmp_path / f"bot{number}.log"))
            return processes[-1]

        store = None
        try:
            doomed, survivor = new_process(), new_process()
            # One after the other: the first start migrates the empty schema.
            await doomed.start()
            await survivor.start()
            async with AsyncExitStack() as stack:
                crowd = [
                    Members(slack, await stack.enter_async_context(_driver(p, slack)))
                    for p in (doomed, survivor)
                ]
                await crowd[1].volunteer_on()
                killed = _kill_on_received(slack, crowd[0], doomed, KILL_AFTER)
                bursts = [_burst(members, n) for members, n in zip(crowd, names, strict=True)]
                killed_at = await asyncio.wait_for(killed, WAIT)
                leased = await _leased_to(engine, pg_database.schema, _owner_of(doomed))
                assert await doomed.wait() == -signal.SIGKILL
                slack.observers.clear()
                for task in bursts[0]:
                    task.cancel()
                await asyncio.gather(*bursts[0], return_exceptions=True)
                # The other process's members were all told "received".
                await asyncio.gather(*bursts[1])

                restarted = new_process()
                await restarted.start()
                crowd.append(
                    Members(slack, await stack.enter_async_context(_driver(restarted, slack)))
                )
                store = await open_sql_store(
                    pg_database.url, Cipher(key.encode()), schema=pg_database.schema
                )
                submissions = crowd[0].submissions + crowd[1].submissions
                told = {**crowd[0].told_received(), **crowd[1].told_received()}
                assert len(told) >= KILL_AFTER + PER_PROCESS
                stored = await _stored(store, submissions)
                assert set(told) <= set(stored), set(told) - set(stored)
                assert {s.checkin_id for s in crowd[1].submissions} <= set(told)
                await until(
                    lambda: set(stored) <= set(cards(slack)),
                    "a card for every stored check-in",
                    within=WAIT + LEASE_SECONDS,
                )
                posted = cards(slack)
                assert set(posted) <= set(stored), "a card for a check-in never stored"
                duplicates = sum(len(calls) - 1 for calls in posted.values())
                assert duplicates <= leased, (duplicates, leased)

                await _claim_twice_at_once(catalog, slack, crowd[1:], posted, pairs)
                winners = await _claimed_once(store, stored)
                await _relays_arrive(slack, crowd[1:], stored, winners)
                await _short_jobs_ran_again(processes, killed_at)
            # Stopped as a host stops them: each finishes the job run it began.
            for process in (survivor, restarted):
                process.signal(signal.SIGTERM)
            for process in (survivor, restarted):
                assert await process.wait() == 0, process.log
            await _jobs_ran_once_per_period(engine, pg_database.schema, processes)
        finally:
            if store is not None:
                await store.close_store()
            for process in processes:
                await process.ensure_dead()
            await engine.dispose()

        print(  # what the kill left behind, for whoever reads the run
            f"\n{len(submissions)} sent, {len(stored)} stored, {len(told)} told received, "
            f"{leased} leased to the killed process, {duplicates} duplicate card(s)"
        )

    for process in processes:
        _assert_clean_log(process, everyone, secrets=(slack.bot_token, SECRET, key))


# -- setting up -------------------------------------------------------------------------


def _populate(slack: IndexedStandIn, members: list[str], volunteers: list[str]) -> None:
    populate(slack, members)
    for volunteer in volunteers:
        slack.add_user(volunteer, volunteer.lower())
    slack.set_usergroup_members(VOLUNTEER_GROUP, [VOLUNTEER, *volunteers])
    slack.set_channel_members(VOLUNTEER_CHANNEL, [VOLUNTEER, *volunteers, slack.bot_user_id])


def _driver(process: BotProcess, slack: IndexedStandIn) -> SlackDriver:
    return SlackDriver(f"{process.url}{EVENTS_PATH}", SECRET, standin=slack)


def _owner_of(process: BotProcess) -> str:
    for line in process.log_lines():
        found = OWNER.match(str(line.get("msg", "")))
        if found:
            return found.group(1)
    raise AssertionError(f"no owner in the log: {process.log}")


# -- the burst and the kill -----------------------------------------------------------------


def _burst(members: Members, names: list[str]) -> list[asyncio.Task[Submitted]]:
    async def one(member: str) -> Submitted:
        summary = await members.fill_form(member, words_of(member))
        return await members.confirm(member, summary)

    return [asyncio.create_task(one(m)) for m in names]


def _kill_on_received(
    slack: IndexedStandIn, members: Members, bot: BotProcess, after: int
) -> asyncio.Future[datetime]:
    """SIGKILL ``bot`` the moment the ``after``-th "received" of its members reaches Slack;
    the future holds when."""
    killed: asyncio.Future[datetime] = asyncio.get_running_loop().create_future()
    seen: set[str] = set()

    def observe(call: Call) -> None:
        if killed.done() or not call.ok or call.method != RESPONSE_URL_METHOD:
            return
        if any(s.url_path == call.path for s in members.submissions):
            seen.add(call.path)
            if len(seen) >= after:
                bot.signal(signal.SIGKILL)
                killed.set_result(datetime.now(UTC))

    slack.observers.append(observe)
    return killed


async def _leased_to(engine: AsyncEngine, schema: str, owner: str) -> int:
    """Outbox items still leased to ``owner``: what it may have sent and not yet deleted."""
    async with engine.connect() as conn:
        query = text(f'SELECT count(*) FROM "{schema}".outbox WHERE leased_by = :owner')
        return int((await conn.execute(query, {"owner": owner})).scalar_one())


async def _stored(store: Stores, submissions: list[Submitted]) -> dict[str, Submitted]:
    stored: dict[str, Submitted] = {}
    for submitted in submissions:
        checkin = await store.checkins.get_checkin(submitted.checkin_id)
        if checkin is not None and checkin.status is not CheckinStatus.DRAFT:
            assert checkin.text == words_of(submitted.member)
            stored[submitted.checkin_id] = submitted
    return stored


# -- claims and relays ----------------------------------------------------------------------


async def _press_claim(members: Members, volunteer: str, card: Call) -> str:
    """``volunteer`` presses Claim on ``card``; the answer they see."""
    element = button_valued(card.args["blocks"], f"{CLAIM}|")
    assert element is not None
    url = members.slack.issue_response_url(VOLUNTEER_CHANNEL, volunteer)
    answer = members.slack.expect(RESPONSE_URL_METHOD, path_of(url))
    ack = await members.driver.click_button(
        str(element["action_id"]),
        str(element["value"]),
        user_id=volunteer,
        channel_id=str(card.response["channel"]),
        message=card.response["message"],
        response_url=url,
    )
    assert ack.status == 200, (ack.status, ack.body)
    return text_of((await arrival(answer, f"{volunteer}: claim")).args["blocks"])


async def _claim_twice_at_once(
    catalog: Catalog,
    slack: IndexedStandIn,
    live: list[Members],
    posted: dict[str, list[Call]],
    pairs: list[tuple[str, str]],
) -> None:
    """For every card, one volunteer through each live process presses Claim, all at once:
    exactly one of each two is told they claimed it, the other that someone else did."""
    presses: list[Awaitable[str]] = []
    for (_, calls), pair in zip(sorted(posted.items()), pairs, strict=False):
        presses.extend(_press_claim(m, v, calls[0]) for m, v in zip(live, pair, strict=True))
    answers = await asyncio.gather(*presses)
    claimed = catalog.text("en", "checkin.claimed_you", pseudonym="|").split("|")[0]
    refused = catalog.text("en", "checkin.already_claimed")
    for first, second in zip(answers[::2], answers[1::2], strict=True):
        told = sorted((claimed in a, refused in a) for a in (first, second))
        assert told == [(False, True), (True, False)], (first, second)


async def _claimed_once(store: Stores, stored: dict[str, Submitted]) -> dict[str, str]:
    """Each stored check-in claimed, by one volunteer, audited once; its claimer's id."""
    winners: dict[str, str] = {}
    for checkin_id in stored:
        checkin = await store.checkins.get_checkin(checkin_id)
        assert checkin is not None and checkin.status is CheckinStatus.CLAIMED
        winners[checkin_id] = checkin.claimed_by_user_id
    claims = [
        a.checkin_id
        for a in await store.audit.audit_entries(checkin.community, 1000)
        if a.action == "claimed"
    ]
    assert sorted(claims) == sorted(stored), "every check-in claimed, none twice"
    assert len(set(winners.values())) == len(winners), "one check-in per volunteer"
    return winners


def _posted_with(slack: IndexedStandIn, channel: str, words: str) -> list[Call]:
    return [
        c
        for c in slack.delivered("chat.postMessage")
        if c.args.get("channel") == channel and words in json.dumps(c.args)
    ]


async def _relays_arrive(
    slack: IndexedStandIn,
    live: list[Members],
    stored: dict[str, Submitted],
    winners: dict[str, str],
) -> None:
    """Each member and their volunteer write through different processes; both arrive.
    Event ids are unique across the drivers, as Slack's are across a workspace."""
    expected: list[tuple[str, str]] = []
    for n, (checkin_id, submitted) in enumerate(sorted(stored.items())):
        member, volunteer = submitted.member, winners[checkin_id]
        says = (f"member note {n} for the volunteer", f"volunteer note {n} for the member")
        writers = ((live[n % 2], member, says[0]), (live[1 - n % 2], volunteer, says[1]))
        for k, (members, user, words) in enumerate(writers):
            sent = await members.driver.message_im(user, words, event_id=f"EvMANY{n:03d}{k}")
            assert sent.status == 200, (sent.status, sent.body)
        expected += [(volunteer, says[0]), (member, says[1])]

    def arrived() -> bool:
        return all(_posted_with(slack, channel, words) for channel, words in expected)

    await until(arrived, "every relay")
    for checkin_id, submitted in stored.items():
        joined = _posted_with(slack, submitted.member, "picked up your check-in")
        assert len(joined) == 1, (checkin_id, len(joined))


# -- periodic jobs --------------------------------------------------------------------------


def _runs(processes: list[BotProcess]) -> dict[str, list[tuple[datetime, datetime, str]]]:
    """Each job's runs in every process's log: (period start, period end, owner)."""
    runs: dict[str, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    for process in processes:
        owner = _owner_of(process)
        for line in _json_lines(process):
            found = JOB_RUN.match(str(line.get("msg", "")))
            if found:
                start, end = (datetime.fromisoformat(found.group(i)) for i in (2, 3))
                runs[found.group(1)].append((start, end, owner))
    return {name: sorted(found) for name, found in runs.items()}


async def _short_jobs_ran_again(processes: list[BotProcess], killed_at: datetime) -> None:
    """The 30-second jobs ran in a period that began after the kill: a live process took
    each lease once the one the killed process may have held ended."""

    def ran_after_kill() -> bool:
        runs = _runs(processes)
        return all(any(r[0] > killed_at for r in runs.get(job, [])) for job in SHORT_JOBS)

    await until(ran_after_kill, "the 30-second jobs, after the kill", within=WAIT)


async def _jobs_ran_once_per_period(
    engine: AsyncEngine, schema: str, processes: list[BotProcess]
) -> None:
    runs = _runs(processes)
    assert set(runs) == {*SHORT_JOBS, *MINUTE_JOBS, *LONG_JOBS}, runs.keys()
    for job, found in runs.items():
        for (_, end, _), (start, _, _) in itertools.pairwise(found):
            assert start >= end, f"{job} ran twice in one period: {found}"
    for job in LONG_JOBS:
        assert len(runs[job]) == 1, (job, runs[job])
    async with engine.connect() as conn:
        rows = await conn.execute(text(f'SELECT name, owner FROM "{schema}".leases'))
        owners = {str(name): str(owner) for name, owner in rows}
    # The lease each job holds now is its last run's.
    assert owners == {job: found[-1][2] for job, found in runs.items()}


# -- logs -----------------------------------------------------------------------------------


def _json_lines(process: BotProcess) -> list[dict[str, object]]:
    """The log's JSON lines; the last one may be torn by SIGKILL."""
    lines = process.log.splitlines()
    torn = process.proc is not None and process.proc.returncode == -signal.SIGKILL
    if torn and lines and not process.log.endswith("\n"):
        lines.pop()
    return [json.loads(line) for line in lines if line.strip()]


def _assert_clean_log(process: BotProcess, members: list[str], secrets: tuple[str, ...]) -> None:
    """JSON lines only, and never a member's words, a member's id or a secret."""
    assert _json_lines(process), "the bot logged nothing"
    raw = process.log
    for member in members:
        assert words_of(member) not in raw
        assert member not in raw
    for secret in secrets:
        assert secret not in raw
