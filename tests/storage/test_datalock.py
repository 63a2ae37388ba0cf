"""One bot per data directory: a second one stops at start-up, and a dead one's lock goes
with it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.bootstrap import build
from bot.config import Settings
from bot.storage.datalock import LOCK_FILE_NAME, DataDirInUse, DataDirLock
from tests.conftest import PgDatabase

ROOT = Path(__file__).resolve().parents[2]

HOLD = """
import sys, time
from pathlib import Path
from bot.storage.datalock import DataDirLock
lock = DataDirLock.take(Path(sys.argv[1]))
print("held", flush=True)
time.sleep(60)
"""


async def test_a_second_bot_on_the_same_data_directory_is_refused(settings: Settings) -> None:
    first = await build(settings)
    try:
        with pytest.raises(DataDirInUse) as refused:
            await build(settings)
        message = str(refused.value)
        assert str(settings.data_dir) in message and f"process {os.getpid()}" in message
        # The first bot is untouched: it still reads and writes its database.
        await first.store.stats.bump("p", "probe", "x")
        assert (await first.store.stats.counts("p", "probe"))["x"] == 1
    finally:
        await first.aclose()
    # Closed: the next bot starts.
    second = await build(settings)
    await second.aclose()


async def test_on_postgresql_two_bots_share_a_data_directory_and_a_database(
    settings: Settings, pg_database: PgDatabase
) -> None:
    env = {**settings.env, **pg_database.env()}
    first = await build(Settings.from_env(env))
    second = await build(Settings.from_env(env))
    try:
        assert first.data_lock is None and second.data_lock is None
        assert not (settings.data_dir / LOCK_FILE_NAME).exists()
        await first.store.stats.bump("p", "probe", "x")
        assert (await second.store.stats.counts("p", "probe"))["x"] == 1, "one database"
    finally:
        await first.aclose()
        await second.aclose()


async def test_the_lock_goes_with_a_killed_process(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        HOLD,
        str(folder),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert await asyncio.wait_for(holder.stdout.readline(), 30) == b"held\n"
        with pytest.raises(DataDirInUse, match=f"process {holder.pid}"):
            DataDirLock.take(folder)
    finally:
        holder.send_signal(signal.SIGKILL)
        await holder.wait()
    lock = DataDirLock.take(folder)  # nothing to clear by hand
    assert lock.held and (folder / LOCK_FILE_NAME).read_text().strip() == str(os.getpid())
    lock.release()
    lock.release()
    assert not lock.held


def test_the_command_line_says_why_it_cannot_start(settings: Settings, tmp_path: Path) -> None:
    lock = DataDirLock.take(settings.data_dir)
    try:
        env = {
            **os.environ,
            "UPSTANDER_DATA_DIR": str(settings.data_dir),
            "UPSTANDER_CONTENT_DIR": str(settings.content_dir),
            "UPSTANDER_RESOURCES": str(settings.resources_file),
        }
        for name in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
            env.pop(name, None)
        done = subprocess.run(
            [sys.executable, "-m", "bot", "console"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        lock.release()
    assert done.returncode == 1, done.stderr
    assert "cannot start: another Upstander bot" in done.stderr
    assert f"process {os.getpid()}" in done.stderr
    assert "Traceback" not in done.stderr
