"""SIGKILL in the middle of a burst of check-ins, then a restart on the same data.

The contract (bot/core/intake.py, bot/core/delivery.py): a check-in and its volunteer card
are committed in one transaction before the member is told "received"; the card leaves
the outbox only once Slack accepted it, and the worker resumes at start. So after any
kill:

- every check-in a member was told was received is stored, and its card reaches the
  volunteers' channel (at least once; duplicates are allowed by the contract, reported);
- a check-in stored whose "received" never went out is not lost either: its card still
  goes out, and the member, pressing "Send" again (or asking for the form), is told it
  was already sent.

The bot is the real ``python -m bot run`` (Slack HTTP mode, SQLite, a Fernet key from the
environment) against the Slack Web API stand-in served by the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from ops_support import (
    RESPONSE_URL_METHOD,
    SECRET,
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

from bot.adapters.slack.settings import EVENTS_PATH
from bot.content.holder import ContentHolder
from bot.core.desk_support import CONFIRM
from bot.core.models import CheckinStatus
from bot.storage.crypto import Cipher
from bot.storage.engine import sqlite_url
from bot.storage.sql import open_sql_store

pytestmark = pytest.mark.slow

BURST = 14
KILL_AFTER = (1, 5, 12)  # "received" answers seen before each SIGKILL


def words_of(member: str) -> str:
    return f"kill-test words of {member}: the same jokes again"


async def _burst(members: Members, names: list[str]) -> list[asyncio.Task[Submitted]]:
    async def one(member: str) -> Submitted:
        summary = await members.fill_form(member, words_of(member))
        return await members.confirm(member, summary)

    return [asyncio.create_task(one(m)) for m in names]


async def _abandon(tasks: list[asyncio.Task[Submitted]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_sigkill_mid_burst_loses_no_checkin(tmp_path: Path, content_dir: Path) -> None:
    key = Fernet.generate_key().decode()
    data_dir = tmp_path / "data"
    resources = tmp_path / "resources.yaml"
    catalog = ContentHolder.load(content_dir, resources).current
    port = free_port()
    rounds = [[f"U0K{r}M{i:03d}" for i in range(BURST)] for r in range(len(KILL_AFTER))]
    everyone = [m for names in rounds for m in names]
    processes: list[BotProcess] = []

    async with IndexedStandIn(clock=StandInClock(), bot_token="xoxb-ops-kill-0123456789") as slack:
        populate(slack, everyone)
        env = process_env(slack, data_dir, content_dir, resources, port, key)

        async def start() -> BotProcess:
            process = BotProcess(env, tmp_path / f"bot-{len(processes)}.log")
            processes.append(process)
            await process.start()
            return process

        try:
            bot = await start()
            async with SlackDriver(f"{bot.url}{EVENTS_PATH}", SECRET, standin=slack) as driver:
                members = Members(slack, driver)
                await members.volunteer_on()
                for names, kill_after in zip(rounds, KILL_AFTER, strict=True):
                    killed = _kill_on_received(slack, members, bot, names, kill_after)
                    tasks = await _burst(members, names)
                    await asyncio.wait_for(killed, WAIT)
                    slack.observers.clear()
                    assert await bot.wait() == -signal.SIGKILL
                    await _abandon(tasks)
                    # Whatever was in flight when it died is in flight no more.
                    bot = await start()

                # After the last restart: every check-in that may have been stored.
                told = members.told_received()
                assert len(told) >= sum(KILL_AFTER)
                # The test reads the database beside the running bot (WAL: one writer,
                # any readers), with the same key.
                store = await open_sql_store(
                    sqlite_url(data_dir / "upstander.sqlite3"), Cipher(key.encode())
                )
                try:
                    stored: dict[str, Submitted] = {}
                    for submitted in members.submissions:
                        checkin = await store.checkins.get_checkin(submitted.checkin_id)
                        if checkin is not None and checkin.status is not CheckinStatus.DRAFT:
                            stored[submitted.checkin_id] = submitted
                            assert checkin.text == words_of(submitted.member)
                    # Told "received" ⇒ stored.
                    assert set(told) <= set(stored), set(told) - set(stored)
                    # Stored ⇒ its card reaches the volunteers (resumed from the outbox).
                    await until(
                        lambda: set(stored) <= set(cards(slack)),
                        "a card for every stored check-in",
                    )
                    # Stored but never told: the member can still find out.
                    untold = [s for cid, s in stored.items() if cid not in told]
                    for submitted in untold:
                        checkin = await store.checkins.get_checkin(submitted.checkin_id)
                        assert checkin is not None
                        answer = await _press_send_again(members, submitted)
                        expected = catalog.text("en", "checkin.status_open", pseudonym="")
                        assert expected.split(":")[0] in answer and checkin.pseudonym in answer
                finally:
                    await store.close_store()
            duplicates = {k: len(v) for k, v in cards(slack).items() if len(v) > 1}
            print(  # the contract is at-least-once: report, do not fail, on duplicates
                f"\nkill points {KILL_AFTER}: {len(members.submissions)} sent, "
                f"{len(stored)} stored, {len(told)} told received, {len(untold)} stored untold, "
                f"duplicate cards: {duplicates or 'none'}"
            )
        finally:
            for process in processes:
                await process.ensure_dead()

    for process in processes:
        _assert_clean_log(process, everyone, secrets=(slack.bot_token, SECRET, key))


def _kill_on_received(
    slack: IndexedStandIn, members: Members, bot: BotProcess, names: list[str], after: int
) -> asyncio.Future[None]:
    """SIGKILL the bot the moment the ``after``-th "received" of this burst reaches Slack."""
    killed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    seen: set[str] = set()

    def observe(call: Call) -> None:
        if killed.done() or not call.ok or call.method != RESPONSE_URL_METHOD:
            return
        if any(s.url_path == call.path and s.member in names for s in members.submissions):
            seen.add(call.path)
            if len(seen) >= after:
                bot.signal(signal.SIGKILL)
                killed.set_result(None)

    slack.observers.append(observe)
    return killed


async def _press_send_again(members: Members, submitted: Submitted) -> str:
    element = button_valued(submitted.summary.args["blocks"], f"{CONFIRM}|")
    assert element is not None
    channel = str(submitted.summary.response["channel"])
    url = members.slack.issue_response_url(channel, submitted.member)
    answer = members.slack.expect(RESPONSE_URL_METHOD, path_of(url))
    ack = await members.driver.click_button(
        str(element["action_id"]),
        str(element["value"]),
        user_id=submitted.member,
        channel_id=channel,
        message=submitted.summary.response["message"],
        response_url=url,
    )
    assert ack.status == 200
    return text_of((await arrival(answer, "send again")).args["blocks"])


def _assert_clean_log(process: BotProcess, members: list[str], secrets: tuple[str, ...]) -> None:
    """JSON lines only, and never a member's words or a secret."""
    raw = process.log
    lines = raw.splitlines()
    with contextlib.suppress(IndexError):
        if process.proc is not None and process.proc.returncode == -9 and not raw.endswith("\n"):
            lines.pop()  # a line torn by SIGKILL
    assert lines, "the bot logged nothing"
    for line in lines:
        json.loads(line)
    for member in members:
        assert words_of(member) not in raw
        assert member not in raw  # logs name check-ins by id, never a member
    for secret in secrets:
        assert secret not in raw
