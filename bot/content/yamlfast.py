"""Plain values straight from libyaml's events: the fast way to read an ordinary file.

Composing libyaml's node graph and then walking it to keep every value's line (yamlnodes)
cost twice what reading the parser's events costs, and was two thirds of loading a large
library. Lines are only needed to report a problem, and most files have none, so this
reader keeps none: yamlnodes works them out again from the text if one is ever asked for.

It reads plain mappings, lists and scalars, which is what content is made of, and gives
up (None) at anything else: anchors, aliases, tags, merge keys, keys that are lists or
mappings, a key written twice, deep nesting, very many values, more than one document or
a syntax error. yamlnodes then reads the file as before, with the problems it reports.
For everything it accepts, the values are the ones yamlnodes (and `yaml.safe_load`) give.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import yaml
from yaml.events import (
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from bot.content.giveway import give_way

_CSafeLoader: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)

# Implicit tags this reader constructs; the others (merge `<<`, value `=`, yaml `!`) are
# left to yamlnodes, which reports or flattens them.
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("bool", "int", "float", "null", "timestamp", "str")
)
_STR_TAG = "tag:yaml.org,2002:str"
# Content nests about seven levels deep; deeper is yamlnodes' business (and its limits').
MAX_DEPTH = 64


class _Unsupported(Exception):
    """Something only yamlnodes reads (or reports) as it should."""


@dataclass(frozen=True, slots=True)
class PlainDocument:
    data: object
    # The length of the longest scalar value: no text in the file is longer.
    longest_text: int


# What the resolver and constructor made of plain words (keys, tactics, step ids, dates),
# which come back file after file; the values are immutable, so they can be shared.
TypedWords = dict[str, object]


def read_plain(text: str, max_values: int, words: TypedWords | None = None) -> PlainDocument | None:
    """The document's values, or None when yamlnodes must read it.

    `words` may be shared by the files of one load; a cache within one file missed
    fourteen words in each (5% of the reader's time for a large library).
    """
    if _CSafeLoader is None:
        return None
    try:
        loader = _CSafeLoader(text)
    except Exception:  # text libyaml cannot take: yamlnodes deals with it as it always has
        return None
    try:
        return _Reader(loader, {} if words is None else words).document(max_values)
    except Exception:  # a syntax error, or _Unsupported: yamlnodes reads it and says why
        return None
    finally:
        loader.dispose()


class _Reader:
    """Builds values from the event stream, one call per mapping or list."""

    def __init__(self, loader: yaml.SafeLoader, words: TypedWords) -> None:
        self.next_event: Callable[[], Event] = loader.get_event
        self.resolvers = loader.yaml_implicit_resolvers
        # The composer's own resolver: the same implicit types as yamlnodes and safe_load.
        self.resolve: Callable[[type[yaml.Node], str, tuple[bool, bool]], str] = loader.resolve
        self.loader = loader
        self.values = 1  # the document itself
        self.longest = 0
        self.words = words

    def document(self, max_values: int) -> PlainDocument:
        if None in self.resolvers or self.loader.yaml_path_resolvers:
            # Resolvers for any first character, or by path: not the shortcut in `mapping`.
            raise _Unsupported("resolvers this reader does not take into account")
        self.next_event()  # the stream starts
        if isinstance(self.next_event(), StreamEndEvent):
            return PlainDocument(None, 0)  # nothing but comments
        data = self.node(self.next_event(), 1)
        self.next_event()  # the document ends
        if not isinstance(self.next_event(), StreamEndEvent):
            raise _Unsupported("more than one document")
        if self.values > max_values:
            raise _Unsupported("too many values")
        return PlainDocument(data, self.longest)

    def node(self, event: Event, depth: int) -> object:
        if isinstance(event, ScalarEvent):
            return self.scalar(event)
        return self.collection(event, depth)

    def collection(self, event: Event, depth: int) -> object:
        give_way()  # a large file is a good part of a reload: let the loop in meanwhile
        if isinstance(event, MappingStartEvent | SequenceStartEvent):
            if event.anchor is not None or event.tag is not None or depth > MAX_DEPTH:
                raise _Unsupported("an anchor, a tag or deep nesting")
            if isinstance(event, MappingStartEvent):
                return self.mapping(depth)
            return self.sequence(depth)
        raise _Unsupported(type(event).__name__)  # an alias

    # The two loops below see every event of a file. Scalars, most of them, are handled in
    # place: a method call for each was a sixth of the reader's time.

    def mapping(self, depth: int) -> dict[object, object]:
        next_event, resolvers, longest = self.next_event, self.resolvers, self.longest
        result: dict[object, object] = {}
        while True:
            event = next_event()
            if not isinstance(event, ScalarEvent):
                if isinstance(event, MappingEndEvent):
                    self.values += len(result)
                    self.longest = max(self.longest, longest)
                    return result
                raise _Unsupported("a key that is a list or a mapping, or an alias")
            if event.anchor is not None or event.tag is not None:
                raise _Unsupported("an anchor or a tag")
            key: object = event.value
            if event.implicit[0] and event.value[:1] in resolvers:
                key = self.typed(event.value)
            if key in result:
                raise _Unsupported("a key written twice")
            event = next_event()
            if not isinstance(event, ScalarEvent):
                result[key] = self.collection(event, depth + 1)
                continue
            if event.anchor is not None or event.tag is not None:
                raise _Unsupported("an anchor or a tag")
            text = event.value
            if len(text) > longest:
                longest = len(text)
            result[key] = self.typed(text) if event.implicit[0] and text[:1] in resolvers else text

    def sequence(self, depth: int) -> list[object]:
        next_event, resolvers, longest = self.next_event, self.resolvers, self.longest
        result: list[object] = []
        while True:
            event = next_event()
            if not isinstance(event, ScalarEvent):
                if isinstance(event, SequenceEndEvent):
                    self.values += len(result)
                    self.longest = max(self.longest, longest)
                    return result
                result.append(self.collection(event, depth + 1))
                continue
            if event.anchor is not None or event.tag is not None:
                raise _Unsupported("an anchor or a tag")
            text = event.value
            if len(text) > longest:
                longest = len(text)
            result.append(self.typed(text) if event.implicit[0] and text[:1] in resolvers else text)

    def scalar(self, event: ScalarEvent) -> object:
        """A scalar's value, typed as the composer would type it (the root may be one)."""
        if event.anchor is not None or event.tag is not None:
            raise _Unsupported("an anchor or a tag")
        self.longest = max(self.longest, len(event.value))
        if event.implicit[0] and event.value[:1] in self.resolvers:
            return self.typed(event.value)
        return event.value

    def typed(self, text: str) -> object:
        """A plain scalar that an implicit resolver might claim (it starts with a digit,
        y/n/t/f/o, ~, ...): what the composer's resolver and constructor make of it."""
        typed = self.words.get(text, self)
        if typed is self:
            typed = self.words[text] = self.construct(text)
        return typed

    def construct(self, text: str) -> object:
        tag = self.resolve(yaml.ScalarNode, text, (True, False))  # as for any plain scalar
        if tag not in _PLAIN_TAGS:
            raise _Unsupported(tag)
        if tag == _STR_TAG:
            return text
        try:
            return self.loader.construct_object(yaml.ScalarNode(tag, text), deep=True)
        except ValueError:
            # As yamlnodes: 2026-13-45 looks like a date but is not one, and stays text.
            return text
