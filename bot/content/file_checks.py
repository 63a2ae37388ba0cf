"""Checks on resources.yaml, checkin.yaml and the bot copy that their schemas cannot express,
and the long-text warning that applies to every file."""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping

from pydantic import BaseModel

from bot.content.located import Located
from bot.content.schema import CheckinFile, MessagesFile, ResourcesFile
from bot.content.yamldoc import NodePath
from bot.core.catalog import DEFAULT_LOCALE
from bot.core.copy_keys import COPY_LIMITS, REQUIRED_COPY_KEYS
from bot.core.errors import Problem
from bot.core.screen import PatternError, pattern_expression

# Longer than this still fits the platforms, but is a wall of text in a chat window.
LONG_TEXT = 600


def long_text_warnings(located: Located[BaseModel]) -> list[Problem]:
    return [
        located.problem(
            at,
            f"text is {len(text.strip())} characters; over {LONG_TEXT} is long for chat",
            warning=True,
        )
        for at, text in located.doc.long_strings(LONG_TEXT)
    ]


def resources_problems(located: Located[ResourcesFile]) -> list[Problem]:
    model = located.model
    topic_ids = [(("topics", t, "id"), topic.id) for t, topic in enumerate(model.topics)]
    resource_ids = [
        (("topics", t, "resources", r, "id"), item.id)
        for t, topic in enumerate(model.topics)
        for r, item in enumerate(topic.resources)
    ]
    problems = _duplicates(located, topic_ids, "topic id") + _duplicates(
        located, resource_ids, "resource id"
    )
    default = model.crisis_lines.get("default")
    if default is None or not default.lines:
        message = "crisis_lines needs a 'default' list: the lines shown in every region"
        problems.append(located.problem(("crisis_lines",), message, key=True))
    return problems


def checkin_problems(located: Located[CheckinFile]) -> list[Problem]:
    model = located.model
    problems = _duplicates(
        located, [(("categories", i), c) for i, c in enumerate(model.categories)], "category"
    )
    problems += _duplicates(
        located, [(("urgencies", i), u) for i, u in enumerate(model.urgencies)], "urgency"
    )
    for index, urgency in enumerate(model.crisis.urgencies):
        if urgency not in model.urgencies:
            choices = ", ".join(model.urgencies)
            message = f"crisis urgency {urgency!r} is not one of the urgencies ({choices})"
            problems.append(located.problem(("crisis", "urgencies", index), message))
    return problems + crisis_pattern_problems(located)


def crisis_pattern_problems(located: Located[CheckinFile]) -> list[Problem]:
    """Each crisis phrase must be a valid pattern (bot.core.screen), or nothing it was
    meant to catch would show the crisis lines."""
    problems = []
    for locale, patterns in located.model.crisis.phrases.items():
        for index, pattern in enumerate(patterns):
            try:
                pattern_expression(pattern)
            except PatternError as exc:
                message = f"crisis phrase {pattern.strip()!r} is not a valid pattern: {exc}"
                problems.append(located.problem(("crisis", "phrases", locale, index), message))
    return problems


def checkin_label_problems(
    checkin: Located[CheckinFile], default_messages: Located[MessagesFile]
) -> list[Problem]:
    """The check-in form shows each category and urgency by its `category.<id>` or
    `urgency.<id>` text; without one, a member would see the bare key."""
    texts = default_messages.model.root
    choices = [("categories", "category", checkin.model.categories)]
    choices.append(("urgencies", "urgency", checkin.model.urgencies))
    problems = []
    for field, prefix, values in choices:
        for index, value in enumerate(values):
            if f"{prefix}.{value}" not in texts:
                key = f"{prefix}.{value}"
                message = f"{prefix} {value!r} has no label: add `{key}` to {default_messages.path}"
                problems.append(checkin.problem((field, index), message))
    return problems


def messages_problems(messages: Mapping[str, Located[MessagesFile]]) -> list[Problem]:
    """Templates must be valid; a translation may not invent keys or placeholders."""
    problems = []
    for located in messages.values():
        problems += _template_problems(located)
        problems += _length_problems(located)
    default = messages.get(DEFAULT_LOCALE)
    if default is None:
        return problems
    problems += missing_key_problems(default)
    for locale, located in messages.items():
        if locale != DEFAULT_LOCALE:
            problems += _translation_problems(located, default)
    return problems


def missing_key_problems(default: Located[MessagesFile]) -> list[Problem]:
    """Every text the bot asks for by key must be in the default copy: other locales fall
    back to it, and without it members would see the bare key. (Not in the JSON Schema:
    every locale's file shares it, and a translation may leave keys out.)"""
    texts = default.model.root
    return [
        default.problem((), f"key {key!r} is missing: the bot shows this text")
        for key in sorted(REQUIRED_COPY_KEYS - texts.keys())
    ]


def placeholders(template: str) -> set[str]:
    """The `{names}` a template uses. Raises ValueError on a malformed template."""
    names = set()
    for _, field, _, _ in string.Formatter().parse(template):
        if field is not None:
            names.add(field)
    return names


def _template_problems(located: Located[MessagesFile]) -> list[Problem]:
    problems = []
    for key, text in located.model.root.items():
        try:
            names = placeholders(text)
        except ValueError as exc:
            # Copy.text would raise at the moment a member needs the message.
            problems.append(
                located.problem(
                    (key,), f"{key!r} is not a valid template: {exc} (write {{{{ for a literal {{)"
                )
            )
            continue
        # Copy.text formats with names only; `{}` or `{0}` would fail at run time.
        for name in sorted(n for n in names if not n or n[0].isdigit()):
            problems.append(
                located.problem((key,), f"{key!r} has a placeholder {{{name}}} without a name")
            )
    return problems


def _length_problems(located: Located[MessagesFile]) -> list[Problem]:
    """A text shown in a small space (`COPY_LIMITS`) would be cut off mid-word."""
    texts = located.model.root
    return [
        located.problem(
            (key,),
            f"{key!r} is {len(texts[key])} characters long; the limit is {limit}"
            " (Slack cuts the rest)",
        )
        for key, limit in COPY_LIMITS.items()
        if key in texts and len(texts[key]) > limit
    ]


def _translation_problems(
    located: Located[MessagesFile], default: Located[MessagesFile]
) -> list[Problem]:
    problems = []
    originals = default.model.root
    for key, text in located.model.root.items():
        if key not in originals:
            message = f"key {key!r} is not in {default.path}, so it is never shown"
            problems.append(located.problem((key,), message, key=True, warning=True))
            continue
        try:
            extra = placeholders(text) - placeholders(originals[key])
        except ValueError:
            continue  # already reported as an invalid template
        for name in sorted(extra):
            message = f"{key!r} uses {{{name}}}, which the {default.path} text does not have"
            problems.append(located.problem((key,), message))
    return problems


def _duplicates(
    located: Located[BaseModel], values: Iterable[tuple[NodePath, str]], noun: str
) -> list[Problem]:
    # Where each value was first used; its line is looked up only for a duplicate, since
    # that means composing the file again (see yamldoc).
    first_at: dict[str, NodePath] = {}
    problems = []
    for at, value in values:
        if value in first_at:
            line = located.doc.line_of(first_at[value])
            message = f"{noun} {value!r} is already used on line {line}"
            problems.append(located.problem(at, message))
        else:
            first_at[value] = at
    return problems
