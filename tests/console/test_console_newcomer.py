"""What a newcomer meets in the first minutes, through the real entry point."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_console_e2e import console_process

from bot import logs

ROOT = Path(__file__).resolve().parents[2]

# A member sends a check-in; a volunteer comes on duty and claims it; the member writes.
CHECKIN_AND_CLAIM = (
    "/as member sam\n/checkin\nI need to talk\n2\n1\n1\n1\n"
    "/as volunteer vic\n/volunteer on\no1\n"
    "/as member sam\nhello there\n/quit\n"
)


def test_every_message_to_someone_else_prints_once(tmp_path: Path, content_dir: Path) -> None:
    done = console_process(
        CHECKIN_AND_CLAIM, tmp_path / "data", content_dir, tmp_path / "resources.yaml"
    )
    out = done.stdout
    assert out.count("→ #volunteers\n** Check-in from Member") == 1, out
    assert out.count("→ DM to vic\n** Member") == 2, out  # the details, then "hello there"
    assert out.count("hello there\n") == 2, out  # typed (echoed), then relayed once
    assert out.count("→ DM to sam") == 1, out
    assert out.count("(updates message") == 1, out


def test_log_lines_go_to_a_file_in_the_data_dir_not_into_the_chat(
    tmp_path: Path, content_dir: Path
) -> None:
    data = tmp_path / "data"
    done = console_process(CHECKIN_AND_CLAIM, data, content_dir, tmp_path / "resources.yaml")
    assert "INFO" not in done.stdout + done.stderr
    assert "check-in" not in done.stderr
    logged = (data / "upstander.log").read_text(encoding="utf-8")
    assert "INFO bot.core.desk: check-in" in logged and "opened" in logged
    assert "I need to talk" not in logged and "hello there" not in logged


def test_the_console_starts_even_where_platform_tokens_are_set(
    tmp_path: Path, content_dir: Path
) -> None:
    done = console_process(
        "/as member sam\n/quit\n",
        tmp_path / "data",
        content_dir,
        tmp_path / "resources.yaml",
        DISCORD_TOKEN="not-a-real-token",
        SLACK_BOT_TOKEN="xoxb-not-a-real-token",
    )
    assert "Upstander console." in done.stdout and "You are now sam, member." in done.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_starts_the_console() -> None:
    dry = subprocess.run(
        ["make", "--dry-run", "--always-make", "--no-print-directory", "run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    started = [line for line in dry.stdout.splitlines() if "-m bot" in line]
    assert len(started) == 1 and started[0].endswith("-m bot console"), dry.stdout


def test_run_without_tokens_says_so_in_one_line_and_fails(
    tmp_path: Path, content_dir: Path
) -> None:
    env = {
        **os.environ,
        "UPSTANDER_DATA_DIR": str(tmp_path / "data"),
        "UPSTANDER_CONTENT_DIR": str(content_dir),
        "UPSTANDER_RESOURCES": str(tmp_path / "resources.yaml"),
    }
    for name in (
        "DISCORD_TOKEN",
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
    ):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input="/quit\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "DISCORD_TOKEN or SLACK_BOT_TOKEN" in done.stderr


def test_the_console_log_file_redacts_secrets_as_the_screen_does(tmp_path: Path) -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    secret = "a-signing-secret-0123456789"
    try:
        logs.configure_console("INFO", tmp_path / "data" / "upstander.log", secrets=[secret])
        logging.getLogger("bot.test").info("verifying with %s", secret)
        for handler in root.handlers:
            handler.flush()
            handler.close()
    finally:
        logs.configure("INFO", secrets=())
        root.handlers[:] = handlers
        root.setLevel(level)
    logged = (tmp_path / "data" / "upstander.log").read_text(encoding="utf-8")
    assert "verifying with [redacted]" in logged and secret not in logged
