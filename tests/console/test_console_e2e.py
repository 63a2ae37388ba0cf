"""The real entry point, stdin piped: a whole practice run as a newcomer would type it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_console(script: str, env_dir: Path, content_dir: Path, resources: Path) -> str:
    return console_process(script, env_dir, content_dir, resources).stdout


def console_process(
    script: str, env_dir: Path, content_dir: Path, resources: Path, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    """``python -m bot console`` (what ``make run`` starts) with ``script`` piped in."""
    env = {
        **os.environ,
        "UPSTANDER_DATA_DIR": str(env_dir),
        "UPSTANDER_CONTENT_DIR": str(content_dir),
        "UPSTANDER_RESOURCES": str(resources),
    }
    env.pop("DISCORD_TOKEN", None)
    env.pop("SLACK_BOT_TOKEN", None)
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input=script,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )


def test_a_piped_practice_run_reads_like_a_conversation(tmp_path: Path, content_dir: Path) -> None:
    script = "/as member sam\n/practice\n1\n1\n1\n/quit\n"
    out = run_console(script, tmp_path / "data", content_dir, tmp_path / "resources.yaml")
    expected_in_order = [
        "Upstander console.",
        "> /as member sam",
        "You are now sam, member.",
        "> /practice",
        "[1] A remark in the lift",
        "> 1",
        "Content note: this scenario includes a remark about religion.",
        "[1] Begin",
        "> 1",
        "The doors close.",
        "[1] Ask the woman which floor she needs",
        "> 1",
        "You chose: Ask the woman which floor she needs (Distract)",
        "The lift reaches the lobby",
    ]
    position = 0
    for expected in expected_in_order:
        found = out.find(expected, position)
        assert found != -1, f"missing {expected!r} after position {position} in:\n{out}"
        position = found + len(expected)
    assert (tmp_path / "data" / "upstander.sqlite3").exists(), "progress went to the data dir"
    assert not Path("data").joinpath("never").exists()


def test_progress_survives_between_two_processes(tmp_path: Path, content_dir: Path) -> None:
    resources = tmp_path / "resources.yaml"
    run_console(
        "/as member sam\n/practice lift-remark\n1\n1\n", tmp_path / "d", content_dir, resources
    )
    out = run_console("/as member sam\n/practice\n2\n", tmp_path / "d", content_dir, resources)
    assert "[2] Resume: A remark in the lift" in out
    assert "The lift reaches the lobby" in out


def test_content_preview_plays_one_scenario_and_stores_nothing(
    tmp_path: Path, content_dir: Path
) -> None:
    env = {
        **os.environ,
        "UPSTANDER_DATA_DIR": str(tmp_path / "data"),
        "UPSTANDER_CONTENT_DIR": str(content_dir),
        "UPSTANDER_RESOURCES": str(tmp_path / "resources.yaml"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "content", "preview", "lift-remark"],
        input="1\n3\n3\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    assert "Content note: this scenario includes a remark about religion." in done.stdout
    assert "You chose: Look at your phone (Not stepping in)" in done.stdout
    assert "She leaves the building on her own." in done.stdout
    assert not (tmp_path / "data" / "upstander.sqlite3").exists(), "a preview stores nothing"
    missing = subprocess.run(
        [sys.executable, "-m", "bot", "content", "preview", "nope"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 1 and "no scenario with id 'nope'" in missing.stderr
