"""The content we ship: valid, every path ends, the 5Ds covered, locales fall back."""

from __future__ import annotations

import shutil
import subprocess
import sys
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


def test_the_validate_command_passes_on_the_shipped_content() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "content", "validate"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 errors" in done.stdout and "3 locales" in done.stdout


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
    from bot.core.intake import SUPPORT_TOPIC

    assert SUPPORT_TOPIC in shipped.topics, "the check-in's 'meanwhile' reading must exist"


def test_every_content_file_names_its_schema() -> None:
    files = [*CONTENT.rglob("*.yaml"), RESOURCES]
    assert len(files) > 15
    for path in files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        schema = (path.parent / first.split("=", 1)[1]).resolve()
        assert schema.exists(), f"{path} points at a missing schema {schema}"


def test_a_partial_translation_falls_back_to_english_per_text(tmp_path: Path) -> None:
    """A community's own translation may be partial: each missing text and scenario
    comes from English, while what is translated is used."""
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    spanish = content / "messages" / "es.yaml"
    lines = spanish.read_text(encoding="utf-8").splitlines(keepends=True)
    spanish.write_text("".join(x for x in lines if not x.startswith("checkin.what_next:")))
    (content / "scenarios" / "es" / "party-joke.yaml").unlink()
    catalog = load_catalog(content, RESOURCES)
    assert catalog.locale_for("es-ES") == "es" and catalog.locale_for("fr-FR") == "fr"
    assert catalog.locale_for("de") == "en"
    assert catalog.text("es", "practice.begin_button") == "Empezar"
    assert catalog.text("es", "checkin.what_next") == catalog.text("en", "checkin.what_next")
    translated = catalog.scenario("bus-phone-call", "es")
    assert translated is not None and translated.locale == "es"
    assert catalog.scenario("party-joke", "es") is catalog.scenarios["en"]["party-joke"]


# Issue 21: the bundled content in three complete languages, and its minimum size.
SHIPPED_LOCALES = ("en", "es", "fr")


def test_every_scenario_is_in_every_shipped_locale_with_the_same_steps(shipped: Catalog) -> None:
    english = shipped.scenarios["en"]
    assert set(shipped.scenarios) == set(SHIPPED_LOCALES)
    for locale in SHIPPED_LOCALES:
        translations = shipped.scenarios[locale]
        assert set(translations) == set(english), f"{locale}: {set(english) ^ set(translations)}"
        for scenario_id, original in english.items():
            translated = translations[scenario_id]
            assert set(translated.steps) == set(original.steps), f"{locale}/{scenario_id}"
            assert translated.focus == original.focus and translated.start == original.start
            for step_id, step in original.steps.items():
                theirs = translated.steps[step_id]
                ours = [(c.tactic, c.next) for c in step.choices]
                assert [(c.tactic, c.next) for c in theirs.choices] == ours, (
                    f"{locale}/{scenario_id}/{step_id} re-branches"
                )
            if locale != "en":
                assert translated.title != original.title, f"{locale}/{scenario_id} untranslated"
    for path in (CONTENT / "scenarios").glob("*.yaml"):
        for locale in SHIPPED_LOCALES[1:]:
            assert (CONTENT / "scenarios" / locale / path.name).exists(), f"{locale}/{path.name}"


def test_every_message_key_is_in_every_shipped_locale(shipped: Catalog) -> None:
    texts = shipped.copy.texts
    assert set(texts) == set(SHIPPED_LOCALES)
    for locale in SHIPPED_LOCALES:
        assert set(texts[locale]) == set(texts["en"]), (
            f"{locale}: {set(texts['en']) ^ set(texts[locale])}"
        )


def test_the_library_has_the_size_issue_21_asks_for(shipped: Catalog) -> None:
    """A scenario's "focus" is its `focus:` field: the Ds it is written to coach."""
    english = shipped.scenarios["en"]
    assert len(english) >= 24
    for tactic in Tactic.five_ds():
        coached = [s.id for s in english.values() if tactic in s.focus]
        assert len(coached) >= 6, f"{tactic} is the focus of only {coached}"
    distract_choices = [
        c
        for s in english.values()
        for step in s.steps.values()
        for c in step.choices
        if c.tactic is Tactic.DISTRACT
    ]
    assert len(distract_choices) >= 30
    assert len(shipped.topics) >= 12 and len(shipped.resources) >= 60


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


def test_every_reading_list_topic_is_in_every_shipped_locale(shipped: Catalog) -> None:
    for topic in shipped.topics.values():
        assert set(topic.translations) == set(SHIPPED_LOCALES[1:]), topic.id
        for locale in SHIPPED_LOCALES[1:]:
            translated = shipped.topic(topic.id, locale)
            assert translated is not None and translated.title != topic.title, (locale, topic.id)
            assert translated.summary != topic.summary, (locale, topic.id)


def test_the_bundled_content_misses_no_text_in_any_shipped_locale() -> None:
    """Strict by default on the bundled content: a missing text would be an error."""
    report = validate(CONTENT, RESOURCES, strict_locales=True)
    assert [str(p) for p in report.problems] == []
