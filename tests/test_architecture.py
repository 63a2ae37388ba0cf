"""The house rules a scan can check: bot/core imports no platform, storage or content
code, and bot/ stays lean (short functions, small classes)."""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
CORE = BOT / "core"
MAX_FUNCTION_LINES = 40
MAX_CLASS_METHODS = 25
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


def oversized(path: Path) -> list[str]:
    """Functions over MAX_FUNCTION_LINES lines (``def`` to its last line) and classes with
    over MAX_CLASS_METHODS methods of their own, as ``file:line name (size)``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > MAX_FUNCTION_LINES:
                found.append(f"{path.name}:{node.lineno} {node.name} ({lines} lines)")
        elif isinstance(node, ast.ClassDef):
            methods = sum(
                isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) for item in node.body
            )
            if methods > MAX_CLASS_METHODS:
                found.append(f"{path.name}:{node.lineno} {node.name} ({methods} methods)")
    return found


def test_no_long_function_and_no_large_class_in_bot() -> None:
    files = sorted(BOT.rglob("*.py"))
    assert len(files) > 50, "bot/ should be where this test looks"
    assert [found for path in files for found in oversized(path)] == []


def test_the_size_scan_would_catch_a_long_function_and_a_large_class(tmp_path: Path) -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES - 1))
    methods = "".join(f"    def m{i}(self) -> None: ...\n" for i in range(MAX_CLASS_METHODS + 1))
    sample = tmp_path / "sample.py"
    sample.write_text(
        f"def fits() -> None:\n{body}"
        f"async def too_long() -> None:\n{body}    return None\n"
        f"class Large:\n{methods}"
        f"class Fits:\n    def m(self) -> None: ...\n"
    )
    assert oversized(sample) == [
        f"sample.py:{MAX_FUNCTION_LINES + 1} too_long ({MAX_FUNCTION_LINES + 1} lines)",
        f"sample.py:{2 * MAX_FUNCTION_LINES + 2} Large ({MAX_CLASS_METHODS + 1} methods)",
    ]
