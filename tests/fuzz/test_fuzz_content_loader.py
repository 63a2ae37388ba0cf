"""The content loader on fuzzed files: ContentInvalid with located Problems, nothing else.

Each example copies the valid base tree (tests/content/fixtures/base) to a fresh
directory, replaces or adds one file (a scenario, a translation, the bot copy, the
check-in rules or the reading lists) and loads the tree.  The file holds arbitrary text
(YAML syntax fragments, tabs, control characters, anchors, tags, several documents),
valid YAML of the wrong shape, or the real file with values swapped for junk and keys
dropped.  Property: ``load_catalog`` returns a catalog or raises ``ContentInvalid``, and
then some error names the fuzzed file (its path, at a line inside it, or in the message
when another file needs what it lacks); any other exception fails.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content.loader import load_catalog
from bot.core.errors import ContentInvalid

BASE = Path(__file__).resolve().parent.parent / "content" / "fixtures" / "base"

TARGETS = (
    "content/scenarios/lunch-joke.yaml",
    "content/scenarios/new-one.yaml",
    "content/scenarios/es/lunch-joke.yaml",
    "content/messages/en.yaml",
    "content/checkin.yaml",
    "resources.yaml",
)

TOKENS = (
    "id: x\n", "steps:\n", "  ", "- ", ": ", "a:", "\t", "&a ", "*a", "<<: *a\n",
    "!!python/object:os.system ", "!!binary ", "{", "}", "[", "]", ",", "? ", "|\n", ">\n",
    "'", '"', "\n", "---\n", "...\n",
    "%YAML 1.2\n", "#", "\x00", "\x07", "\ufeff", "é", "2026-13-45", "null", "~", "yes", "1e999",
    "0x", "-.inf", "start:", "choices:", "tactic: direct\n",
)  # fmt: skip

texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(TOKENS), max_size=40).map("".join),
    st.builds(
        lambda a, b: a + b, st.lists(st.sampled_from(TOKENS), max_size=20).map("".join), st.text()
    ),
)

yaml_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30), st.dates()
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


def mutate(value: Any, data: st.DataObject, depth: int = 0) -> Any:
    """The real document with some values replaced by junk and some keys dropped."""
    if depth > 6:
        return value
    choice = data.draw(st.integers(0, 9))
    if choice == 0:
        return data.draw(yaml_values)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if data.draw(st.integers(0, 9)) == 0:
                continue  # dropped
            out[key] = mutate(item, data, depth + 1)
        return out
    if isinstance(value, list):
        return [mutate(item, data, depth + 1) for item in value]
    return value


def load(tree: Path) -> ContentInvalid | None:
    try:
        load_catalog(tree / "content", tree / "resources.yaml")
    except ContentInvalid as exc:
        return exc
    return None


def check(target: str, text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        shutil.copytree(BASE, tree)
        path = tree / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        refused = load(tree)
        if refused is None:
            return
        assert refused.problems
        for problem in refused.problems:
            assert problem.message and isinstance(problem.line, int) and problem.line >= 0
        lines = len(text.splitlines()) + 1
        errors = [p for p in refused.problems if p.severity == "error"]
        in_file = [p for p in errors if p.path.endswith(target)]
        assert all(p.line <= lines for p in in_file), [str(p) for p in in_file]
        # The file is named: where its mistake is, or where what it lacks is needed
        # ("category 'x' has no label: add `category.x` to …/messages/en.yaml").
        assert in_file or any(target in p.message for p in errors), [str(p) for p in errors]


FUZZ = settings(max_examples=60, deadline=None)


def test_the_base_tree_is_valid() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(BASE, Path(tmp) / "tree")
        assert load(Path(tmp) / "tree") is None


@FUZZ
@given(st.sampled_from(TARGETS), texts)
def test_arbitrary_text(target: str, text: str) -> None:
    check(target, text)


@FUZZ
@given(st.sampled_from(TARGETS), yaml_values, st.booleans())
def test_valid_yaml_of_the_wrong_shape(target: str, value: Any, flow: bool) -> None:
    check(target, yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True))


@FUZZ
@given(st.sampled_from([t for t in TARGETS if t != "content/scenarios/new-one.yaml"]), st.data())
def test_the_real_files_with_junk_in_them(target: str, data: st.DataObject) -> None:
    real = yaml.safe_load((BASE / target).read_text(encoding="utf-8"))
    check(target, yaml.safe_dump(mutate(real, data), allow_unicode=True, sort_keys=False))


NESTINGS = (
    lambda n: "[" * n + "]" * n,
    lambda n: "{a: " * n + "1" + "}" * n,
    lambda n: "".join("  " * i + "a:\n" for i in range(n)),
    lambda n: "".join("  " * i + "- \n" for i in range(n)),
    lambda n: "id: x\nsteps: " + "[" * n + "]" * n,
)


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(TARGETS), st.sampled_from(NESTINGS), st.integers(50, 3000))
def test_deep_nesting_is_a_problem_not_a_crash(target: str, nest: Any, depth: int) -> None:
    # Found by this file: past ~330 levels the YAML reader raised RecursionError.
    check(target, nest(depth))
