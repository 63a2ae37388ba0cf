"""The keys the code asks the bot copy for are the ones validation insists on, and the
shipped copy has every one."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import yaml

from bot.core.copy_keys import REQUIRED_COPY_KEYS

ROOT = Path(__file__).resolve().parent.parent
KEY = re.compile(r"^[a-z_]+\.[a-z0-9_.-]+$")
# Calls that take a copy key, and where: Copy.text / Catalog.text, the adapters' helpers,
# and the user-facing errors, whose first argument is the key of their message.
KEY_ARGUMENT = {
    "text": 1,
    "copy": 2,
    "_copy": 0,
    "NotFound": 0,
    "Conflict": 0,
    "PermissionDenied": 0,
    "UserFacingError": 0,
}
# Keys built from a value (f"tactic.{...}"): each family is listed in copy_keys, or is
# content the check-in rules name (categories and urgencies).
BUILT_FAMILIES = {
    "tactic.",
    "checkin.status_",
    "audit.action_",
    "category.",
    "urgency.",
    "schedule.day_",
    "setup.field.",
    "setup.name.",
}


def shipped_keys() -> set[str]:
    text = (ROOT / "scripts_content" / "messages" / "en.yaml").read_text(encoding="utf-8")
    return set(yaml.safe_load(text))


def trees() -> Iterator[ast.AST]:
    for path in sorted((ROOT / "bot").rglob("*.py")):
        yield ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def key_arguments(tree: ast.AST) -> Iterator[ast.expr]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        position = KEY_ARGUMENT.get(name)
        if position is not None and len(node.args) > position:
            yield node.args[position]


def test_every_key_the_code_names_is_required() -> None:
    shipped = shipped_keys()
    named: set[str] = set()
    for tree in trees():
        for argument in key_arguments(tree):
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                named.add(argument.value)
        # Keys handed around before they are looked up (returned, kept in a constant).
        named |= {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            if node.value in shipped
        }
    assert len(named) > 100, "the scan should find the code's keys"
    assert sorted(named - REQUIRED_COPY_KEYS) == []


def test_every_key_the_code_builds_is_of_a_known_family() -> None:
    prefixes: set[str] = set()
    for tree in trees():
        for argument in key_arguments(tree):
            if isinstance(argument, ast.JoinedStr) and argument.values:
                first = argument.values[0]
                if isinstance(first, ast.Constant) and KEY.match(f"{first.value}x"):
                    prefixes.add(str(first.value))
    assert prefixes == BUILT_FAMILIES


def test_the_shipped_copy_has_every_required_key() -> None:
    assert sorted(REQUIRED_COPY_KEYS - shipped_keys()) == []
