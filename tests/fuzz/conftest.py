"""The fuzz tests: hypothesis properties over the adapters' payload conversion, the real
HTTP and gateway paths, and the content loader (see each module's docstring).

The through-the-wire tests reuse the adapters' own fixtures rather than copies of them:
``bot`` (the Slack app served over HTTP, from tests/slack/conftest.py) and
``discord_bot`` (the Discord client on the stand-in gateway, from
tests/discord/conftest.py).  Those conftests import ``slack_harness`` from tests/slack
and ``tests.discord.*`` from the repository root, which pytest puts on ``sys.path`` only
when it collects those folders (or under ``python -m pytest``), so both are added here
for a run of tests/fuzz alone.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
TESTS = HERE.parent
for path in (TESTS / "slack", TESTS.parent):
    if str(path) not in sys.path:
        sys.path.append(str(path))


def _load(name: str, path: Path) -> object:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_slack = _load("fuzz_slack_fixtures", TESTS / "slack" / "conftest.py")
_discord = _load("fuzz_discord_fixtures", TESTS / "discord" / "conftest.py")

# Re-exported: pytest finds fixtures by name in a conftest's namespace.
runtime = _slack.runtime  # type: ignore[attr-defined]
slack = _slack.slack  # type: ignore[attr-defined]
bot = _slack.bot  # type: ignore[attr-defined]
standin = _discord.standin  # type: ignore[attr-defined]
discord_settings = _discord.discord_settings  # type: ignore[attr-defined]
discord_bot = _discord.discord_bot  # type: ignore[attr-defined]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Payloads carry strings of up to 100,000 characters on purpose; hypothesis warns when
    # it builds a repr that large for its own reporting, which is not a finding.
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings("ignore:Generating overly large repr"))
