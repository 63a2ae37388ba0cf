"""The key check and rotation through the command line, as real processes: a wrong key
ends `run`, `console` and `db upgrade` with exit code 1 and one line saying which
variable to fix, never the key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.bootstrap import open_store
from bot.config import Settings
from bot.core.models import CheckIn, CheckinStatus
from tests.conftest import PgDatabase
from tests.storage.test_keys import T0

ROOT = Path(__file__).resolve().parents[2]
KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
REFUSAL = "UPSTANDER_SECRET_KEY does not open the stored data"


def _bot(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("UPSTANDER_", "SLACK_"))}
    clean.pop("DISCORD_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env={**clean, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _refused(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 1, done.stderr
    [line] = [line for line in done.stderr.splitlines() if REFUSAL in line]
    assert line.startswith(("cannot start: ", "error: ")), line
    assert "Traceback" not in done.stderr
    assert KEY_A not in done.stderr + done.stdout and KEY_B not in done.stderr + done.stdout


async def _made_under_a(env: dict[str, str]) -> None:
    store = await open_store(Settings.from_env({**env, "UPSTANDER_SECRET_KEY": KEY_A}))
    try:
        draft = CheckIn(
            id="c1", platform="console", member="console:ann", member_user_id="ann",
            member_name="Ann", pseudonym="Member C1", category="other", urgency="today",
            anonymous=True, text="private words", crisis=False, locale="en",
            status=CheckinStatus.DRAFT, created_at=T0,
        )  # fmt: skip
        await store.checkins.save_draft(draft)
        await store.checkins.open_checkin("c1", "console:ann", T0, lambda _: [])
    finally:
        await store.close_store()


async def _rotation_through_the_command_line(env: dict[str, str]) -> None:
    await _made_under_a(env)
    with_b = {**env, "UPSTANDER_SECRET_KEY": KEY_B}
    _refused(_bot({**with_b, "DISCORD_TOKEN": "not-a-real-token"}, "run"))
    _refused(_bot(with_b, "console"))
    _refused(_bot(with_b, "db", "upgrade"))
    _refused(_bot(with_b, "keys", "rotate"))  # rotating needs a key that opens the data
    done = _bot({**with_b, "UPSTANDER_OLD_SECRET_KEYS": f"{KEY_A}"}, "keys", "rotate")
    assert done.returncode == 0, done.stderr
    assert "re-sealed 1 check-in(s)" in done.stdout
    assert "UPSTANDER_OLD_SECRET_KEYS can be removed" in done.stdout
    done = _bot(with_b, "db", "upgrade")  # B alone now opens everything
    assert done.returncode == 0, done.stderr
    store = await open_store(Settings.from_env(with_b))
    try:
        active = await store.checkins.active_checkin("console:ann")
        assert active is not None and active.text == "private words"
    finally:
        await store.close_store()
    _refused(_bot({**env, "UPSTANDER_SECRET_KEY": KEY_A}, "console"))


async def test_a_wrong_key_stops_every_command_and_rotation_fixes_it_on_sqlite(
    tmp_path: Path, content_dir: Path
) -> None:
    env = {
        "UPSTANDER_DATA_DIR": str(tmp_path / "data"),
        "UPSTANDER_CONTENT_DIR": str(content_dir),
        "UPSTANDER_RESOURCES": str(tmp_path / "resources.yaml"),
    }
    await _rotation_through_the_command_line(env)


async def test_a_wrong_key_stops_every_command_and_rotation_fixes_it_on_postgresql(
    tmp_path: Path, content_dir: Path, pg_database: PgDatabase
) -> None:
    env = {
        "UPSTANDER_DATA_DIR": str(tmp_path / "data"),
        "UPSTANDER_CONTENT_DIR": str(content_dir),
        "UPSTANDER_RESOURCES": str(tmp_path / "resources.yaml"),
        **pg_database.env(),
    }
    await _rotation_through_the_command_line(env)


@pytest.mark.parametrize("command", [("console",), ("db", "upgrade")])
def test_a_malformed_old_key_is_refused_in_one_line(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    env = {
        "UPSTANDER_DATA_DIR": str(tmp_path / "data"),
        "UPSTANDER_SECRET_KEY": KEY_A,
        "UPSTANDER_OLD_SECRET_KEYS": "not-a-key",
    }
    done = _bot(env, *command)
    assert done.returncode == 1, done.stderr
    assert "each key in UPSTANDER_OLD_SECRET_KEYS must be a Fernet key" in done.stderr
    assert "Traceback" not in done.stderr
