"""UPSTANDER_OUTBOX_LEASE_SECONDS: how long a process holds the outbox items it sends (a
dead process's items go out after it); a send may take a quarter of it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.bootstrap import build
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.storage.memory import MemoryStore


async def _policy_for(env: dict[str, str], tmp_path: Path) -> tuple[timedelta, float]:
    settings = Settings.from_env({"UPSTANDER_DATA_DIR": str(tmp_path), **env})
    runtime = await build(settings, store=MemoryStore(), clock=ManualClock())
    return runtime.deliveries.policy.lease, runtime.deliveries.policy.send_timeout


async def test_the_default_lease_is_two_minutes_with_thirty_seconds_per_send(
    tmp_path: Path,
) -> None:
    assert await _policy_for({}, tmp_path) == (timedelta(minutes=2), 30.0)


async def test_a_shorter_lease_shortens_the_time_a_send_may_take(tmp_path: Path) -> None:
    env = {"UPSTANDER_OUTBOX_LEASE_SECONDS": "12"}
    assert await _policy_for(env, tmp_path) == (timedelta(seconds=12), 3.0)


@pytest.mark.parametrize("raw", ["0", "-5", "soon"])
def test_a_lease_that_is_not_a_positive_number_stops_the_start(raw: str) -> None:
    with pytest.raises(SystemExit, match="UPSTANDER_OUTBOX_LEASE_SECONDS"):
        Settings.from_env({"UPSTANDER_OUTBOX_LEASE_SECONDS": raw})
