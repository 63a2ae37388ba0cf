"""Per-community limits (issue 20.6): one community at its limit is refused, kindly and with
the crisis lines first, while another opens check-ins as usual; a crisis-flagged check-in
always goes through; reloads are limited per community; one community's broken content
leaves the other serving. Through the real use cases on MemoryStore and SQLite; time is a
ManualClock."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.bootstrap import Runtime, build
from bot.config import Settings
from bot.core.access import StaticDirectory
from bot.core.actors import Actor, Role
from bot.core.clock import ManualClock
from bot.core.desk_support import CONFIRM, FORM_ID
from bot.core.limits import (
    MINUTE,
    CommunityLimits,
    FairShare,
    LimitSettings,
    Rate,
    RateLimiter,
)
from bot.core.messages import Outbound, Reply
from bot.core.models import CheckinStatus
from bot.core.practice import BEGIN
from bot.core.settings import CommunitySettings
from bot.storage.memory import MemoryStore

A, B = "chat:A", "chat:B"
CALM = {"text": "", "category": "other", "urgency": "today", "identity": "anonymous"}
CRISIS_URGENCY = {**CALM, "urgency": "right-now"}
MODERATORS = ("mod-a", "mod-b")


class Sent:
    """The stand-in platform's messenger: keeps what the outbox delivers."""

    def __init__(self) -> None:
        self.outbound: list[Outbound] = []

    async def send(self, outbound: Outbound) -> str:
        self.outbound.append(outbound)
        return f"ref-{len(self.outbound)}"

    async def delete(self, ref: str) -> None:
        return None


async def limited_runtime(settings: Settings, clock: ManualClock, *, sqlite: bool) -> Runtime:
    """A whole bot allowing 2 Sends a minute and 2 reloads an hour per community."""
    limited = dataclasses.replace(
        settings, limits=LimitSettings(checkins_per_minute=2, reloads_per_hour=2)
    )
    runtime = await build(limited, store=None if sqlite else MemoryStore(), clock=clock)
    directory = StaticDirectory({m: frozenset({Role.MODERATOR}) for m in MODERATORS})
    runtime.register_platform("chat", directory, Sent())
    for community in (A, B):  # as each community's admin set it up
        own = CommunitySettings(volunteers_channel=f"volunteers-of-{community}")
        await runtime.app.services.setup.book.save(community, own, "Admin", clock.now())
    return runtime


@pytest.fixture(params=["memory", "sqlite"])
async def runtime(
    request: pytest.FixtureRequest, settings: Settings, clock: ManualClock
) -> AsyncIterator[Runtime]:
    runtime = await limited_runtime(settings, clock, sqlite=request.param == "sqlite")
    yield runtime
    await runtime.aclose()


@pytest.fixture
async def memory_runtime(settings: Settings, clock: ManualClock) -> AsyncIterator[Runtime]:
    """Reloads keep nothing in the store: one store is enough (each reload is a process)."""
    runtime = await limited_runtime(settings, clock, sqlite=False)
    yield runtime
    await runtime.aclose()


def member(name: str, community: str, locale: str = "en") -> Actor:
    return Actor("chat", name, locale=locale, community=community)


async def send(runtime: Runtime, actor: Actor, values: dict[str, str] = CALM) -> Reply:
    """Open the form, fill it in and press Send: the reply to Send."""
    app = runtime.app
    await app.checkin(actor)
    summary = await app.submit_form(actor, FORM_ID, values)
    [confirm] = [a for a in summary.actions if a.kind == CONFIRM]
    return await app.press(actor, confirm.id)


async def open_count(runtime: Runtime, actor: Actor) -> int:
    checkins = await runtime.store.checkins.member_checkins(actor.key)
    return sum(c.status is CheckinStatus.OPEN for c in checkins)


async def test_a_community_at_its_limit_is_refused_while_another_opens_as_usual(
    runtime: Runtime, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("ana", "alma"):
        assert "Received and stored safely" in (await send(runtime, member(name, A))).text()
    third = member("zephyrine", A)
    with caplog.at_level(logging.INFO):
        refused = await send(runtime, third)
    assert refused.pinned, "the crisis lines come first"
    assert refused.text().index("If you are in danger") < refused.text().index("Many people")
    assert "1 minute(s)" in refused.text()
    assert await open_count(runtime, third) == 0, "nothing was sent"
    for name in ("bea", "bruno"):  # B is not A: its own allowance, untouched
        assert "Received and stored safely" in (await send(runtime, member(name, B))).text()
    [line] = [r.getMessage() for r in caplog.records if "community limit" in r.getMessage()]
    assert A in line and "zephyrine" not in line
    clock.advance(seconds=30)  # one more Send's worth of A's allowance
    draft = (await runtime.store.checkins.member_checkins(third.key))[0]
    again = await runtime.app.press(third, f"{CONFIRM}|{draft.id}")
    assert "Received and stored safely" in again.text()


async def test_a_crisis_flagged_checkin_is_never_refused_by_the_community_limit(
    runtime: Runtime,
) -> None:
    for name in ("ana", "alma"):
        await send(runtime, member(name, A))
    urgent = await send(runtime, member("ada", A), CRISIS_URGENCY)
    assert "Received and stored safely" in urgent.text() and urgent.pinned
    words = {**CALM, "text": "I want to kill myself"}
    assert "Received and stored safely" in (await send(runtime, member("aida", A), words)).text()
    assert "Many people" in (await send(runtime, member("abel", A))).text()


async def test_a_second_press_on_a_sent_checkin_is_answered_not_refused(
    runtime: Runtime,
) -> None:
    ana = member("ana", A)
    await send(runtime, ana)
    await send(runtime, member("alma", A))
    [sent] = await runtime.store.checkins.member_checkins(ana.key)
    again = await runtime.app.press(ana, f"{CONFIRM}|{sent.id}")
    assert "Many people" not in again.text() and sent.pseudonym in again.text()


async def test_the_refusal_speaks_the_members_language(runtime: Runtime) -> None:
    for name in ("ana", "alma"):
        await send(runtime, member(name, A))
    spanish = await send(runtime, member("alba", A, "es"))
    assert "Mucha gente de esta comunidad" in spanish.text() and spanish.pinned
    french = await send(runtime, member("aline", A, "fr"))
    assert "Beaucoup de personnes de cette communauté" in french.text() and french.pinned


async def test_reloads_are_limited_per_community_and_say_when_to_try_again(
    memory_runtime: Runtime, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = memory_runtime
    mod_a, mod_b = member("mod-a", A), member("mod-b", B)
    for _ in range(2):
        assert "Content reloaded" in (await runtime.app.reload(mod_a)).text()
    with caplog.at_level(logging.INFO):
        refused = await runtime.app.reload(mod_a)
    assert "try again in 30 minute(s)" in refused.text()
    assert any(A in r.getMessage() and "reload" in r.getMessage() for r in caplog.records)
    assert "Content reloaded" in (await runtime.app.reload(mod_b)).text()
    clock.advance(minutes=30)
    assert "Content reloaded" in (await runtime.app.reload(mod_a)).text()


async def test_a_broken_reload_in_one_community_leaves_the_other_serving(
    settings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    own = tmp_path / "communities"
    broken = own / A / "scenarios" / "lift-remark.yaml"
    broken.parent.mkdir(parents=True)
    with_own = dataclasses.replace(settings, community_content_dir=own)
    runtime = await limited_runtime(with_own, clock, sqlite=True)
    try:
        version = runtime.content.catalog(A).version
        broken.write_text("id: [unclosed\n", encoding="utf-8")  # A's operator's file
        failed = await runtime.app.reload(member("mod-a", A))
        assert "Reload refused" in failed.text()
        assert runtime.content.catalog(A).version == version, "A keeps its old content"
        bea = member("bea", B)
        assert "Received and stored safely" in (await send(runtime, bea)).text()
        menu = await runtime.app.practice(bea)
        assert menu.actions, "B's practice menu still offers its scenarios"
    finally:
        await runtime.aclose()


@pytest.mark.parametrize("in_flight", [8, 1, 0])
async def test_a_burst_of_practice_presses_in_one_community_does_not_starve_another(
    settings: Settings, clock: ManualClock, in_flight: int
) -> None:
    """60 of A's members press Begin at once, then one of B's: on the one SQLite writer,
    B's press waits behind at most A's share, not behind A's whole burst."""
    shared = dataclasses.replace(settings, limits=LimitSettings(practice_in_flight=in_flight))
    runtime = await build(shared, clock=clock)
    finished: list[str] = []

    async def begin(actor: Actor) -> None:
        reply = await runtime.app.press(actor, f"{BEGIN}|lift-remark")
        assert reply.actions, "the scenario began"
        finished.append(actor.community)

    try:
        burst = [asyncio.create_task(begin(member(f"a{n}", A))) for n in range(60)]
        await asyncio.gather(*burst, begin(member("bea", B)))
    finally:
        await runtime.aclose()
    if in_flight:
        assert finished.index(B) <= 2 * in_flight + 1, finished.index(B)
    else:  # what the share prevents
        assert finished.index(B) == 60, "without a share, B waits behind all of A's burst"
    limits = runtime.app.services.limits
    assert limits is not None and len(limits.practice) == 0, "nothing kept once all are done"


async def test_a_turn_given_up_while_waiting_leaves_nothing_behind() -> None:
    share = FairShare(per_community=1)
    held, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with share.turn(A):
            held.set()
            await release.wait()

    async def wait_in_line() -> None:
        async with share.turn(A):
            raise AssertionError("never gets the turn: cancelled while waiting")

    holder = asyncio.create_task(hold())
    await held.wait()
    waiter = asyncio.create_task(wait_in_line())
    await asyncio.sleep(0)  # one step: the new task runs up to the turn it waits for
    assert share.in_flight(A) == 2, "the second is in line behind the first"
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    release.set()
    await holder
    assert len(share) == 0


def test_buckets_refill_and_idle_communities_are_dropped(clock: ManualClock) -> None:
    limits = CommunityLimits(clock, LimitSettings(checkins_per_minute=3))
    assert [limits.open_checkin(A) for _ in range(3)] == [None, None, None]
    wait = limits.open_checkin(A)
    assert wait is not None and wait.total_seconds() == pytest.approx(20)
    for n in range(1000):
        limits.open_checkin(f"chat:{n}")
    assert len(limits.checkins) == 1001
    clock.advance(seconds=59)
    assert limits.open_checkin(A) is None  # refilled in part: spent again, so kept
    clock.advance(seconds=2)
    limits.open_checkin(B)
    assert len(limits.checkins) == 2, "only the communities still spending are held"


def test_zero_turns_a_limit_off_and_a_slow_rate_still_allows_one(clock: ManualClock) -> None:
    off = CommunityLimits(clock, LimitSettings(checkins_per_minute=0, reloads_per_hour=0))
    assert all(off.open_checkin(A) is None and off.reload(A) is None for _ in range(100))
    assert len(off.checkins) == 0
    slow = RateLimiter(Rate(0.5, MINUTE), clock)
    assert slow.take(A) is None
    wait = slow.take(A)
    assert wait is not None and wait.total_seconds() == pytest.approx(120)


def test_limits_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "UPSTANDER_COMMUNITY_CHECKINS_PER_MINUTE": "30",
            "UPSTANDER_COMMUNITY_RELOADS_PER_HOUR": "0",
        }
    )
    assert settings.limits == LimitSettings(checkins_per_minute=30, reloads_per_hour=0)
    assert Settings.from_env({}).limits == LimitSettings()
