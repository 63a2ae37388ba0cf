"""Load: 200 members practising and 20 check-ins opened at once, on one bot.

The real slack-bolt app over HTTP (signed requests), the real core, the SQLite store in a
temp dir, the outbox worker running as in production, Slack's Web API stood in on
127.0.0.1. Nothing is timed: the test waits for every reply to reach the stand-in.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from ops_support import (
    VOLUNTEER_CHANNEL,
    WAIT,
    IndexedStandIn,
    Members,
    cards,
    populate,
    slack_env,
    text_of,
)
from slack_standin import ManualClock as StandInClock
from slack_standin import SlackDriver, drain_bolt_tasks

from bot.adapters.slack.run import attach_slack, start_http
from bot.adapters.slack.settings import EVENTS_PATH, SlackSettings
from bot.bootstrap import Runtime, build
from bot.config import Settings
from bot.core.models import CheckinStatus
from bot.storage.practice import SqlPractice

PRACTISING = 200
CHECKING_IN = 20

pytestmark = pytest.mark.slow


@dataclass
class LoadBot:
    runtime: Runtime
    slack: IndexedStandIn
    members: Members


@pytest.fixture
async def load_bot(settings: Settings) -> AsyncIterator[LoadBot]:
    practising = [f"U0PRAC{i:04d}" for i in range(PRACTISING)]
    checking_in = [f"U0CHEK{i:04d}" for i in range(CHECKING_IN)]
    # The stand-in's clock stands still: trigger_ids (3 s) must not expire because this
    # machine is slow under load; expiry has its own tests.
    async with IndexedStandIn(clock=StandInClock(), bot_token="xoxb-ops-load") as slack:
        populate(slack, practising + checking_in)
        runtime = await build(settings)  # the SQLite store in the temp data dir
        assert isinstance(runtime.store.practice, SqlPractice)
        slack_settings = SlackSettings.from_env(slack_env(slack))
        adapter = attach_slack(runtime.app, runtime, slack_settings)
        server = await start_http(adapter, runtime, slack_settings, host="127.0.0.1", port=0)
        runtime.start_background()
        try:
            async with SlackDriver(
                server.url + EVENTS_PATH, slack_settings.signing_secret, standin=slack
            ) as driver:
                yield LoadBot(runtime, slack, Members(slack, driver))
                await drain_bolt_tasks(timeout=WAIT)
        finally:
            await server.close()  # finishes the adapter's work in flight, closes its session
            await runtime.aclose()


async def _outbox_empty(runtime: Runtime) -> None:
    """Wait until the outbox worker has delivered everything (it wakes on new items)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while await runtime.store.outbox.pending_outbox_count():
        assert loop.time() < deadline, "the outbox did not empty"
        runtime.desk.outbox_changed.set()
        await asyncio.sleep(0.05)


async def test_200_practising_and_20_checking_in_at_once(load_bot: LoadBot) -> None:
    slack, members, runtime = load_bot.slack, load_bot.members, load_bot.runtime
    catalog = runtime.content.current
    await members.volunteer_on()

    practising = [f"U0PRAC{i:04d}" for i in range(PRACTISING)]
    checking_in = [f"U0CHEK{i:04d}" for i in range(CHECKING_IN)]
    words = {m: f"ops load words {i} about what happened" for i, m in enumerate(checking_in)}

    async def check_in(member: str) -> tuple[str, str]:
        summary = await members.fill_form(member, words[member])
        submitted = await members.confirm(member, summary)
        assert submitted.received is not None
        return submitted.checkin_id, text_of(submitted.received.args["blocks"])

    async with asyncio.timeout(4 * WAIT):  # a hang fails the test; it is not a timing
        results = await asyncio.gather(
            *(members.practise(m, choice=i) for i, m in enumerate(practising)),
            *(check_in(m) for m in checking_in),
        )
    recaps, received = results[:PRACTISING], results[PRACTISING:]

    # Every member practising got to the recap of their own run.
    recap_title = catalog.text("en", "recap.title")
    assert len(recaps) == PRACTISING
    assert all(recap_title in recap for recap in recaps)
    # Each choice path leaves its own trace: the recaps are not one reply sent 200 times.
    assert len(set(recaps)) > 1

    # Every check-in: "received" reached its member, it is stored open, and exactly one
    # card reached the volunteers' channel once the outbox is empty.
    checkin_ids = [checkin_id for checkin_id, _ in received]
    assert len(set(checkin_ids)) == CHECKING_IN
    for checkin_id, text in received:
        checkin = await runtime.store.checkins.get_checkin(checkin_id)
        assert checkin is not None and checkin.status is CheckinStatus.OPEN
        assert checkin.pseudonym in text
        assert checkin.text in words.values()
    await _outbox_empty(runtime)
    await drain_bolt_tasks(timeout=WAIT)
    found = cards(slack)
    assert sorted(found) == sorted(checkin_ids)
    assert all(len(calls) == 1 for calls in found.values()), {
        k: len(v) for k, v in found.items() if len(v) != 1
    }
    # The cards never carry the members' words.
    for calls in found.values():
        for value in calls[0].strings():
            assert not any(w in value for w in words.values())
    assert all(c.args["channel"] == VOLUNTEER_CHANNEL for calls in found.values() for c in calls)
