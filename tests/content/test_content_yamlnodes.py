"""The private YAML reader: safe_load's values, plus lines."""

from __future__ import annotations

import datetime

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.content.yamlnodes import MAX_VALUES, read_yaml
from bot.core.errors import Problem


def test_values_and_lines() -> None:
    doc, problems = read_yaml(
        "# a comment\nid: x\nsteps:\n  a:\n    text: |\n      hi\n"
        "    list:\n      - 1\n      - on\n",
        "f.yaml",
    )
    assert problems == []
    assert doc is not None
    assert doc.data == {"id": "x", "steps": {"a": {"text": "hi\n", "list": [1, True]}}}
    assert doc.line_of(("id",)) == 2
    assert doc.key_line_of(("steps", "a")) == 4
    assert doc.line_of(("steps", "a", "list", 1)) == 9
    # A path that does not exist falls back to its nearest ancestor.
    assert doc.line_of(("steps", "a", "missing")) == 5


def test_duplicate_keys_are_a_problem_and_the_last_one_wins_as_in_safe_load() -> None:
    doc, problems = read_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert problems == [Problem("f.yaml", 3, "duplicate key 'a' (first on line 1)")]
    assert doc is not None and doc.data == {"a": 3, "b": 2}


def test_merge_keys_and_aliases_work_as_in_safe_load() -> None:
    text = "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\nn: *b\n"
    doc, problems = read_yaml(text, "f.yaml")
    assert problems == []
    assert doc is not None and doc.data == yaml.safe_load(text)


def test_syntax_error_has_the_line() -> None:
    doc, problems = read_yaml("a: 1\n  b: 2\n", "f.yaml")
    assert doc is None
    assert problems == [
        Problem("f.yaml", 2, "YAML syntax error: mapping values are not allowed here")
    ]


def test_control_characters_are_a_syntax_error_with_the_line() -> None:
    doc, problems = read_yaml("a: 1\nb: \x07\n", "f.yaml")
    assert doc is None
    assert [(p.line, p.message) for p in problems] == [
        (2, "YAML syntax error: special characters are not allowed")
    ]


def test_two_documents_in_one_file_are_refused() -> None:
    doc, problems = read_yaml("a: 1\n---\nb: 2\n", "f.yaml")
    assert doc is None
    assert [p.line for p in problems] == [2]


def test_unsafe_tags_are_refused_not_run() -> None:
    doc, problems = read_yaml("a: !!python/object/apply:os.system [echo hi]\n", "f.yaml")
    assert doc is not None and doc.data == {"a": ["echo hi"]}
    assert [(p.line, p.message) for p in problems] == [
        (1, "unsupported YAML tag 'tag:yaml.org,2002:python/object/apply:os.system'")
    ]


def test_an_alias_to_its_own_container_does_not_recurse_forever() -> None:
    doc, problems = read_yaml("a: &a [1, *a]\n", "f.yaml")
    assert doc is not None and doc.data == {"a": [1, None]}
    assert [p.message for p in problems] == [
        "an alias refers to the mapping or list that contains it"
    ]


def test_alias_bombs_are_stopped() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 8):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    doc, problems = read_yaml("\n".join(lines) + "\n", "f.yaml")
    assert doc is None
    assert [p.message for p in problems] == [
        f"more than {MAX_VALUES} values once aliases are expanded"
    ]


def test_dates_as_in_safe_load_and_impossible_dates_stay_text() -> None:
    doc, _ = read_yaml("good: 2026-11-21\nbad: 2026-13-45\n", "f.yaml")
    assert doc is not None
    assert doc.data == {"good": datetime.date(2026, 11, 21), "bad": "2026-13-45"}


def test_empty_file_is_none() -> None:
    doc, problems = read_yaml("# nothing here\n", "f.yaml")
    assert problems == []
    assert doc is not None and doc.data is None


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=20),
    st.dates(),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=8), inner, max_size=4),
    ),
    max_leaves=20,
)


@given(_values, st.booleans())
def test_same_values_as_safe_load(value: object, flow: bool) -> None:
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True)
    doc, problems = read_yaml(text, "f.yaml")
    assert problems == []
    assert doc is not None
    assert doc.data == yaml.safe_load(text)


def test_nesting_libyaml_cannot_take_is_a_recursion_error_not_a_crash() -> None:
    # libyaml's composer recurses in C without a limit; this deep it would crash the process.
    deep = 100_000
    for text in ("a: " + "[" * deep + "]" * deep, "- " * deep + "x"):
        with pytest.raises(RecursionError):
            read_yaml(text, "f.yaml")
