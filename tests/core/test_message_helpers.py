"""The small helpers practice, group practice and the adapters share."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.loader import load_catalog
from bot.core.catalog import Catalog
from bot.core.errors import NotFound
from bot.core.messages import Section, button_label, is_plain_number, section_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(ROOT / "scripts_content", ROOT / "resources.yaml")


def test_a_long_label_is_cut_with_an_ellipsis_to_the_limit() -> None:
    assert button_label("short") == "short"
    assert button_label("x" * 75) == "x" * 75
    cut = button_label("x" * 80)
    assert len(cut) == 75 and cut.endswith("…")
    assert button_label("abcdef", limit=4) == "abc…"


@pytest.mark.parametrize(
    ("text", "number"), [("12", True), ("0", True), ("", False), ("²", False), ("١", False)]
)
def test_only_ascii_digits_are_plain_numbers(text: str, number: bool) -> None:
    assert is_plain_number(text) is number


def test_a_section_reads_title_then_text() -> None:
    assert section_text(Section("body", title="Title")) == "Title\nbody"
    assert section_text(Section("body")) == "body"
    assert section_text(Section("", title="Title")) == "Title"


def test_a_scenario_that_is_gone_is_not_found(catalog: Catalog) -> None:
    known = catalog.scenario_list(catalog.default_locale)[0]
    assert catalog.scenario_or_raise(known.id, "fr") == catalog.scenario(known.id, "fr")
    with pytest.raises(NotFound) as raised:
        catalog.scenario_or_raise("no-such-scenario", catalog.default_locale)
    assert raised.value.key == "error.scenario_not_found"
