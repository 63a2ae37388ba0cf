"""Every path of every shipped scenario, in every shipped language, played through the
core as a member would: Begin, then the choice that leads to the path's next step, until
the recap. Each step shows its own text and each choice its own feedback, in that
language; the recap ends every run."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from bot.bootstrap import build
from bot.config import Settings
from bot.content.loader import load_catalog
from bot.content.playthrough import walk_paths
from bot.core.actors import Actor
from bot.core.app import Upstander
from bot.core.catalog import Catalog, Scenario
from bot.core.clock import ManualClock
from bot.core.messages import Reply
from bot.core.practice import BEGIN, CHOOSE
from bot.storage.memory import MemoryStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(ROOT / "scripts_content", ROOT / "resources.yaml")


def _pressed(reply: Reply, kind: str, index: int | None = None) -> str:
    ids = [a.id for a in reply.actions if a.kind == kind]
    if index is None:
        assert ids, f"no {kind} button in: {reply.text()[:200]}"
        return ids[0]
    (found,) = [i for i in ids if i.endswith(f":{index}")]
    return found


async def _play(app: Upstander, member: Actor, scenario: Scenario, path: list[str]) -> None:
    reply = await app.practice(member, scenario.id)
    reply = await app.press(member, _pressed(reply, BEGIN))
    for here, there in itertools.pairwise(path):
        step = scenario.steps[here]
        assert step.text.strip()[:40] in reply.text(), (scenario.locale, scenario.id, here)
        index = next(i for i, c in enumerate(step.choices) if c.next == there)
        reply = await app.press(member, _pressed(reply, CHOOSE, index))
        feedback = step.choices[index].feedback.strip()
        assert feedback[:40] in reply.text(), (scenario.locale, scenario.id, here, index)
    assert not [a for a in reply.actions if a.kind == CHOOSE], "the run ended in a recap"
    assert scenario.reflection.strip()[:40] in reply.text()


async def test_every_path_of_every_scenario_in_every_language(
    catalog: Catalog, tmp_path: Path
) -> None:
    runtime = await build(
        Settings.from_env({"UPSTANDER_DATA_DIR": str(tmp_path / "data")}),
        store=MemoryStore(),
        content=_Fixed(catalog),
        clock=ManualClock(),
    )
    played = 0
    try:
        for locale, scenarios in sorted(catalog.scenarios.items()):
            for scenario in scenarios.values():
                for n, path in enumerate(walk_paths(scenario)):
                    member = Actor("console", f"{locale}-{scenario.id}-{n}", locale=locale)
                    await _play(runtime.app, member, scenario, list(path))
                    played += 1
    finally:
        await runtime.aclose()
    assert {"en", "es", "fr"} <= set(catalog.scenarios)
    assert played >= 3 * 24, played


class _Fixed:
    """The shipped catalog as a content source that never reloads."""

    def __init__(self, catalog: Catalog) -> None:
        self.current = catalog

    async def reload(self) -> object:
        raise AssertionError("not reloaded here")

    def catalog(self, community: str) -> Catalog:
        return self.current  # every community is served the shipped content

    async def ready(self, community: str) -> None:
        return None
