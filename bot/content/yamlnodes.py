"""A YAML reader with `yaml.safe_load` semantics that remembers where each value was written.

PyYAML's constructors throw positions away, so we compose the node graph with SafeLoader
and build the plain Python values ourselves, recording the line of every node on the way.
Moderators then get `file:line` for every problem, not just for syntax errors.

An ordinary file is read the fast way (yamlfast: the same values, no lines); its lines
come from reading it again here if a problem in it is ever reported.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from functools import partial

import yaml

from bot.content.yamldoc import Lines, NodePath, YamlDocument
from bot.content.yamlfast import TypedWords, read_plain
from bot.core.errors import Problem

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
# Keys that `flatten_mapping` rewrites: merges (`<<`) and the rarely seen value key (`=`).
_FLATTENED_TAGS = frozenset({_MERGE_TAG, "tag:yaml.org,2002:value"})

# Aliases are expanded per path (each copy gets its own lines), so a few nested aliases
# could expand exponentially ("billion laughs"); no real content file comes near this.
MAX_VALUES = 200_000


# Same values as SafeLoader (its resolver and constructor), composed in C when available.
_CSafeLoader: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)


_FLOW_LIMIT = 500
_LINE_LIMIT = 2000
# Lines are measured this much text at a time: splitting a 2 MB file in one call held the
# GIL for 9 ms, which the event loop waits out during a reload.
_PIECE = 65536


class _TooManyValues(Exception):
    pass


def read_yaml(
    text: str, shown_path: str, words: TypedWords | None = None
) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse one YAML document. On a syntax error the document is None.

    `words` may be shared by the files of one load (see yamlfast).
    """
    # Only where libyaml would compose the file anyway, so that both ways see one parser.
    if not _may_nest_deeply(text):
        plain = read_plain(text, MAX_VALUES, words)
        if plain is not None:
            return YamlDocument(plain.data, partial(_lines, text), plain.longest_text), []
    return _read_located(text, shown_path)


def _lines(text: str) -> Lines:
    """The lines of a document yamlfast read, which therefore has no problems of its own."""
    document, _ = _read_located(text, "")
    return document.lines if document is not None else Lines({}, {})


def _read_located(text: str, shown_path: str) -> tuple[YamlDocument | None, list[Problem]]:
    composed = _compose_fast(text)
    if composed is not None:
        return _build(composed[0], composed[1], text, shown_path)
    try:
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:  # the reader rejects control characters up front
        return None, [_syntax_problem(exc, text, shown_path)]
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as exc:
        loader.dispose()
        return None, [_syntax_problem(exc, text, shown_path)]
    return _build(loader, node, text, shown_path)


def _compose_fast(text: str) -> tuple[yaml.SafeLoader, yaml.Node | None] | None:
    """The node graph composed by libyaml, or None to take the pure-Python path.

    The pure-Python scanner is about ten times slower and was nine tenths of loading a
    large library. libyaml's error messages are worded differently, so a document it
    refuses (or anything unexpected, such as text it cannot encode) is composed again by
    the Python parser, which then gives moderators the messages they are used to.
    """
    if _CSafeLoader is None or _may_nest_deeply(text):
        return None
    loader = _CSafeLoader(text)
    try:
        return loader, loader.get_single_node()
    except Exception:
        loader.dispose()
        return None


def _may_nest_deeply(text: str) -> bool:
    """Whether lists or mappings might nest deeper than libyaml's composer can take.

    It recurses in C with no limit and crashes the process some ten thousand levels down;
    the Python parser raises RecursionError instead, which the loader reports. A level of
    nesting takes a `[` or `{`, or on its line more indentation or a `- ` or `? `, so with
    these bounds (some 4,500 levels at most, where content has a dozen) it is safe.
    A longer line cannot be valid content anyway: no text may exceed 2,000 characters.
    """
    if text.count("[") + text.count("{") >= _FLOW_LIMIT:
        return True
    return _has_line_as_long_as(text, _LINE_LIMIT)


def _has_line_as_long_as(text: str, limit: int) -> bool:
    start = 0
    while start < len(text):
        end = text.find("\n", start + _PIECE)  # a piece ends at a line break
        if end < 0:
            end = len(text)
        if max(map(len, text[start:end].split("\n"))) >= limit:
            return True
        start = end + 1
    return False


def _build(
    loader: yaml.SafeLoader, node: yaml.Node | None, text: str, shown_path: str
) -> tuple[YamlDocument | None, list[Problem]]:
    builder = _Builder(loader, shown_path)
    try:
        data = None if node is None else builder.build(node, ())
    except yaml.YAMLError as exc:
        return None, [_syntax_problem(exc, text, shown_path)]
    except _TooManyValues:
        message = f"more than {MAX_VALUES} values once aliases are expanded"
        return None, [Problem(shown_path, 1, message)]
    finally:
        loader.dispose()
    document = YamlDocument(data, Lines(builder.value_lines, builder.key_lines))
    return document, builder.problems


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


@dataclass
class _Builder:
    loader: yaml.SafeLoader
    shown_path: str
    value_lines: dict[NodePath, int] = field(default_factory=dict)
    key_lines: dict[NodePath, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # Nodes being built right now: an alias back to one of them would recurse forever.
    _open: set[int] = field(default_factory=set)
    # Mappings already checked for duplicate keys; merging rewrites a node in place, so an
    # aliased mapping seen twice must not be checked twice.
    _checked: set[int] = field(default_factory=set)

    def build(self, node: yaml.Node, path: NodePath) -> object:
        if len(self.value_lines) >= MAX_VALUES:
            raise _TooManyValues
        self.value_lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if id(node) in self._open:
            self._problem(node, "an alias refers to the mapping or list that contains it")
            return None
        self._open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            assert isinstance(node, yaml.SequenceNode)
            return self._sequence(node, path)
        finally:
            self._open.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode) -> object:
        if node.tag == _STR_TAG:
            # What construct_object returns for text, without its per-node bookkeeping:
            # most values are text, and this walk was most of loading a large library.
            return node.value
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError:
            self._problem(node, f"unsupported YAML tag {node.tag!r}")
            return node.value
        except ValueError:
            # e.g. 2026-13-45 looks like a date but is not one; keep the text so that the
            # schema reports it against the field that expected a date.
            return node.value

    def _sequence(self, node: yaml.SequenceNode, path: NodePath) -> list[object]:
        if node.tag != _SEQ_TAG:
            self._problem(node, f"unsupported YAML tag {node.tag!r}")
        return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]

    def _mapping(self, node: yaml.MappingNode, path: NodePath) -> dict[Hashable, object]:
        if node.tag != _MAP_TAG:
            self._problem(node, f"unsupported YAML tag {node.tag!r}")
        unchecked = id(node) not in self._checked
        self._checked.add(id(node))
        if any(key_node.tag in _FLATTENED_TAGS for key_node, _ in node.value):
            if unchecked:
                self._report_duplicate_keys(node)
            # `<<: *anchor` merges, as safe_load does; explicit keys come last and win.
            self.loader.flatten_mapping(node)
            keys = [self._key(key_node) for key_node, _ in node.value]
        else:
            # Nothing to merge: the keys are built once, for both the check and the result.
            keys = [self._key(key_node) for key_node, _ in node.value]
            if unchecked:
                self._report_duplicates_among(node, keys)
        result: dict[Hashable, object] = {}
        key_lines = self.key_lines
        for key, (key_node, value_node) in zip(keys, node.value, strict=True):
            if key is _UNUSABLE:
                continue
            child = (*path, key)
            key_lines.setdefault(child, key_node.start_mark.line + 1)
            result[key] = self.build(value_node, child)
        return result

    def _key(self, key_node: yaml.Node) -> Hashable:
        if key_node.tag == _STR_TAG and isinstance(key_node, yaml.ScalarNode):
            text: str = key_node.value
            return text
        if not isinstance(key_node, yaml.ScalarNode):
            self._problem(key_node, "a key must be a plain value, not a list or mapping")
            return _UNUSABLE
        key = self._scalar(key_node)
        if not isinstance(key, Hashable):
            self._problem(key_node, "a key must be a plain value")
            return _UNUSABLE
        return key

    def _report_duplicate_keys(self, node: yaml.MappingNode) -> None:
        first_lines: dict[Hashable, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
                continue
            key = self._scalar(key_node)
            if not isinstance(key, Hashable):
                continue
            if key in first_lines:
                self._problem(key_node, f"duplicate key {key!r} (first on line {first_lines[key]})")
            else:
                first_lines[key] = _line(key_node)

    def _report_duplicates_among(self, node: yaml.MappingNode, keys: list[Hashable]) -> None:
        first_lines: dict[Hashable, int] = {}
        for key, (key_node, _) in zip(keys, node.value, strict=True):
            if key is _UNUSABLE:
                continue
            if key in first_lines:
                self._problem(key_node, f"duplicate key {key!r} (first on line {first_lines[key]})")
            else:
                first_lines[key] = _line(key_node)

    def _problem(self, node: yaml.Node, message: str) -> None:
        self.problems.append(Problem(self.shown_path, _line(node), message))


class _Unusable:
    """Marks a key that cannot be used; distinct from every value YAML can produce."""


_UNUSABLE = _Unusable()


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1
