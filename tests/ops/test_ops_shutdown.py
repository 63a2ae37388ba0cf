"""Graceful shutdown of the real ``python -m bot run`` process on SIGTERM (Slack HTTP mode).

The stand-in holds chosen Web API calls at a gate, so that work is provably in flight
when the signal arrives: the members' "received" answers and the volunteers' cards.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from cryptography.fernet import Fernet
from ops_support import (
    RESPONSE_URL_METHOD,
    SECRET,
    BotProcess,
    IndexedStandIn,
    Members,
    Submitted,
    cards,
    free_port,
    populate,
    process_env,
    until,
)
from slack_standin import ManualClock as StandInClock
from slack_standin import SlackDriver

from bot.adapters.slack.settings import EVENTS_PATH
from bot.core.models import CheckinStatus
from bot.core.ports import Stores
from bot.storage.crypto import Cipher
from bot.storage.engine import sqlite_url
from bot.storage.sql import open_sql_store

pytestmark = pytest.mark.slow

CHECKING_IN = 6
POST = "chat.postMessage"


def words_of(member: str) -> str:
    return f"shutdown-test words of {member}: it happened twice"


@dataclass
class Scene:
    tmp_path: Path
    slack: IndexedStandIn
    key: str
    port: int
    content_dir: Path
    processes: list[BotProcess]
    members: list[str]

    @property
    def data_dir(self) -> Path:
        return self.tmp_path / "data"

    @property
    def database(self) -> Path:
        return self.data_dir / "upstander.sqlite3"

    def process(self, **extra: str) -> BotProcess:
        env = process_env(
            self.slack,
            self.data_dir,
            self.content_dir,
            self.tmp_path / "resources.yaml",
            self.port,
            self.key,
        )
        env.update(extra)
        process = BotProcess(env, self.tmp_path / f"bot-{len(self.processes)}.log")
        self.processes.append(process)
        return process

    def driver(self, process: BotProcess) -> SlackDriver:
        return SlackDriver(f"{process.url}{EVENTS_PATH}", SECRET, standin=self.slack)

    async def open_store(self) -> Stores:
        return await open_sql_store(sqlite_url(self.database), Cipher(self.key.encode()))


@pytest.fixture
async def scene(tmp_path: Path, content_dir: Path) -> AsyncIterator[Scene]:
    members = [f"U0SHUT{i:03d}" for i in range(CHECKING_IN)]
    async with IndexedStandIn(clock=StandInClock(), bot_token="xoxb-ops-term-9876543210") as slack:
        populate(slack, members)
        found = Scene(
            tmp_path, slack, Fernet.generate_key().decode(), free_port(), content_dir, [], members
        )
        try:
            yield found
        finally:
            for gate in list(slack.holds):
                slack.release(gate)
            for process in found.processes:
                await process.ensure_dead()
    for process in found.processes:
        _assert_clean_log(process, members, (slack.bot_token, SECRET, found.key))


async def _summaries(members: Members, names: list[str]) -> list[Submitted]:
    """Each member fills the form; nothing is sent until they press "Send"."""
    summaries = await asyncio.gather(*(members.fill_form(m, words_of(m)) for m in names))
    return [Submitted(m, "", s, "") for m, s in zip(names, summaries, strict=True)]


async def _refuses_new_work(driver: SlackDriver) -> bool:
    try:
        ack = await driver.slash_command("/upstander", "help", user_id="U0LATECOMER")
    except (aiohttp.ClientError, OSError):
        return True
    return ack.status >= 500


def _logged(process: BotProcess, text: str) -> bool:
    return any(text in line.get("msg", "") for line in _lines(process))


def _lines(process: BotProcess) -> list[dict[str, str]]:
    return [json.loads(line) for line in process.log.splitlines() if line.strip()]


def _assert_clean_log(process: BotProcess, members: list[str], secrets: tuple[str, ...]) -> None:
    raw = process.log
    assert _lines(process), "the bot logged nothing (and every line is JSON)"
    for member in members:
        assert words_of(member) not in raw
        assert member not in raw
    for secret in secrets:
        assert secret not in raw


async def test_sigterm_finishes_in_flight_work_flushes_and_closes(scene: Scene) -> None:
    slack = scene.slack
    bot = scene.process(UPSTANDER_FLUSH_SECONDS="120")
    await bot.start()
    async with scene.driver(bot) as driver:
        members = Members(slack, driver)
        await members.volunteer_on()
        drafts = await _summaries(members, scene.members)

        # Every "Send" is acknowledged, stored, and then its answer and its card are
        # held on their way to Slack: work in flight.
        slack.hold(RESPONSE_URL_METHOD)
        slack.hold(POST)
        sent = await asyncio.gather(
            *(members.confirm(d.member, d.summary, wait=False) for d in drafts)
        )
        await until(lambda: slack.held[RESPONSE_URL_METHOD] == CHECKING_IN, "answers held")
        await until(lambda: slack.held[POST] >= 1, "the first card held")

        bot.signal(signal.SIGTERM)
        await until(lambda: _logged(bot, "shutting down"), "'shutting down' logged")
        await until(lambda: _refuses_new_work(driver), "new work refused")

        # The work in flight finishes: every member's answer goes out...
        slack.release(RESPONSE_URL_METHOD)
        await until(lambda: len(members.told_received()) == CHECKING_IN, "every answer")
        # ...and the process waits for the outbox (Slack still holds the cards).
        await until(lambda: slack.held[POST] >= 1 and bot.proc is not None, "flushing")
        assert bot.proc is not None and bot.proc.returncode is None
        assert len(cards(slack)) == 0
        slack.release(POST)
        assert await bot.wait() == 0, bot.log
        # Every card went out before the process ended.
        assert len(cards(slack)) == CHECKING_IN

    assert slack.abandoned == {}, "a request in flight was cut off by the shutdown"
    told = members.told_received()
    assert sorted(told) == sorted(s.checkin_id for s in sent)
    assert all(len(calls) == 1 for calls in cards(slack).values())
    assert sorted(cards(slack)) == sorted(told)
    assert _logged(bot, "database closed")
    # Closed cleanly: the write-ahead log was checkpointed away, nothing left pending.
    wal = scene.database.with_name(scene.database.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    store = await scene.open_store()
    try:
        assert await store.outbox.pending_outbox_count() == 0
        for checkin_id in told:
            checkin = await store.checkins.get_checkin(checkin_id)
            assert checkin is not None and checkin.status is CheckinStatus.OPEN
    finally:
        await store.close_store()


async def test_flush_is_bounded_a_second_signal_exits_and_nothing_is_lost(
    scene: Scene,
) -> None:
    slack = scene.slack
    # 1. A flush that cannot finish (Slack holds every card) gives up after its bound,
    #    leaving the cards in the outbox, and the process still exits 0.
    first = scene.process(UPSTANDER_FLUSH_SECONDS="1")
    await first.start()
    async with scene.driver(first) as driver:
        members = Members(slack, driver)
        await members.volunteer_on()
        drafts = await _summaries(members, scene.members)
        slack.hold(POST)
        sent = [await members.confirm(d.member, d.summary) for d in drafts]  # all told
        await until(lambda: slack.held[POST] >= 1, "a card held")
        first.signal(signal.SIGTERM)
        assert await first.wait() == 0, first.log
    assert _logged(first, "outbox flush not finished")
    store = await scene.open_store()
    try:
        assert await store.outbox.pending_outbox_count() == CHECKING_IN
    finally:
        await store.close_store()

    # 2. The next start resumes the outbox (held again); a SIGTERM waits for the flush,
    #    a second SIGTERM ends the process at once.
    held_before = slack.held[POST]
    second = scene.process(UPSTANDER_FLUSH_SECONDS="120")
    await second.start()
    await until(lambda: slack.held[POST] > held_before, "the resumed card held")
    second.signal(signal.SIGTERM)
    await until(lambda: _logged(second, "shutting down"), "'shutting down' logged")
    second.signal(signal.SIGTERM)
    assert await second.wait() == 128 + signal.SIGTERM
    assert _logged(second, "second SIGTERM")

    # 3. Slack answers again: the third start delivers every card (at least once) and
    #    shuts down clean.
    slack.release(POST)
    third = scene.process()
    await third.start()
    await until(
        lambda: sorted(cards(slack)) == sorted(s.checkin_id for s in sent),
        "every card delivered after the restart",
    )
    third.signal(signal.SIGTERM)
    assert await third.wait() == 0, third.log
    assert _logged(third, "shutting down") and _logged(third, "database closed")
    wal = scene.database.with_name(scene.database.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # checkpointed on close
    store = await scene.open_store()
    try:
        assert await store.outbox.pending_outbox_count() == 0
    finally:
        await store.close_store()
