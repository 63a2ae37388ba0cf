"""A crisis phrase that is not a valid pattern is a content error at its file and line."""

from __future__ import annotations

from content_tree import Tree

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
