"""The fast reader changes nothing anyone can see: values, problems and lines are those of
the located reader, whichever of the two ends up reading a file."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.content import yamlnodes
from bot.content.yamlfast import read_plain
from bot.content.yamlnodes import MAX_VALUES, read_yaml


def _same_as_located(text: str) -> None:
    fast, fast_problems = read_yaml(text, "f.yaml")
    located, located_problems = yamlnodes._read_located(text, "f.yaml")
    assert fast_problems == located_problems
    assert (fast is None) == (located is None)
    if fast is None or located is None:
        return
    # repr: the same keys in the same order, and NaN equal to NaN.
    assert repr(fast.data) == repr(located.data)
    assert fast.lines == located.lines
    assert fast.long_strings(3) == located.long_strings(3)


SCENARIO = """\
# a comment
id: lunch-joke
title: "A joke at lunch"
summary: >
  Folded
  text.
focus: [distract, delay]
steps:
  opening:
    text: |
      Block text.
    choices:
      - {label: 'Say so', tactic: direct, next: end}
      - label: Change the subject
        tactic: distract
        next: end
  end: {text: Done, end: true}
numbers: [1, 1.5, 0x1f, .nan, -.inf, 1_000]
words: [yes, No, on, off, ~, null, '', 2026-11-21, 2026-13-45, 2026-11-21 10:00:00]
empty:
"""


@pytest.mark.parametrize(
    "text",
    [
        SCENARIO,
        "",
        "# only a comment\n",
        "just text\n",
        "- a\n- [b, {c: d}]\n",
        "1: one\ntrue: yes\n2026-11-21: a date as a key\n~: null key\n",
        # What only the located reader takes, or reports:
        "a: &x [1, 2]\nb: *x\n",
        "base: &b {x: 1}\nm:\n  <<: *b\n  y: 2\n",
        "a: 1\nb: 2\na: 3\n",
        "1: a\n1.0: b\ntrue: c\n",
        "a: !!str 1\nb: !custom x\n",
        "? [a, b]\n: c\n",
        "a: 1\n---\nb: 2\n",
        "a: 1\n  b: 2\n",
        "a: [1, 2\n",
        "=: value key\n",
        "a: &a [1, *a]\n",
        "[" * 80 + "]" * 80 + "\n",
        "a:\n" + "".join("  " * level + "- \n" for level in range(1, 90)),
        "x: " + "y" * 2500 + "\n",
    ],
)
def test_a_file_reads_the_same_either_way(text: str) -> None:
    _same_as_located(text)


def test_the_fast_reader_leaves_what_it_does_not_take_to_the_located_reader() -> None:
    for text in ["a: &x 1\n", "a: *x\n", "a: !!int 1\n", "a: 1\na: 2\n", "<<: {a: 1}\n"]:
        assert read_plain(text, MAX_VALUES) is None, text
    assert read_plain("- 1\n- 2\n", 3) is not None
    assert read_plain("- 1\n- 2\n", 2) is None  # three values: the list and two numbers


def test_lines_are_worked_out_once_and_only_when_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    located_reads: list[str] = []
    read_located = yamlnodes._read_located

    def counted(text: str, shown_path: str) -> object:
        located_reads.append(text)
        return read_located(text, shown_path)

    monkeypatch.setattr(yamlnodes, "_read_located", counted)
    doc, _ = read_yaml("a:\n  b: 1\n", "f.yaml")
    assert doc is not None and doc.data == {"a": {"b": 1}}
    assert located_reads == []
    assert doc.key_line_of(("a", "b")) == 2
    assert doc.line_of(("a",)) == 2
    assert len(located_reads) == 1


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.dates(),
    st.sampled_from(["yes", "No", "~", "0x1f", "1_000", "<<", "=", "2026-13-45", "-", "!"]),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(_scalars.filter(lambda key: key == key), inner, max_size=4),
    ),
    max_leaves=24,
)


@given(_values, st.booleans())
def test_values_read_the_same_either_way(value: object, flow: bool) -> None:
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True)
    _same_as_located(text)
    # Written by hand, plain words are not quoted: the resolver types them.
    _same_as_located(text.replace("'", ""))


_pieces = st.sampled_from(
    [
        "a",
        "b",
        "1",
        "yes",
        "~",
        ": ",
        "- ",
        "\n",
        "  ",
        "[",
        "]",
        "{",
        "}",
        ", ",
        "&x ",
        "*x",
        "<<: ",
        "!!str ",
        "? ",
        "|\n",
        ">\n",
        "'",
        '"',
        "#",
        "---\n",
        "\t",
        "2026-11-21",
    ]
)


@given(st.lists(_pieces, max_size=40))
def test_fragments_read_the_same_either_way(pieces: list[str]) -> None:
    _same_as_located("".join(pieces))
