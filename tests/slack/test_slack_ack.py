"""The ack path: acknowledged at once, work finished after, one session, a clean stop.

The store here is a ``MemoryStore`` that can hold a practice run's save until the test
releases it (the storage port is the seam: the core and the adapter are the real ones).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from slack_harness import MEMBER, SECRET, SlackBot, button_valued, last_seq, slack_env
from slack_standin import RESPONSE_URL_METHOD, SlackDriver, SlackStandIn

from bot.adapters.slack.messenger import SlackMessenger
from bot.adapters.slack.run import serve_slack
from bot.adapters.slack.settings import EVENTS_PATH, HEALTH_PATH, SlackSettings
from bot.adapters.slack.work import Work
from bot.bootstrap import Runtime, build
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.models import PracticeRun
from bot.core.ports import Stores
from bot.core.practice import BEGIN, CHOOSE, INTRO
from bot.storage.memory import MemoryPractice, MemoryState, MemoryStore

CHANNEL = "C0GENERAL"
WAIT = 5.0


class HeldStore(MemoryPractice):
    """Once armed, the next ``save_run`` waits until ``release`` is set."""

    def __init__(self) -> None:
        super().__init__(MemoryState())
        self.armed = False
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def save_run(self, run: PracticeRun) -> None:
        if self.armed:
            self.armed = False
            self.entered.set()
            await self.release.wait()
        await super().save_run(run)


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    built = await build(
        Settings.from_env({"UPSTANDER_DATA_DIR": str(tmp_path)}),
        store=held_store(),
        clock=ManualClock(),
    )
    yield built
    await built.store.close_store()


def held_store() -> Stores:
    practice = HeldStore()
    return MemoryStore(practice.state, practice=practice)


def held(runtime: Runtime) -> HeldStore:
    assert isinstance(runtime.store.practice, HeldStore)
    return runtime.store.practice


async def _to_begin(driver: SlackDriver, slack: SlackStandIn) -> dict[str, object]:
    """/upstander practice, press a scenario: the Begin button of its intro."""
    menu = await driver.slash_command("/upstander", "practice", user_id=MEMBER)
    intro = button_valued(menu.json()["blocks"], f"{INTRO}|")
    url = slack.issue_response_url(CHANNEL, MEMBER)
    answered = slack.expect_response(url)
    await _press(driver, intro, url)
    shown = await asyncio.wait_for(answered, WAIT)
    return button_valued(shown.args["blocks"], f"{BEGIN}|")


async def _press(driver: SlackDriver, element: dict[str, object], url: str) -> int:
    ack = await driver.click_button(
        str(element["action_id"]),
        str(element["value"]),
        user_id=MEMBER,
        channel_id=CHANNEL,
        message={"ts": "1700000000.000001"},
        is_ephemeral=True,
        response_url=url,
    )
    return ack.status


async def _refused(url: str) -> bool:
    """True once nothing accepts connections at ``url`` (bounded wait)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    async with aiohttp.ClientSession() as probe:
        while loop.time() < deadline:
            try:
                async with probe.get(url) as response:
                    await response.read()
            except aiohttp.ClientConnectionError:
                return True
            await asyncio.sleep(0.01)
    return False


async def test_a_press_is_acknowledged_while_its_core_work_is_still_held(bot: SlackBot) -> None:
    store = held(bot.runtime)
    begin = await _to_begin(bot.driver, bot.slack)
    store.armed = True
    url = bot.slack.issue_response_url(CHANNEL, MEMBER)
    answered = bot.slack.expect_response(url)
    before = last_seq(bot.slack)

    status = await asyncio.wait_for(_press(bot.driver, begin, url), WAIT)

    assert status == 200
    assert store.entered.is_set() and not store.release.is_set()
    assert bot.adapter.work.pending == 1
    assert not [c for c in bot.slack.calls() if c.seq > before]  # nothing answered yet
    store.release.set()
    answer = await asyncio.wait_for(answered, WAIT)
    assert answer.ok and answer.args["replace_original"] is True
    await bot.settle_work()
    assert bot.adapter.work.pending == 0


async def test_answers_and_web_api_calls_share_one_kept_alive_connection(bot: SlackBot) -> None:
    await _to_begin(bot.driver, bot.slack)
    await _to_begin(bot.driver, bot.slack)
    ack = await bot.driver.slash_command("/upstander", "checkin", user_id=MEMBER)
    assert ack.status == 200
    opened = await bot.slack.wait_for("views.open")
    await bot.settle_work()
    answers = bot.slack.calls(RESPONSE_URL_METHOD)
    assert len(answers) == 2 and opened.ok
    # bolt's own respond() opens a new session, hence a new connection, for each answer.
    ports = {c.peer_port for c in [*answers, opened]}
    assert len(ports) == 1 and None not in ports
    assert bot.adapter.client.session is bot.adapter.work.session


async def test_stopping_serve_slack_finishes_work_in_flight_then_closes_the_session(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {"UPSTANDER_DATA_DIR": str(tmp_path), **slack_env(slack), "PORT": str(port)}
    store = HeldStore()
    runtime = await build(
        Settings.from_env(env), store=MemoryStore(store.state, practice=store), clock=ManualClock()
    )
    stop = asyncio.Event()
    work = Work()
    serving = asyncio.create_task(
        serve_slack(runtime.app, runtime, SlackSettings.from_env(env), stop, work=work)
    )
    base = f"http://127.0.0.1:{port}"
    try:
        await _wait_healthy(base + HEALTH_PATH)
        async with SlackDriver(base + EVENTS_PATH, SECRET, standin=slack) as driver:
            begin = await _to_begin(driver, slack)
            store.armed = True
            url = slack.issue_response_url(CHANNEL, MEMBER)
            answered = slack.expect_response(url)
            assert await _press(driver, begin, url) == 200
            await asyncio.wait_for(store.entered.wait(), WAIT)

            stop.set()
            await asyncio.wait_for(work.stopping.wait(), WAIT)
            assert await _refused(base + HEALTH_PATH), "still accepting after stop"
            assert not serving.done() and not answered.done()  # waiting for the work
            assert work.pending == 1 and not work.session.closed
            store.release.set()
            await asyncio.wait_for(serving, WAIT)
        answer = answered.result()  # finished, not cancelled, before serve_slack returned
        assert answer.ok and button_valued(answer.args["blocks"], f"{CHOOSE}|")
        assert work.session.closed
        messenger = runtime.messengers["slack"]
        assert isinstance(messenger, SlackMessenger)
        assert messenger.client.session is work.session
    finally:
        stop.set()
        store.release.set()
        await asyncio.wait_for(serving, WAIT)
        await runtime.aclose()


async def _wait_healthy(url: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    async with aiohttp.ClientSession() as probe:
        while True:
            try:
                async with probe.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            assert loop.time() < deadline, "serve_slack did not start"
            await asyncio.sleep(0.01)


async def test_work_still_running_at_the_bound_is_cancelled_and_the_session_closed() -> None:
    work = Work()
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def stuck() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    work.spawn(stuck(), "stuck")
    await started.wait()
    assert work.pending == 1
    assert await work.close(timeout=0.05) is False
    assert cancelled.is_set() and work.pending == 0 and work.session.closed
    # Closed: later work is refused rather than run on a closed session.
    late = stuck()
    work.spawn(late, "late")
    assert work.pending == 0 and late.cr_frame is None  # closed without running
