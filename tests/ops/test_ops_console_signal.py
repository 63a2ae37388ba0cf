"""Ctrl-C in the console (``python -m bot console`` on a terminal), with real signals."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ops_support import ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal")

WAIT = 60.0


def _read_until(fd: int, wanted: bytes, seen: bytearray) -> None:
    deadline = time.monotonic() + WAIT
    while wanted not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"{wanted!r} never came: {bytes(seen)!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the terminal closed: the process ended
                chunk = b""
            assert chunk, f"{wanted!r} never came before the end: {bytes(seen)!r}"
            seen.extend(chunk)


def test_ctrl_c_closes_the_database_and_a_second_one_leaves(
    tmp_path: Path, content_dir: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.update(
        {
            "UPSTANDER_DATA_DIR": str(tmp_path / "data"),
            "UPSTANDER_CONTENT_DIR": str(content_dir),
            "UPSTANDER_RESOURCES": str(tmp_path / "resources.yaml"),
        }
    )
    fd, terminal = pty.openpty()  # the console reads a terminal, as with `make run`
    child = subprocess.Popen(
        [sys.executable, "-m", "bot", "console"],
        cwd=ROOT,
        env=env,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        start_new_session=True,
    )
    os.close(terminal)
    seen = bytearray()
    try:
        _read_until(fd, b"> ", seen)  # the prompt: it is reading the terminal
        child.send_signal(signal.SIGINT)
        # Said once the database is closed (the log line itself goes to the log file).
        _read_until(fd, b"press Enter", seen)
        child.send_signal(signal.SIGINT)  # it would wait for Enter; a second Ctrl-C leaves
        # Our handler exits 130; if the signal lands while the interpreter is already
        # finishing, Python's own handler ends it by SIGINT: either way it left at once.
        assert child.wait(timeout=WAIT) in (128 + signal.SIGINT, -signal.SIGINT)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        os.close(fd)
    logged = (tmp_path / "data" / "upstander.log").read_text(encoding="utf-8")
    assert "SIGINT received: shutting down" in logged and "database closed" in logged
    assert b"SIGINT received" not in seen, "log lines stay out of the chat"
    wal = tmp_path / "data" / "upstander.sqlite3-wal"
    assert not wal.exists() or wal.stat().st_size == 0
