"""`python -m bot content screen`, run as moderators run it: a process reading stdin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def screen(stdin: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UPSTANDER_", "SLACK_"))}
    env.pop("DISCORD_TOKEN", None)
    command = [sys.executable, "-m", "bot", "content", "screen", str(ROOT / "scripts_content")]
    return subprocess.run(
        [*command, *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def test_one_verdict_a_line_in_order(tmp_path: Path) -> None:
    texts = [
        "I feel unsafe, he keeps following me home",
        "this deadline is killing me",
        "",
        "no me siento segura en casa",
        "safe travels",
        "je n’en peux plus",
    ]
    done = screen("\n".join(texts) + "\n", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "crisis\tI feel unsafe, he keeps following me home",
        "ok\tthis deadline is killing me",
        "ok\t",
        "crisis\tno me siento segura en casa",
        "ok\tsafe travels",
        "crisis\tje n’en peux plus",
    ]


def test_locale_tries_one_locales_phrases_alone(tmp_path: Path) -> None:
    done = screen("no me siento segura en casa\nI want to die\n", "--locale", "es", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "crisis\tno me siento segura en casa",
        "ok\tI want to die",
    ]


def test_an_unknown_locale_is_refused(tmp_path: Path) -> None:
    done = screen("anything\n", "--locale", "xx", cwd=tmp_path)
    assert done.returncode == 2
    assert "no crisis phrases for locale 'xx'" in done.stderr
    assert done.stdout == ""
