"""`python -m bot run` with a platform's setting missing: it names the setting and exits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_run_names_the_missing_platform_setting_and_exits(settings: Settings) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DISCORD_", "SLACK_")) and key != "PORT"
    }
    env |= {
        "UPSTANDER_DATA_DIR": str(settings.data_dir),
        "UPSTANDER_CONTENT_DIR": str(settings.content_dir),
        "UPSTANDER_RESOURCES": str(settings.resources_file),
        "DISCORD_TOKEN": "a-token",
        "DISCORD_VOLUNTEER_CHANNEL_ID": "volunteers",  # a name, not the channel's id
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "cannot start: DISCORD_VOLUNTEER_CHANNEL_ID" in done.stderr
    assert "Traceback" not in done.stderr
