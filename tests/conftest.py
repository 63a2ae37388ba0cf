"""Fixtures shared by the core, storage and console tests."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from harness import Console, build_console
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from bot.config import Settings
from bot.core.clock import ManualClock

# No test depends on the machine's speed: no deadline per example, no "too slow" check,
# and no example database written into the working directory.
hypothesis_settings.register_profile(
    "upstander",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)
hypothesis_settings.load_profile("upstander")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A content tree with the shipped bot copy and check-in rules and one small scenario."""
    target = tmp_path / "content"
    (target / "scenarios").mkdir(parents=True)
    shutil.copytree(ROOT / "scripts_content" / "messages", target / "messages")
    shutil.copy(ROOT / "scripts_content" / "checkin.yaml", target / "checkin.yaml")
    shutil.copy(FIXTURES / "content" / "scenarios" / "lift-remark.yaml", target / "scenarios")
    shutil.copy(FIXTURES / "resources.yaml", tmp_path / "resources.yaml")
    return target


@pytest.fixture
def settings(tmp_path: Path, content_dir: Path) -> Settings:
    return Settings.from_env(
        {
            "UPSTANDER_DATA_DIR": str(tmp_path / "data"),
            "UPSTANDER_CONTENT_DIR": str(content_dir),
            "UPSTANDER_RESOURCES": str(tmp_path / "resources.yaml"),
            "UPSTANDER_CHECKIN_COOLDOWN_MINUTES": "5",
            "UPSTANDER_ESCALATE_AFTER_MINUTES": "10",
        }
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def console(settings: Settings, clock: ManualClock) -> AsyncIterator[Console]:
    """A whole bot on the in-memory store, driven through the console adapter."""
    harness = await build_console(settings, clock, sqlite=False)
    yield harness
    await harness.close()


@pytest.fixture
async def sqlite_console(settings: Settings, clock: ManualClock) -> AsyncIterator[Console]:
    harness = await build_console(settings, clock, sqlite=True)
    yield harness
    await harness.close()
