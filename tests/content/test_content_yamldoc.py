"""The YAML reader: safe_load's values, problems a moderator can act on, and lines."""

from __future__ import annotations

import datetime

import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.content.yamldoc import MAX_REPEATED_VALUES, read_yaml
from bot.core.errors import Problem

# safe_load with the parser the reader uses: libyaml takes a few texts the Python one refuses.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    assert doc.key_line_of(("steps", "a", "missing")) == 5


def test_lines_of_typed_keys_and_merged_values() -> None:
    text = "base: &b\n  x: 1\n  y: 2\nm:\n  <<: *b\n  y: 3\n1: one\n"
    doc, problems = read_yaml(text, "f.yaml")
    assert problems == []
    assert doc is not None and doc.data == yaml.safe_load(text)
    assert doc.line_of(("m", "x")) == 2  # merged: where it was written
    assert doc.line_of(("m", "y")) == 6  # written here: it wins over the merged one
    assert doc.key_line_of((1,)) == 7


def test_duplicate_keys_are_a_problem_and_the_last_one_wins_as_in_safe_load() -> None:
    doc, problems = read_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert problems == [Problem("f.yaml", 3, "duplicate key 'a' (first on line 1)")]
    assert doc is not None and doc.data == {"a": 3, "b": 2}
    assert doc.key_line_of(("a",)) == 3


def test_a_merged_key_written_again_is_not_a_duplicate() -> None:
    doc, problems = read_yaml("b: &b {x: 1}\nm:\n  <<: *b\n  x: 2\n", "f.yaml")
    assert problems == []
    assert doc is not None and doc.data["m"] == {"x": 2}  # type: ignore[index]


def test_a_mapping_merged_before_it_is_built_has_no_false_duplicates() -> None:
    # `b` is nested deeper than `a`, so merging it into `a` flattens it first.
    text = "c: &C {x: 1}\ndefs:\n  b: &B\n    <<: *C\n    x: 2\na:\n  <<: *B\n"
    doc, problems = read_yaml(text, "f.yaml")
    assert problems == []
    assert doc is not None and doc.data == yaml.load(text, Loader=SAFE_LOADER)


def test_a_key_that_is_a_list_is_a_problem_not_a_crash() -> None:
    doc, problems = read_yaml("? [a, b]\n: c\nd: e\n", "f.yaml")
    assert doc is not None and doc.data == {"d": "e"}
    assert [(p.line, p.message) for p in problems] == [
        (1, "a key must be a plain value, not a list or mapping")
    ]


def test_syntax_error_has_the_line() -> None:
    doc, problems = read_yaml("a: 1\n  b: 2\n", "f.yaml")
    assert doc is None
    assert len(problems) == 1
    assert problems[0].line == 2
    assert problems[0].message.startswith("YAML syntax error: mapping values are not allowed")


def test_control_characters_are_a_syntax_error_with_the_line() -> None:
    doc, problems = read_yaml("a: 1\nb: \x07\n", "f.yaml")
    assert doc is None
    assert [p.line for p in problems] == [2]
    assert "characters are not allowed" in problems[0].message


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


def test_an_alias_to_its_own_container_is_refused() -> None:
    doc, problems = read_yaml("a: &a [1, *a]\n", "f.yaml")
    assert doc is None
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
        f"aliases repeat more than {MAX_REPEATED_VALUES:,} values"
    ]


def test_dates_as_in_safe_load_and_impossible_ones_stay_text() -> None:
    doc, _ = read_yaml("good: 2026-11-21\nbad: 2026-13-45\nhex: 0x_\n", "f.yaml")
    assert doc is not None
    assert doc.data == {"good": datetime.date(2026, 11, 21), "bad": "2026-13-45", "hex": "0x_"}


def test_empty_file_is_none() -> None:
    doc, problems = read_yaml("# nothing here\n", "f.yaml")
    assert problems == []
    assert doc is not None and doc.data is None


def test_nesting_too_deep_is_a_problem_not_a_crash() -> None:
    deep = 100_000
    for text in ("a: " + "[" * deep + "]" * deep, "- " * deep + "x"):
        doc, problems = read_yaml(text, "f.yaml")
        assert doc is None and len(problems) == 1


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=20),
    st.dates(),
    st.sampled_from(["yes", "No", "~", "0x1f", "1_000", "<<", "=", "2026-13-45", "-", "!"]),
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


_PIECES = (
    "a", "b", "1", "yes", "~", ": ", "- ", "\n", "  ", "[", "]", "{", "}", ", ", "&x ", "*x",
    "<<: ", "!!str ", "? ", "|\n", ">\n", "'", '"', "#", "---\n", "\t", "2026-11-21",
)  # fmt: skip
_pieces = st.sampled_from(_PIECES)


@given(st.lists(_pieces, max_size=40))
def test_fragments_give_safe_load_values_or_a_problem(pieces: list[str]) -> None:
    text = "".join(pieces)
    doc, problems = read_yaml(text, "f.yaml")
    assert doc is not None or problems
    if doc is not None and not problems:
        # repr: the same keys in the same order, and NaN equal to NaN.
        assert repr(doc.data) == repr(yaml.load(text, Loader=SAFE_LOADER))


def test_a_null_key_written_twice_is_a_duplicate_too() -> None:
    _, problems = read_yaml("~: a\nnull: b\n", "f.yaml")
    assert [(p.line, p.message) for p in problems] == [(2, "duplicate key None (first on line 1)")]
