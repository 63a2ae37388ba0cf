"""A text missing in a shipped locale: an error in the bundled content, a warning in a
community's own, where members fall back to English."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import yaml

from bot.content.cli import validate_command
from bot.content.files import is_bundled
from bot.content.loader import load_catalog, validate
from bot.core.errors import Problem

ROOT = Path(__file__).resolve().parent.parent.parent
CONTENT = ROOT / "scripts_content"
RESOURCES = ROOT / "resources.yaml"


@pytest.fixture
def copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The bundled content, complete in every locale, as a community's own copy."""
    shutil.copytree(CONTENT, tmp_path / "content")
    shutil.copy(RESOURCES, tmp_path / "resources.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _problems(copy: Path, strict: bool | None) -> list[Problem]:
    report = validate(copy / "content", copy / "resources.yaml", strict_locales=strict)
    return list(report.problems)


def _drop_line(path: Path, starts: str) -> int:
    """Remove the line that starts so; return the line number it had."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    (index,) = [i for i, line in enumerate(lines) if line.startswith(starts)]
    path.write_text("".join(lines[:index] + lines[index + 1 :]), encoding="utf-8")
    return index + 1


def test_the_copy_of_the_bundled_content_misses_nothing(copy: Path) -> None:
    assert _problems(copy, strict=True) == []


@pytest.mark.parametrize(("strict", "severity"), [(True, "error"), (False, "warning")])
def test_a_missing_message_key(copy: Path, strict: bool, severity: str) -> None:
    spanish = copy / "content" / "messages" / "es.yaml"
    line = _drop_line(spanish, "library.next:")
    english_line = _key_line(CONTENT / "messages" / "en.yaml", "library.next:")
    assert _problems(copy, strict) == [
        Problem(
            "content/messages/es.yaml",
            line - 1,  # the key before it: where it goes back
            f"key 'library.next' (content/messages/en.yaml:{english_line}) is not translated;"
            " members reading it see the English text",
            severity,
        )
    ]


@pytest.mark.parametrize(("strict", "severity"), [(True, "error"), (False, "warning")])
def test_a_missing_scenario_translation(copy: Path, strict: bool, severity: str) -> None:
    (copy / "content" / "scenarios" / "fr" / "party-joke.yaml").unlink()
    original = CONTENT / "scenarios" / "party-joke.yaml"
    assert _problems(copy, strict) == [
        Problem(
            "content/scenarios/party-joke.yaml",
            _key_line(original, "id:"),
            "no 'fr' translation: add scenarios/fr/party-joke.yaml;"
            " members reading it see the English text",
            severity,
        )
    ]


@pytest.mark.parametrize(("strict", "severity"), [(True, "error"), (False, "warning")])
def test_a_missing_topic_translation(copy: Path, strict: bool, severity: str) -> None:
    resources = copy / "resources.yaml"
    text = resources.read_text(encoding="utf-8")
    start = text.index("  - id: wellbeing-burnout\n")
    fr_at = text.index("      fr:\n", start)
    after = text.index("    resources:\n", fr_at)
    resources.write_text(text[:fr_at] + text[after:], encoding="utf-8")
    line = text.count("\n", 0, start) + 1
    assert _problems(copy, strict) == [
        Problem(
            "resources.yaml",
            line,
            "topic 'wellbeing-burnout' has no 'fr' title and summary;"
            " members reading it see the English text",
            severity,
        )
    ]


@pytest.mark.parametrize(("strict", "severity"), [(True, "error"), (False, "warning")])
def test_a_translated_choice_without_feedback(copy: Path, strict: bool, severity: str) -> None:
    translation = copy / "content" / "scenarios" / "es" / "party-joke.yaml"
    lines = translation.read_text(encoding="utf-8").splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.startswith("        feedback: |"))
    end = next(i for i in range(first + 1, len(lines)) if not lines[i].startswith(" " * 10))
    lines[first:end] = ['        feedback: ""\n']
    translation.write_text("".join(lines), encoding="utf-8")
    choice = yaml.safe_load(lines[first - 2].strip().removeprefix("- "))["label"]
    assert _problems(copy, strict) == [
        Problem(
            "content/scenarios/es/party-joke.yaml",
            first + 1,
            f"choice {choice!r} has no feedback where the original has some;"
            " members reading it see none",
            severity,
        )
    ]


def test_scenarios_in_a_locale_with_no_bot_copy(copy: Path) -> None:
    german = copy / "content" / "scenarios" / "de"
    german.mkdir()
    text = (CONTENT / "scenarios" / "fr" / "party-joke.yaml").read_text(encoding="utf-8")
    (german / "party-joke.yaml").write_text(text.replace("locale: fr", "locale: de"))
    problems = _problems(copy, strict=True)
    assert (
        Problem(
            "content/messages/de.yaml",
            0,
            "file not found: scenarios are in 'de'; members reading it see the English text"
            " around them",
            "error",
        )
        in problems
    )
    missing = {p.path for p in problems if "no 'de' translation" in p.message}
    assert "content/scenarios/party-joke.yaml" not in missing and len(missing) >= 23
    assert all(p.severity == "error" for p in problems)


def test_a_broken_bot_copy_is_not_called_missing(copy: Path) -> None:
    spanish = copy / "content" / "messages" / "es.yaml"
    spanish.write_text(spanish.read_text(encoding="utf-8") + "broken: [1, 2]\n")
    problems = _problems(copy, strict=True)
    assert [p.path for p in problems] == ["content/messages/es.yaml"]
    assert "file not found" not in problems[0].message


def test_a_community_copy_loads_with_english_in_the_gaps(copy: Path) -> None:
    """Without a choice, content outside the repository only warns: it still serves."""
    _drop_line(copy / "content" / "messages" / "fr.yaml", "library.next:")
    report = validate(copy / "content", copy / "resources.yaml")
    assert report.errors == () and len(report.warnings) == 1
    catalog = load_catalog(copy / "content", copy / "resources.yaml")
    assert catalog.text("fr", "library.next") == catalog.text("en", "library.next")


def test_only_the_bundled_content_is_strict_by_default(copy: Path) -> None:
    assert is_bundled(CONTENT / "messages" / "es.yaml") and is_bundled(RESOURCES)
    assert is_bundled(CONTENT / "scenarios" / "fr" / "party-joke.yaml")
    assert not is_bundled(copy / "content" / "messages" / "es.yaml")
    assert not is_bundled(copy / "resources.yaml")


def test_the_validate_command_can_be_told_to_be_strict(copy: Path) -> None:
    _drop_line(copy / "content" / "messages" / "fr.yaml", "library.next:")
    lenient, strict = io.StringIO(), io.StringIO()
    assert validate_command(copy / "content", copy / "resources.yaml", lenient) == 0
    assert ": warning: key 'library.next'" in lenient.getvalue()
    content, resources = copy / "content", copy / "resources.yaml"
    assert validate_command(content, resources, strict, strict_locales=True) == 1
    assert "content/messages/fr.yaml" in strict.getvalue()
    assert ": warning: " not in strict.getvalue()


def _key_line(path: Path, starts: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(starts))
