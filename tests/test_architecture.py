"""The dependency rule: bot/core imports no platform, storage or content code."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "bot" / "core"
FORBIDDEN = (
    "discord",
    "slack_bolt",
    "slack_sdk",
    "aiosqlite",
    "aiohttp",
    "yaml",
    "bot.adapters",
    "bot.storage",
    "bot.content",
)


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_core_imports_no_platform_storage_or_content_library() -> None:
    files = sorted(CORE.rglob("*.py"))
    assert len(files) > 10, "the core should be where this test looks"
    offenders = [
        f"{path.name}: {name}"
        for path in files
        for name in imported_modules(path)
        if any(name == banned or name.startswith(banned + ".") for banned in FORBIDDEN)
    ]
    assert offenders == []


def test_the_scan_would_catch_an_offender(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import discord\nfrom slack_sdk.web import WebClient\n")
    assert imported_modules(sample) == ["discord", "slack_sdk.web"]
