"""Logging that never carries tokens; personal text is kept out by the code that logs."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

# Slack tokens, Discord bot tokens, Fernet keys and bearer headers.
_SECRETS = re.compile(
    r"(xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+"
    r"|[MN][A-Za-z\d_-]{23,27}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,}"
    r"|Bot [A-Za-z\d_.-]{20,}|Bearer [A-Za-z\d_.-]{10,}"
    r"|(?<![A-Za-z\d_-])[A-Za-z\d_-]{43}=)"
)
# The deployment's own secrets, whatever their shape (a signing secret is plain hex).
_KNOWN: set[str] = set()
SECRET_SETTINGS = (
    "DISCORD_TOKEN",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_CLIENT_SECRET",
    "UPSTANDER_SECRET_KEY",
    "UPSTANDER_OLD_SECRET_KEYS",
)
MIN_SECRET_LENGTH = 8  # shorter values would blank out ordinary words


def redact(text: str) -> str:
    for secret in sorted(_KNOWN, key=len, reverse=True):  # a longer one may hold a shorter
        text = text.replace(secret, "[redacted]")
    return _SECRETS.sub("[redacted]", text)


def known_secrets(env: Mapping[str, str]) -> list[str]:
    """The values of the settings that hold secrets, for ``configure(secrets=...)``."""
    values = (part.strip() for name in SECRET_SETTINGS for part in env.get(name, "").split(","))
    return [value for value in values if value]


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "at": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class RedactingFilter(logging.Filter):
    """For handlers we do not format ourselves (pytest's capture, libraries' own)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


# What the Slack adapter hands slack-bolt to log to (bolt's own lines).
BOLT_LOGGER = "bot.adapters.slack.bolt"
LIBRARY_LOGGERS = (
    "discord",
    "slack_bolt",
    "slack_sdk",
    "aiosqlite",
    "asyncio",
    "alembic",
    "sqlalchemy",
    BOLT_LOGGER,
)


def configure(level: str = "INFO", *, json_lines: bool = True, secrets: Iterable[str] = ()) -> None:
    """Log to stderr (JSON lines, or plain for a person at a terminal), redacting token
    shapes and the exact ``secrets`` given (see ``known_secrets``)."""
    formatter = JsonFormatter() if json_lines else logging.Formatter(PLAIN)
    _install([_handler(logging.StreamHandler(sys.stderr), formatter)], level, secrets)


def configure_console(level: str, log_file: Path, *, secrets: Iterable[str] = ()) -> None:
    """For the console chat: everything at ``level`` to ``log_file``, and only warnings
    and above on screen, so that log lines do not land in the middle of the chat."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    to_file = _handler(
        logging.FileHandler(log_file, encoding="utf-8"), logging.Formatter(f"%(asctime)s {PLAIN}")
    )
    on_screen = _handler(logging.StreamHandler(sys.stderr), logging.Formatter(PLAIN))
    on_screen.setLevel(logging.WARNING)
    _install([to_file, on_screen], level, secrets)


PLAIN = "%(levelname)s %(name)s: %(message)s"


def _handler(handler: logging.Handler, formatter: logging.Formatter) -> logging.Handler:
    handler.setFormatter(formatter)
    handler.addFilter(RedactingFilter())
    return handler


def _install(handlers: list[logging.Handler], level: str, secrets: Iterable[str]) -> None:
    _KNOWN.clear()
    _KNOWN.update(s for s in secrets if len(s) >= MIN_SECRET_LENGTH)
    root = logging.getLogger()
    root.handlers[:] = handlers
    root.setLevel(level)
    # Library chatter at INFO (gateway heartbeats, HTTP) drowns the bot's own lines.
    for noisy in LIBRARY_LOGGERS:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
