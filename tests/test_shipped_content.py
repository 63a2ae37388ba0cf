"""The content we ship: valid, every path ends, the 5Ds covered, locales fall back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from harness import Console

from bot.content.loader import load_catalog, validate
from bot.content.playthrough import playthrough_problems, walk_paths
from bot.core.actors import Actor
from bot.core.catalog import Catalog, Tactic

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "scripts_content"
RESOURCES = ROOT / "resources.yaml"


@pytest.fixture(scope="module")
def shipped() -> Catalog:
    return load_catalog(CONTENT, RESOURCES)


def test_every_shipped_file_validates_without_errors() -> None:
    report = validate(CONTENT, RESOURCES)
    assert [str(p) for p in report.errors] == []
    assert report.catalog is not None


def test_every_path_of_every_scenario_ends(shipped: Catalog) -> None:
    assert playthrough_problems(shipped) == []
    total = 0
    for locale, scenarios in shipped.scenarios.items():
        for scenario in scenarios.values():
            paths = walk_paths(scenario)
            assert paths, f"{locale}/{scenario.id} has no path"
            for path in paths:
                assert scenario.steps[path[-1]].end
                decisions = [s for s in path if scenario.steps[s].choices]
                assert len(decisions) >= 2, f"{scenario.id}: {path} has one decision point"
            total += len(paths)
    assert total > 50


def test_the_library_meets_the_brief(shipped: Catalog) -> None:
    english = shipped.scenarios["en"]
    assert len(english) >= 12
    for tactic in Tactic.five_ds():
        coached = [s.id for s in english.values() if tactic in s.focus]
        assert len(coached) >= 3, f"{tactic} is the focus of only {coached}"
    for scenario in english.values():
        tactics = {c.tactic for step in scenario.steps.values() for c in step.choices}
        assert Tactic.NONE in tactics, f"{scenario.id} has no 'none' choice"
        assert scenario.reflection and scenario.resources
    assert len(shipped.topics) >= 10 and len(shipped.resources) >= 40
    assert shipped.crisis_lines["default"] and len(shipped.crisis_lines) >= 5
    assert len(shipped.scenarios.get("es", {})) >= 3
    from bot.core.desk import SUPPORT_TOPIC

    assert SUPPORT_TOPIC in shipped.topics, "the check-in's 'meanwhile' reading must exist"


def test_every_content_file_names_its_schema() -> None:
    files = [*CONTENT.rglob("*.yaml"), RESOURCES]
    assert len(files) > 15
    for path in files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        schema = (path.parent / first.split("=", 1)[1]).resolve()
        assert schema.exists(), f"{path} points at a missing schema {schema}"


def test_spanish_falls_back_to_english_per_text(shipped: Catalog) -> None:
    assert shipped.locale_for("es-ES") == "es"
    assert shipped.locale_for("de") == "en"
    # French has the command wording so far; every other text falls back to English.
    assert shipped.locale_for("fr") == "fr"
    assert shipped.text("fr", "checkin.what_next") == shipped.text("en", "checkin.what_next")
    assert shipped.text("es", "practice.begin_button") == "Empezar"
    assert shipped.text("es", "checkin.what_next") == shipped.text("en", "checkin.what_next")
    translated = shipped.scenario("bus-phone-call", "es")
    assert translated is not None and translated.locale == "es"
    only_english = next(s for s in shipped.scenario_list("es") if s.locale == "en")
    assert shipped.scenario(only_english.id, "es") is only_english


async def test_reload_keeps_old_content_on_a_broken_file_and_swaps_on_a_good_one(
    console: Console, content_dir: Path
) -> None:
    scenario = content_dir / "scenarios" / "lift-remark.yaml"
    good = scenario.read_text()
    scenario.write_text(good.replace("title: A remark in the lift", "title: [unclosed"))
    refused = await console.say("/as moderator mo", "/reload")
    assert "Reload refused" in refused and "lift-remark.yaml:" in refused
    assert "A remark in the lift" in await console.say("/practice")

    scenario.write_text(good.replace("A remark in the lift", "A remark on the stairs"))
    assert "Content reloaded" in await console.say("/reload")
    assert "A remark on the stairs" in await console.say("/practice")


async def test_a_spanish_member_plays_in_spanish(console: Console, content_dir: Path) -> None:
    shutil.copy(CONTENT / "messages" / "es.yaml", content_dir / "messages" / "es.yaml")
    await console.say("/as moderator mo", "/reload")
    reply = await console.runtime.app.practice(
        Actor("console", "ana", locale="es-ES"), "lift-remark"
    )
    text = reply.text()
    assert "Aviso de contenido" in text
    assert [a.label for a in reply.actions] == ["Empezar", "Ahora no"]
