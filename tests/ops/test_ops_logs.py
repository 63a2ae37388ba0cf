"""The process's log lines (bot/logs.py): JSON, and never a token or a configured secret."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet

from bot import logs

SIGNING_SECRET = "8f14e45fceea167a5a36dedd4bea2543"  # Slack's shape: plain hex
BOT_TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"


@pytest.fixture
def root_logger() -> Iterator[None]:
    """Give the root logger back as it was (``configure`` replaces its handlers)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        logs.configure("INFO", secrets=())
        root.handlers[:] = handlers
        root.setLevel(level)


@pytest.mark.usefixtures("root_logger")
def test_secrets_and_token_shapes_never_reach_the_log(capsys: pytest.CaptureFixture[str]) -> None:
    configured = Fernet.generate_key().decode()
    env = {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "UPSTANDER_SECRET_KEY": configured,
        "SLACK_APP_TOKEN": "short",  # too short to redact safely: ignored
    }
    # As ``python -m bot run`` does (its handler writes to this test's stderr).
    logs.configure("INFO", json_lines=True, secrets=logs.known_secrets(env))
    other_key = Fernet.generate_key().decode()  # a key the settings do not know
    log = logging.getLogger("bot.test")
    log.info("verifying with %s and %s", SIGNING_SECRET, BOT_TOKEN)
    log.warning("key %s, another %s", configured, other_key)
    try:
        raise RuntimeError(f"Authorization: Bearer {BOT_TOKEN} secret={SIGNING_SECRET}")
    except RuntimeError:
        log.exception("call failed")
    log.info("a short word stays: short")

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line["level"] for line in lines] == ["info", "warning", "error", "info"]
    text = json.dumps(lines)
    for secret in (SIGNING_SECRET, BOT_TOKEN, configured, other_key):
        assert secret not in text
    assert text.count("[redacted]") >= 6
    assert "call failed" in text and "RuntimeError" in lines[2]["exc"]
    assert lines[3]["msg"] == "a short word stays: short"
