"""Validate a YAML document against a schema model; each pydantic error becomes a `Problem`
with the file and line of the offending node, in words a moderator understands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.content import schema
from bot.content.yamldoc import NodePath, YamlDocument
from bot.core.errors import Problem

M = TypeVar("M", bound=BaseModel)
M_co = TypeVar("M_co", bound=BaseModel, covariant=True)

_KEY_MARKER = "[key]"

# Patterns from `schema`, said in words.
_PATTERN_WORDS = {
    schema.SLUG_PATTERN: "lowercase letters, digits and single dashes, like 'talked-over'",
    schema.STEP_ID_PATTERN: "lowercase letters, digits, '-' and '_', like 'opening'",
    schema.LOCALE_PATTERN: "a language code like 'en' or 'pt-BR'",
    schema.REGION_PATTERN: "'default' or a two-letter region code like 'US'",
    schema.MESSAGE_KEY_PATTERN: "letters, digits, '_', '.' and '-'",
    schema.URL_PATTERN: "a web address starting with https://",
    schema.OPTIONAL_URL_PATTERN: "a web address starting with https://, or empty",
}

# For a list of literals the noun is the item's, not the list's.
_LITERAL_NOUNS = {"focus": "tactic"}


@dataclass(frozen=True, slots=True)
class Located(Generic[M_co]):
    """A validated model together with its file and the lines of its values."""

    path: str
    doc: YamlDocument
    model: M_co

    def problem(
        self, at: NodePath, message: str, *, key: bool = False, warning: bool = False
    ) -> Problem:
        """A problem at the value of `at` (or at its key, which reads better for a step)."""
        line = self.doc.key_line_of(at) if key else self.doc.line_of(at)
        return Problem(self.path, line, message, "warning" if warning else "error")


def validate_document(
    model: type[M], doc: YamlDocument, shown_path: str
) -> tuple[Located[M] | None, list[Problem]]:
    if doc.data is None:
        return None, [Problem(shown_path, 1, "the file is empty")]
    try:
        validated = model.model_validate(doc.data)
    except ValidationError as exc:
        return None, [_problem(error, doc, shown_path) for error in exc.errors()]
    return Located(shown_path, doc, validated), []


def _problem(error: ErrorDetails, doc: YamlDocument, shown_path: str) -> Problem:
    loc = tuple(error["loc"])
    if loc and loc[-1] == _KEY_MARKER:
        key_path = loc[:-1]
        return Problem(shown_path, doc.key_line_of(key_path), _key_message(error, key_path))
    if error["type"] == "extra_forbidden":
        return Problem(shown_path, doc.key_line_of(loc), f"unknown key {loc[-1]!r}")
    if error["type"] == "missing":
        return Problem(shown_path, doc.key_line_of(loc[:-1]), f"missing key {loc[-1]!r}")
    return Problem(shown_path, doc.line_of(loc), _value_message(error, loc))


def _key_message(error: ErrorDetails, key_path: NodePath) -> str:
    key = key_path[-1]
    where = f" under {_name(key_path[:-1])}" if key_path[:-1] else ""
    if error["type"] == "string_too_long":
        limit = error.get("ctx", {}).get("max_length")
        return f"key {key!r}{where} is {len(str(key))} characters long; the limit is {limit}"
    pattern = _pattern_words(error)
    if pattern:
        return f"key {key!r}{where} must be {pattern}"
    return f"key {key!r}{where} must be text"


def _value_message(error: ErrorDetails, loc: NodePath) -> str:
    describe = _DESCRIBERS.get(error["type"])
    if describe is None and error["type"].startswith("date"):
        describe = _describe_date
    if describe is None:
        return f"{_name(loc)}: {error['msg']}"
    return describe(error, loc)


def _name(loc: NodePath) -> str:
    if not loc:
        return "the file"
    if isinstance(loc[-1], int) and len(loc) > 1:
        return f"{_name(loc[:-1])} item {loc[-1] + 1}"
    return repr(loc[-1])


def _got(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _describe_text(error: ErrorDetails, loc: NodePath) -> str:
    value = error["input"]
    if isinstance(value, dict | list) or value is None:
        return f"{_name(loc)} must be text, not {_got(value)}"
    # YAML reads yes/no/on/off as booleans and 1.10 as a number.
    return f"{_name(loc)} must be text; YAML read {_got(value)} (put it in quotes)"


def _describe_bool(error: ErrorDetails, loc: NodePath) -> str:
    return f"{_name(loc)} must be true or false"


def _describe_list(error: ErrorDetails, loc: NodePath) -> str:
    return f"{_name(loc)} must be a list, not {_got(error['input'])}"


def _describe_mapping(error: ErrorDetails, loc: NodePath) -> str:
    if not loc:
        return f"the file must be a mapping of keys, not {_got(error['input'])}"
    return f"{_name(loc)} must be a mapping of keys, not {_got(error['input'])}"


def _describe_literal(error: ErrorDetails, loc: NodePath) -> str:
    field = next((part for part in reversed(loc) if isinstance(part, str)), "value")
    noun = _LITERAL_NOUNS.get(field, field)
    expected = str(error.get("ctx", {}).get("expected", "")).replace("'", "")
    return f"unknown {noun} {error['input']!r} (expected {expected})"


def _describe_too_long_text(error: ErrorDetails, loc: NodePath) -> str:
    limit = error.get("ctx", {}).get("max_length")
    length = len(error["input"])
    return f"{_name(loc)} is {length} characters long; the limit is {limit}"


def _describe_too_short_text(error: ErrorDetails, loc: NodePath) -> str:
    return f"{_name(loc)} is empty"


def _describe_pattern(error: ErrorDetails, loc: NodePath) -> str:
    return f"{_name(loc)} must be {_pattern_words(error)}; got {error['input']!r}"


def _describe_too_many(error: ErrorDetails, loc: NodePath) -> str:
    ctx = error.get("ctx", {})
    return f"{_name(loc)} has {ctx.get('actual_length')} items; at most {ctx.get('max_length')}"


def _describe_too_few(error: ErrorDetails, loc: NodePath) -> str:
    minimum = error.get("ctx", {}).get("min_length")
    return f"{_name(loc)} needs at least {minimum} item{'s' if minimum != 1 else ''}"


def _describe_date(error: ErrorDetails, loc: NodePath) -> str:
    return f"{_name(loc)} must be a date like 2026-11-21; got {_got(error['input'])}"


def _pattern_words(error: ErrorDetails) -> str:
    pattern = str(error.get("ctx", {}).get("pattern", ""))
    return _PATTERN_WORDS.get(pattern, f"text matching {pattern}") if pattern else ""


_DESCRIBERS: dict[str, Callable[[ErrorDetails, NodePath], str]] = {
    "string_type": _describe_text,
    "bool_type": _describe_bool,
    "list_type": _describe_list,
    "dict_type": _describe_mapping,
    "model_type": _describe_mapping,
    "literal_error": _describe_literal,
    "string_too_long": _describe_too_long_text,
    "string_too_short": _describe_too_short_text,
    "string_pattern_mismatch": _describe_pattern,
    "too_long": _describe_too_many,
    "too_short": _describe_too_few,
}
