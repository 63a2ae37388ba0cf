"""Settings from the environment. Tokens and secrets live only there."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from bot.core.desk_support import DeskSettings
from bot.core.limits import LimitSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    content_dir: Path
    resources_file: Path
    secret_key: str | None = None
    # Keys the data may still be sealed under (UPSTANDER_OLD_SECRET_KEYS): they open, never seal.
    old_secret_keys: str | None = None
    desk: DeskSettings = field(default_factory=DeskSettings)
    watch_content: bool = False
    log_level: str = "INFO"
    # Seconds, at shutdown, to deliver what the outbox holds before closing the database
    # (what is left is delivered at the next start). Hosts allow ~30 s after SIGTERM.
    flush_seconds: float = 10.0
    # How long a process holds the outbox items it is sending: if it dies, another process
    # sends them after this long. A send may take a quarter of it.
    outbox_lease_seconds: float = 120.0
    # PostgreSQL (postgresql+asyncpg://user@host/db) for many processes; unset: SQLite.
    database_url: str | None = None
    # The PostgreSQL schema the tables live in (the server's search_path when unset).
    database_schema: str | None = None
    # A group practice session with no vote this long ends by itself (0: never).
    group_idle: timedelta = timedelta(minutes=120)
    # How long a community that removed the bot keeps its data before it is purged.
    removed_community_grace: timedelta = timedelta(days=30)
    # Per-community rate limits, counted in each process (docs/operators.md, "Limits").
    limits: LimitSettings = field(default_factory=LimitSettings)
    env: Mapping[str, str] = field(default_factory=dict)
    # Each community's own content files on disk, in <dir>/<community id>/ (issue 20.5).
    community_content_dir: Path | None = None

    @property
    def database(self) -> Path:
        return self.data_dir / "upstander.sqlite3"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        return cls(
            data_dir=Path(env.get("UPSTANDER_DATA_DIR", str(PROJECT_ROOT / "data"))),
            content_dir=Path(
                env.get("UPSTANDER_CONTENT_DIR", str(PROJECT_ROOT / "scripts_content"))
            ),
            resources_file=Path(
                env.get("UPSTANDER_RESOURCES", str(PROJECT_ROOT / "resources.yaml"))
            ),
            secret_key=env.get("UPSTANDER_SECRET_KEY") or None,
            old_secret_keys=env.get("UPSTANDER_OLD_SECRET_KEYS") or None,
            desk=DeskSettings(
                cooldown=timedelta(minutes=_number(env, "UPSTANDER_CHECKIN_COOLDOWN_MINUTES", 5)),
                escalate_after=timedelta(
                    minutes=_number(env, "UPSTANDER_ESCALATE_AFTER_MINUTES", 10)
                ),
                retention=timedelta(days=_number(env, "UPSTANDER_RETENTION_DAYS", 30)),
                crisis_region=env.get("UPSTANDER_CRISIS_REGION") or None,
                idle_close=timedelta(hours=_number(env, "UPSTANDER_IDLE_CLOSE_HOURS", 72)),
            ),
            watch_content=env.get("UPSTANDER_WATCH_CONTENT", "") in ("1", "true", "yes"),
            log_level=env.get("LOG_LEVEL", "INFO").upper(),
            flush_seconds=_number(env, "UPSTANDER_FLUSH_SECONDS", 10),
            outbox_lease_seconds=_positive(env, "UPSTANDER_OUTBOX_LEASE_SECONDS", 120),
            database_url=env.get("UPSTANDER_DATABASE_URL") or None,
            database_schema=env.get("UPSTANDER_DATABASE_SCHEMA") or None,
            group_idle=timedelta(minutes=_number(env, "UPSTANDER_GROUP_IDLE_MINUTES", 120)),
            removed_community_grace=timedelta(
                days=_number(env, "UPSTANDER_REMOVED_COMMUNITY_GRACE_DAYS", 30)
            ),
            limits=_limits(env),
            env=env,
            community_content_dir=_path_or_none(env.get("UPSTANDER_COMMUNITY_CONTENT_DIR")),
        )


def _limits(env: Mapping[str, str]) -> LimitSettings:
    """Per-community rate limits; 0 turns one off."""
    return LimitSettings(
        checkins_per_minute=_number(env, "UPSTANDER_COMMUNITY_CHECKINS_PER_MINUTE", 30),
        reloads_per_hour=_number(env, "UPSTANDER_COMMUNITY_RELOADS_PER_HOUR", 12),
        practice_in_flight=int(_number(env, "UPSTANDER_COMMUNITY_PRACTICE_IN_FLIGHT", 8)),
    )


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "")
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SystemExit(f"{name} must be a number, not {raw!r}") from exc


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    value = _number(env, name, default)
    if value <= 0:
        raise SystemExit(f"{name} must be above 0, not {value:g}")
    return value


def _path_or_none(value: str | None) -> Path | None:
    return Path(value) if value else None
