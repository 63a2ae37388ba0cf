"""The crisis screen catches how people really say it, in every shipped language.

The corpora in tests/fixtures/crisis were written for this test: texts that must show the
crisis lines (`<locale>-danger.txt`) and everyday texts, near-misses included, that
should not (`<locale>-everyday.txt`). Every danger text must be caught; a few everyday
texts may show the lines too, since showing them to someone who is safe costs little.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.content.loader import load_catalog
from bot.core.catalog import Catalog
from bot.core.crisis import shows_danger
from bot.core.screen import PatternError, compile_screen, normalise, pattern_expression

ROOT = Path(__file__).resolve().parents[2]
CORPORA = ROOT / "tests" / "fixtures" / "crisis"
LOCALES = ("en", "es", "fr")
# The most everyday texts per locale that may show the lines (of 150 and more).
MAX_FALSE_ALARMS = 8
MIN_TEXTS = 150


@pytest.fixture(scope="module")
def shipped() -> Catalog:
    return load_catalog(ROOT / "scripts_content", ROOT / "resources.yaml")


def corpus(name: str) -> list[str]:
    lines = (CORPORA / name).read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip()]


@pytest.mark.parametrize(
    "text",
    [
        "I feel unsafe, he keeps following me home",
        "I do not feel safe going to work",
        "I cannot go on like this anymore",
    ],
)
def test_the_texts_the_old_screen_missed_show_the_lines(shipped: Catalog, text: str) -> None:
    assert shows_danger(shipped, text, "whenever")


@pytest.mark.parametrize("locale", LOCALES)
def test_every_danger_text_is_caught_by_its_own_locales_phrases(
    shipped: Catalog, locale: str
) -> None:
    texts = corpus(f"{locale}-danger.txt")
    assert len(set(texts)) >= MIN_TEXTS
    alone = replace(shipped, crisis_rules=shipped.crisis_rules.only(locale))
    missed = [text for text in texts if not shows_danger(alone, text, "whenever")]
    assert missed == []


@pytest.mark.parametrize("locale", LOCALES)
def test_everyday_texts_rarely_show_the_lines(shipped: Catalog, locale: str) -> None:
    texts = corpus(f"{locale}-everyday.txt")
    assert len(set(texts)) >= MIN_TEXTS
    alarms = [text for text in texts if shows_danger(shipped, text, "whenever")]
    assert len(alarms) <= MAX_FALSE_ALARMS, alarms
    # The near-misses the issue names stay quiet.
    for quiet in ("this deadline is killing me", "safe travels", "I'm going to end this meeting"):
        assert not shows_danger(shipped, quiet, "whenever")


def test_phrases_of_every_locale_count_whatever_the_members_locale(shipped: Catalog) -> None:
    assert shows_danger(shipped, "ya no aguanto, quiero morir", "whenever")
    assert shows_danger(shipped, "je n'en peux plus", "whenever")


def test_a_crisis_urgency_shows_the_lines_without_words(shipped: Catalog) -> None:
    assert shows_danger(shipped, "", "right-now")
    assert not shows_danger(shipped, "", "whenever")


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("I DON’T feel SAFE!!!", "i do not fel safe"),
        ("dont", "do not"),
        ("I cannot", "i can not"),
        ("can't won't", "can not wil not"),
        ("im sooooo tired", "i am so tired"),
        ("No estoy a salvo, ¡ayúdame!", "no estoy a salvo ayudame"),
        ("j’en peux plus", "j en peux plus"),
        ("self-harm", "self harm"),
    ],
)
def test_normalisation(written: str, normalised: str) -> None:
    assert normalise(written) == normalised


def test_a_gap_lets_a_few_words_through_and_no_more() -> None:
    screen = compile_screen(["not ... safe"])
    assert screen.matches("not safe")
    assert screen.matches("I do not really feel very safe")
    assert not screen.matches("not one two three four five safe")
    assert not screen.matches("I am safe now")


def test_stems_and_alternatives() -> None:
    screen = compile_screen(["kill* myself", "(hurt|cut) (myself|my arms)"])
    assert screen.matches("KILLING MYSELF")
    assert screen.matches("i cut my arms")
    assert not screen.matches("i kill time")
    assert not screen.matches("killing it")
    # Whole words: "skill myself" is not "kill myself".
    assert not screen.matches("I taught the skill myself")


def test_an_empty_rule_set_never_matches() -> None:
    assert not compile_screen([]).matches("anything at all")


@pytest.mark.parametrize(
    "pattern",
    ["(a|b", "a)", "... a", "a ...", "a ... ... b", "*a", "k*ll", "a|b", "x?", "(|a)", "!!!"],
)
def test_malformed_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(PatternError):
        pattern_expression(pattern)
