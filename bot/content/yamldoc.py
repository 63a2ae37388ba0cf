"""One YAML document read with PyYAML's safe loader, and where each of its values was written.

Values come from `yaml.CSafeLoader` (libyaml) when PyYAML was built with it, from
`yaml.SafeLoader` otherwise: `yaml.safe_load`'s values. What safe_load would accept
silently (a key written twice) or refuse with no line (a tag it does not know, an impossible
date) becomes a problem at its line instead, and aliases that loop or repeat too much are
refused before any value is built.

Lines come from the loader's nodes, and are looked up only when a problem needs one: the
file is composed again then. Keeping every file's nodes, or a line for every value, alive
through a whole load made the garbage collector walk them over and over.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping

import yaml

from bot.core.errors import Problem

# The position of a value inside a document: mapping keys and sequence indices, in order.
NodePath = tuple[Hashable, ...]

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
# What an anchor looks like: only a document with one can hold aliases. Text such as
# "Q & A" or "R&D" never matches; a rare false match only costs a walk over the nodes.
_ANCHOR = re.compile(r"(?<![^\s\[{,])&[^\s\[\]{},]")

# Aliases repeat the values they point at: "billion laughs" files repeat a few values
# exponentially. A library's own files never come near this many repeats; files that use
# no anchors are not limited at all.
MAX_REPEATED_VALUES = 1_000_000


# What `_put` returns for a key it could not use; distinct from every value YAML gives.
_UNUSABLE = object()


class _ContentLoader(_Loader):  # type: ignore[misc,valid-type]
    """safe_load's loader that notes what a moderator should fix instead of hiding it."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.notes: list[tuple[yaml.Node, str]] = []
        self.longest_text = 0
        # Each mapping's own pairs, before merges (`<<: *anchor`) were flattened into it:
        # a mapping merged into another is flattened then, perhaps before it is built.
        self._written: dict[yaml.Node, list[tuple[yaml.Node, yaml.Node]]] = {}

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        if node not in self._written:
            self._written[node] = [pair for pair in node.value if pair[0].tag != _MERGE_TAG]
        super().flatten_mapping(node)

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Hashable, object]:
        if not isinstance(node, yaml.MappingNode):
            return super().construct_mapping(node, deep)  # type: ignore[no-any-return]
        self.flatten_mapping(node)  # merged keys first: the ones written here win
        written = self._written[node]
        mapping: dict[Hashable, object] = {}
        for key_node, value_node in node.value[: len(node.value) - len(written)]:
            self._put(mapping, key_node, value_node, deep)
        first: dict[Hashable, yaml.Node] = {}
        for key_node, value_node in written:
            key = self._put(mapping, key_node, value_node, deep)
            if key in first:
                message = f"duplicate key {key!r} (first on line {_line(first[key])})"
                self.notes.append((key_node, message))
            elif key is not _UNUSABLE:
                first[key] = key_node
        return mapping

    def construct_sequence(self, node: yaml.Node, deep: bool = False) -> list[object]:
        if not isinstance(node, yaml.SequenceNode):
            return super().construct_sequence(node, deep)  # type: ignore[no-any-return]
        return [self._value(child, deep) for child in node.value]

    def _put(
        self,
        mapping: dict[Hashable, object],
        key_node: yaml.Node,
        value_node: yaml.Node,
        deep: bool,
    ) -> Hashable:
        key = self._value(key_node, deep)
        try:
            hash(key)
        except TypeError:
            self.notes.append((key_node, "a key must be a plain value, not a list or mapping"))
            return _UNUSABLE
        mapping[key] = self._value(value_node, deep)
        return key

    def _value(self, node: yaml.Node, deep: bool) -> object:
        if node.tag == _STR_TAG and type(node) is yaml.ScalarNode:
            # What construct_object gives for text, without its bookkeeping: most values
            # are text, and that bookkeeping was a large part of reading a library.
            text: str = node.value
            if len(text) > self.longest_text:
                self.longest_text = len(text)
            return text
        return self.construct_object(node, deep=deep)


def _unknown_tag(loader: _ContentLoader, node: yaml.Node) -> object:
    loader.notes.append((node, f"unsupported YAML tag {node.tag!r}"))
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


def _text_if_invalid(construct: Callable[[yaml.SafeLoader, yaml.Node], object]) -> object:
    def constructor(loader: _ContentLoader, node: yaml.Node) -> object:
        try:
            return construct(loader, node)
        except ValueError:
            # e.g. 2026-13-45 looks like a date but is not one: the schema then reports it
            # against the field that expected a date.
            return loader.construct_scalar(node)

    return constructor


_ContentLoader.add_constructor(None, _unknown_tag)
for _name in ("int", "float", "timestamp"):
    _tag = f"tag:yaml.org,2002:{_name}"
    _ContentLoader.add_constructor(_tag, _text_if_invalid(_Loader.yaml_constructors[_tag]))


class YamlDocument:
    """Plain values, and the line where each one, and each mapping key, starts."""

    __slots__ = ("_longest_text", "_root", "_text", "_top", "data")

    def __init__(
        self,
        data: object,
        text: str,
        longest_text: int | None = None,
        top: Mapping[Hashable, tuple[int, int]] | None = None,
    ) -> None:
        self.data = data
        self._text = text
        # No text in `data` is longer than this, when known.
        self._longest_text = longest_text
        # The lines of each top-level key and its value, noted while reading: most
        # problems are at that level, and finding them needs no second reading.
        self._top = top or {}
        self._root: tuple[_ContentLoader, yaml.Node | None] | None = None

    def line_of(self, path: NodePath) -> int:
        """The line of the value at `path`, or of its nearest ancestor that exists."""
        if len(path) == 1 and path[0] in self._top:
            return self._top[path[0]][1]
        _, node = self._trail(path)[-1]
        return _line(node) if node is not None else 1

    def key_line_of(self, path: NodePath) -> int:
        """The line of the key that introduces `path` (falls back to its value's line)."""
        if len(path) == 1 and path[0] in self._top:
            return self._top[path[0]][0]
        trail = self._trail(path)
        key_node, node = trail[-1]
        if len(trail) == len(path) + 1 and key_node is not None:
            return _line(key_node)
        return _line(node) if node is not None else 1

    def long_strings(self, limit: int) -> list[tuple[NodePath, str]]:
        """The string values longer than `limit` once stripped, with their paths, in order."""
        if self._longest_text is not None and self._longest_text <= limit:
            return []  # the reader saw no text that long: no need to walk the values
        return long_strings(self.data, limit)

    def _trail(self, path: NodePath) -> list[tuple[yaml.Node | None, yaml.Node | None]]:
        """(key, value) nodes from the root down `path`, as far as it exists."""
        if self._root is None:
            loader = _ContentLoader(self._text)
            self._root = loader, loader.get_single_node()
        loader, node = self._root
        trail: list[tuple[yaml.Node | None, yaml.Node | None]] = [(None, node)]
        for part in path:
            step = _child(loader, node, part) if node is not None else None
            if step is None:
                break
            trail.append(step)
            node = step[1]
        return trail


def _child(
    loader: _ContentLoader, node: yaml.Node, part: Hashable
) -> tuple[yaml.Node | None, yaml.Node] | None:
    if isinstance(node, yaml.SequenceNode):
        if isinstance(part, int) and 0 <= part < len(node.value):
            return None, node.value[part]
        return None
    if not isinstance(node, yaml.MappingNode):
        return None
    loader.flatten_mapping(node)
    found = None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and loader.construct_object(key_node) == part:
            found = key_node, value_node  # the last one wins, as in the values
    return found


def read_yaml(text: str, shown_path: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse one YAML document. When it cannot be read the document is None."""
    loader = _ContentLoader(text)
    try:
        node = loader.get_single_node()
        anchored = _ANCHOR.search(text)
        refused = _alias_problem(node) if node is not None and anchored else None
        if refused is not None:
            return None, [Problem(shown_path, _line(refused[0]), refused[1])]
        data = None if node is None else loader.construct_document(node)
    except yaml.YAMLError as exc:
        return None, [_syntax_problem(exc, text, shown_path)]
    finally:
        loader.dispose()
    problems = [Problem(shown_path, _line(node), message) for node, message in loader.notes]
    return YamlDocument(data, text, loader.longest_text, _top_lines(node)), problems


def _top_lines(root: yaml.Node | None) -> dict[Hashable, tuple[int, int]]:
    """Each plain top-level key's line and its value's (the last one, as in the values)."""
    if not isinstance(root, yaml.MappingNode):
        return {}
    return {
        key.value: (_line(key), _line(value))
        for key, value in root.value
        if isinstance(key, yaml.ScalarNode) and key.tag == _STR_TAG
    }


def _alias_problem(root: yaml.Node) -> tuple[yaml.Node, str] | None:
    """An alias to the list or mapping that contains it, or too many repeated values."""
    sizes: dict[int, int] = {}  # values under each node, aliases expanded
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        if id(node) in open_nodes:
            raise _AliasLoop(node)
        open_nodes.add(id(node))
        children = node.value if isinstance(node, yaml.SequenceNode) else []
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        sizes[id(node)] = 1 + sum(size(child) for child in children)
        open_nodes.discard(id(node))
        return sizes[id(node)]

    try:
        repeated = size(root) - len(sizes)
    except _AliasLoop as loop:
        return loop.node, "an alias refers to the mapping or list that contains it"
    if repeated > MAX_REPEATED_VALUES:
        return root, f"aliases repeat more than {MAX_REPEATED_VALUES:,} values"
    return None


class _AliasLoop(Exception):
    def __init__(self, node: yaml.Node) -> None:
        super().__init__()
        self.node = node


def _syntax_problem(exc: yaml.YAMLError, text: str, shown_path: str) -> Problem:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        message = exc.problem or exc.context or "cannot be read"
        if exc.context and exc.problem and exc.context_mark is not None:
            message += f" ({exc.context} started on line {exc.context_mark.line + 1})"
        return Problem(shown_path, line, f"YAML syntax error: {message}")
    if isinstance(exc, yaml.reader.ReaderError):
        # The reader reports a character offset, not a mark.
        line = text.count("\n", 0, exc.position) + 1
        return Problem(shown_path, line, f"YAML syntax error: {exc.reason}")
    return Problem(shown_path, 1, f"YAML syntax error: {exc}")


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def long_strings(data: object, limit: int) -> list[tuple[NodePath, str]]:
    """The string values longer than `limit` once stripped, with their paths, in order."""
    found: list[tuple[NodePath, str]] = []
    stack: list[tuple[NodePath, object]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if len(value) > limit and len(value.strip()) > limit:
                found.append((path, value))
        elif isinstance(value, dict):
            stack.extend(((*path, key), item) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, index), item) for index, item in enumerate(value))
    found.reverse()
    return found
