"""Schema errors in words a moderator understands, each at the line of the offending node."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from bot.content.located import validate_document
from bot.content.schema import CheckinFile, MessagesFile, ResourcesFile, ScenarioModel
from bot.content.yamldoc import read_yaml

SIX_CHOICES = "".join(
    f"      - {{label: c{i}, tactic: delay, feedback: x, next: a}}\n" for i in range(6)
)
SCENARIO_HEAD = "id: a\ntitle: t\nsummary: s\nsetting: s\ncontent_warnings: []\nstart: a\n"
RESOURCE = (
    "topics:\n  - id: t\n    title: x\n    summary: y\n    resources:\n"
    "      - id: r\n        title: x\n        kind: blog\n        url: www.x.org\n"
    "        summary: s\n        audience: everyone\n        last_reviewed: 2026-11-21\n"
    "crisis_lines:\n  us: []\n"
)


@pytest.mark.parametrize(
    ("model", "text", "expected"),
    [
        (
            ScenarioModel,
            SCENARIO_HEAD + "steps:\n  a:\n    text: x\n    choices:\n" + SIX_CHOICES,
            [(11, "'choices' has 6 items; at most 5")],
        ),
        (ScenarioModel, "- a\n", [(1, "the file must be a mapping of keys, not a list")]),
        (ScenarioModel, "", [(1, "the file is empty")]),
        (
            ScenarioModel,
            SCENARIO_HEAD.replace("[]", "none") + "steps: {}\n",
            [
                (5, "'content_warnings' must be a list, not 'none'"),
                (7, "'steps' needs at least 1 item"),
            ],
        ),
        (
            ScenarioModel,
            SCENARIO_HEAD + "focus: [delay, dely]\nsteps:\n  a: {text: '  '}\n",
            [
                (
                    7,
                    "unknown tactic 'dely' "
                    "(expected distract, delegate, document, delay, direct or none)",
                ),
                (9, "'text' is empty"),
            ],
        ),
        (
            ResourcesFile,
            RESOURCE,
            [
                (
                    8,
                    "unknown kind 'blog' (expected book, article, guide, talk, video, podcast, "
                    "organisation, course or toolkit)",
                ),
                (9, "'url' must be a web address starting with https://; got 'www.x.org'"),
                (
                    14,
                    "key 'us' under 'crisis_lines' must be 'default' "
                    "or a two-letter region code like 'US'",
                ),
            ],
        ),
        (
            CheckinFile,
            "categories: [a]\nurgencies: [Right Now]\ncrisis:\n  phrases:\n    english: [x]\n",
            [
                (
                    2,
                    "'urgencies' item 1 must be lowercase letters, digits and single dashes, "
                    "like 'talked-over'; got 'Right Now'",
                ),
                (5, "key 'english' under 'phrases' must be a language code like 'en' or 'pt-BR'"),
            ],
        ),
        (
            MessagesFile,
            "a: {x: 1}\nb c: d\nc: 1.10\n",
            [
                (1, "'a' must be text, not a mapping"),
                (2, "key 'b c' must be letters, digits, '_', '.' and '-'"),
                (3, "'c' must be text; YAML read 1.1 (put it in quotes)"),
            ],
        ),
    ],
)
def test_schema_errors_in_words_at_their_lines(
    model: type[BaseModel], text: str, expected: list[tuple[int, str]]
) -> None:
    doc, problems = read_yaml(text, "f.yaml")
    assert doc is not None and problems == []
    located, problems = validate_document(model, doc, "f.yaml")
    assert located is None
    assert [(p.line, p.message) for p in problems] == expected
    assert {p.path for p in problems} == {"f.yaml"}
