"""The Dockerfile and compose.yaml say what the README promises (no Docker engine needed):
a non-root user, the data directory as a volume, two replicas on one PostgreSQL."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) pairs, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    pairs = [line.split(None, 1) for line in lines if line and not line.startswith("#")]
    return [(p[0].upper(), p[1] if len(p) > 1 else "") for p in pairs]


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return loaded


def test_the_image_is_slim_python_311_and_runs_the_bot_as_a_user_of_its_own() -> None:
    steps = dockerfile()
    assert steps[0] == ("FROM", "python:3.11-slim")
    users = [args for op, args in steps if op == "USER"]
    assert users and users[-1] not in ("root", "0", "0:0")
    last_user = max(i for i, (op, _) in enumerate(steps) if op == "USER")
    assert all(op != "RUN" for op, _ in steps[last_user:]), "nothing runs as root after USER"
    assert ("CMD", '["python", "-m", "bot", "run"]') in steps


def test_the_data_directory_is_a_volume_owned_by_that_user() -> None:
    steps = dockerfile()
    env = " ".join(args for op, args in steps if op == "ENV")
    assert "UPSTANDER_DATA_DIR=/data" in env.split()
    assert ("VOLUME", '["/data"]') in steps
    setup = " ".join(args for op, args in steps if op == "RUN")
    assert "chown upstander:upstander /data" in setup


def test_every_file_the_image_copies_is_in_the_repository() -> None:
    for op, args in dockerfile():
        if op == "COPY":
            *sources, _target = shlex.split(args)
            for source in sources:
                assert (ROOT / source).exists(), source


def test_compose_runs_two_replicas_on_one_postgresql() -> None:
    services = compose()["services"]
    assert services["postgres"]["image"] == "postgres:15"
    bot = services["bot"]
    assert bot["build"] == "."
    assert bot["deploy"]["replicas"] == 2
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    url = bot["environment"]["UPSTANDER_DATABASE_URL"]
    assert url.startswith("postgresql+asyncpg://upstander:")
    assert url.endswith("@postgres:5432/upstander")
    assert services["postgres"]["environment"]["POSTGRES_DB"] == "upstander"
    # One key for every replica, or one could not read what the other sealed.
    assert bot["environment"]["UPSTANDER_SECRET_KEY"].startswith("${UPSTANDER_SECRET_KEY:?")


def test_compose_mounts_the_data_volume_where_the_image_keeps_its_data() -> None:
    document = compose()
    bot = document["services"]["bot"]
    assert "bot-data:/data" in bot["volumes"]
    assert bot["environment"]["UPSTANDER_DATA_DIR"] == "/data"
    assert set(document["volumes"]) == {"bot-data", "postgres-data"}
    assert "postgres-data:/var/lib/postgresql/data" in document["services"]["postgres"]["volumes"]
