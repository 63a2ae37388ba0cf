"""A crisis phrase that is not a valid pattern is a content error at its file and line."""

from __future__ import annotations

from pathlib import Path

from content_tree import Tree

from bot.content.loader import load_catalog

CHECKIN = """\
categories: [harassment, other]
urgencies: [whenever, right-now]
crisis:
  urgencies: [right-now]
  phrases:
    en:
      - not ... safe
      - (hurt|harm myself
      - kill* myself
    fr:
      - en danger
      - ... en finir
"""


def test_a_bad_crisis_pattern_is_reported_with_its_file_and_line(tree: Tree) -> None:
    shown = tree.write("content/checkin.yaml", CHECKIN)
    assert tree.errors() == [
        (
            shown,
            8,
            "crisis phrase '(hurt|harm myself' is not a valid pattern: "
            "'(' is never closed with ')'",
        ),
        (
            shown,
            12,
            "crisis phrase '... en finir' is not a valid pattern: "
            "'...' must stand between two words",
        ),
    ]


def test_valid_patterns_load(tree: Tree) -> None:
    tree.write(
        "content/checkin.yaml",
        CHECKIN.replace("(hurt|harm", "(hurt|harm)").replace("- ... en finir", "- en finir"),
    )
    assert tree.errors() == []


ROOT = Path(__file__).resolve().parents[2]


def test_every_shipped_region_has_its_emergency_number() -> None:
    catalog = load_catalog(ROOT / "scripts_content", ROOT / "resources.yaml")
    regions = set(catalog.crisis_lines) - {"default"}
    assert regions and set(catalog.emergency_numbers) == regions
    assert catalog.emergency_numbers["US"] == "911"
    assert catalog.emergency_numbers["GB"] == "999"
    assert catalog.emergency_numbers["AU"] == "000"
    assert catalog.emergency_numbers["FR"] == "112"
    assert catalog.crisis_lines["FR"], "French ships: France has its own line"


RESOURCES_TAIL = """\
crisis_lines:
  default:
    - name: Find A Helpline
      contact: findahelpline.com
  AU:
    emergency: 000
    lines:
      - name: Lifeline
        contact: Call 13 11 14
"""


def test_an_unquoted_emergency_number_is_an_error_at_its_line(tree: Tree) -> None:
    text = tree.resources.read_text(encoding="utf-8")
    head = text[: text.index("crisis_lines:")]
    shown = tree.write("resources.yaml", head + RESOURCES_TAIL)
    line = (head + RESOURCES_TAIL).splitlines().index("    emergency: 000") + 1
    errors = tree.errors()
    assert [(path, at) for path, at, _ in errors] == [(shown, line)]
    assert "text" in errors[0][2]


def test_a_region_may_still_be_a_bare_list_of_lines(tree: Tree) -> None:
    text = tree.resources.read_text(encoding="utf-8")
    head = text[: text.index("crisis_lines:")]
    tree.write(
        "resources.yaml", head + RESOURCES_TAIL.replace("emergency: 000", 'emergency: "000"')
    )
    assert tree.errors() == []
    catalog = load_catalog(tree.content, tree.resources)
    assert catalog.emergency_number("au") == "000"
    assert [line.name for line in catalog.crisis_lines_for("AU")] == ["Lifeline", "Find A Helpline"]
