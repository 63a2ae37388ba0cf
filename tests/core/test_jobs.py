"""Periodic jobs run once per period across processes, and each fails on its own."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.bootstrap import Runtime, build
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.desk_support import new_id
from bot.core.jobs import Job, JobRunner
from bot.core.models import CheckIn, CheckinStatus
from bot.core.ports import Stores
from bot.storage.memory import MemoryCheckins, MemoryState, MemoryStore

ALL_JOBS = [
    "escalation",
    "idle-close",
    "group-practice-expiry",
    "scenario-of-the-week",
    "retention-purge",
    "forget-event-sightings",
    "community-purge",
]


def counting_job(name: str, period: timedelta, runs: list[str]) -> Job:
    async def run() -> None:
        runs.append(name)

    return Job(name, period, run)


async def test_two_processes_run_a_job_once_per_period() -> None:
    store, clock, runs = MemoryStore(), ManualClock(), []
    job = counting_job("tidy", timedelta(minutes=1), runs)
    first = JobRunner(store.leases, clock, [job], owner="first")
    second = JobRunner(store.leases, clock, [job], owner="second")
    for _ in range(3):
        for _ in range(4):  # both processes tick several times within the period
            await first.run_due()
            await second.run_due()
            clock.advance(seconds=10)
        clock.advance(seconds=20)
    assert runs == ["tidy", "tidy", "tidy"]


async def test_each_run_logs_one_line_naming_its_period(caplog: pytest.LogCaptureFixture) -> None:
    store, clock, runs = MemoryStore(), ManualClock(), []
    runner = JobRunner(
        store.leases, clock, [counting_job("tidy", timedelta(minutes=1), runs)], owner="p"
    )
    start = clock.now()
    with caplog.at_level(logging.INFO, logger="bot.core.jobs"):
        await runner.run_due()
        await runner.run_due()  # within the period: no run, no line
    end = start + timedelta(minutes=1)
    assert [r.getMessage() for r in caplog.records] == [
        f"job tidy runs for {start.isoformat()} to {end.isoformat()}"
    ]


async def test_a_job_that_raises_never_stops_another_and_runs_again_next_period(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, clock, runs = MemoryStore(), ManualClock(), []

    async def broken() -> None:
        runs.append("broken")
        raise RuntimeError("disk full")

    period = timedelta(minutes=1)
    runner = JobRunner(
        store.leases,
        clock,
        [Job("broken", period, broken), counting_job("fine", period, runs)],
        owner="p",
    )
    assert await runner.run_due() == ["broken", "fine"]
    assert await runner.run_due() == [], "not again within the period"
    clock.advance(minutes=1)
    assert await runner.run_due() == ["broken", "fine"]
    assert runs == ["broken", "fine", "broken", "fine"]
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == [
        "job broken failed; it runs again next period"
    ] * 2


def stale_open_checkin(clock: ManualClock) -> CheckIn:
    opened = clock.now() - timedelta(hours=1)
    return CheckIn(
        id=new_id(),
        platform="console",
        member="console:m",
        member_user_id="m",
        member_name="",
        pseudonym="Member 0A0A",
        category="other",
        urgency="today",
        anonymous=True,
        text="",
        crisis=False,
        locale="en",
        status=CheckinStatus.OPEN,
        created_at=opened,
        opened_at=opened,
    )


class PurgeFails(MemoryCheckins):
    async def purge(self, closed_before: object, drafts_before: object) -> int:  # type: ignore[override]
        raise RuntimeError("database is locked")


async def runtime_on(store: Stores, clock: ManualClock, tmp_path: Path) -> Runtime:
    settings = Settings.from_env({"UPSTANDER_DATA_DIR": str(tmp_path)})
    return await build(settings, store=store, clock=clock)


async def test_two_runtimes_share_the_jobs_and_a_failing_purge_leaves_escalation_running(
    tmp_path: Path,
) -> None:
    state, clock = MemoryState(), ManualClock()
    store = MemoryStore(state, checkins=PurgeFails(state))
    await store.checkins.save_draft(stale_open_checkin(clock))
    first = await runtime_on(store, clock, tmp_path)
    second = await runtime_on(store, clock, tmp_path)
    assert first.owner != second.owner
    assert await first.jobs.run_due() == ALL_JOBS
    assert await second.jobs.run_due() == []
    [escalated] = await store.checkins.unclaimed()
    assert escalated.escalation_level == 1, "escalation ran although the purge failed"
    clock.advance(seconds=30)
    assert await second.jobs.run_due() == ["escalation", "idle-close", "group-practice-expiry"]
    assert await first.jobs.run_due() == []


class EscalationFails(MemoryCheckins):
    async def unclaimed(self, community: str | None = None) -> list[CheckIn]:
        raise RuntimeError("database is locked")


async def test_a_failing_escalation_leaves_the_retention_purge_running(tmp_path: Path) -> None:
    state, clock = MemoryState(), ManualClock()
    store = MemoryStore(state, checkins=EscalationFails(state))
    two_hours_ago = clock.now() - timedelta(hours=2)
    draft = replace(stale_open_checkin(clock), status=CheckinStatus.DRAFT, created_at=two_hours_ago)
    await store.checkins.save_draft(draft)
    runtime = await runtime_on(store, clock, tmp_path)
    assert await runtime.jobs.run_due() == ALL_JOBS
    assert await store.checkins.get_checkin(draft.id) is None, "the stale draft was purged"
