"""One YAML document as the content checks see it: plain values, and where each was written.

Moderators get `file:line` for every problem, so every value's line must be known when a
problem is reported. Most files have none, though, and recording lines was a large part of
reading a big library: a document read the fast way (yamlfast) works its lines out from
its text the first time one is asked for, with the same reader as any other file.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

# The position of a value inside a document: mapping keys and sequence indices, in order.
NodePath = tuple[Hashable, ...]


@dataclass(frozen=True, slots=True)
class Lines:
    """The line (1-based) where each value, and each mapping key, starts."""

    values: Mapping[NodePath, int]
    keys: Mapping[NodePath, int]


class YamlDocument:
    """Plain values, and the line where each one, and each mapping key, starts."""

    __slots__ = ("_lines", "_longest_text", "data")

    def __init__(
        self,
        data: object,
        lines: Lines | Callable[[], Lines],
        longest_text: int | None = None,
    ) -> None:
        self.data = data
        # The lines, or how to work them out when first needed.
        self._lines = lines
        # No string in `data` is longer than this, when known.
        self._longest_text = longest_text

    @property
    def lines(self) -> Lines:
        if not isinstance(self._lines, Lines):
            self._lines = self._lines()
        return self._lines

    def line_of(self, path: NodePath) -> int:
        """The line of the value at `path`, or of its nearest ancestor that exists."""
        values = self.lines.values
        for depth in range(len(path), -1, -1):
            line = values.get(path[:depth])
            if line is not None:
                return line
        return 1

    def key_line_of(self, path: NodePath) -> int:
        """The line of the key that introduces `path` (falls back to its value's line)."""
        return self.lines.keys.get(path) or self.line_of(path)

    def long_strings(self, limit: int) -> list[tuple[NodePath, str]]:
        """The string values longer than `limit` once stripped, with their paths, in order."""
        if self._longest_text is not None and self._longest_text <= limit:
            return []  # the reader saw no scalar that long: no need to walk the values
        return long_strings(self.data, limit)


def long_strings(data: object, limit: int) -> list[tuple[NodePath, str]]:
    """The string values longer than `limit` once stripped, with their paths, in order.

    A loop over a stack rather than nested generators: every file is scanned, and a
    generator per level was one of the larger costs of loading a large library.
    """
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
