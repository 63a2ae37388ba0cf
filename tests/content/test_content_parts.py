"""A large file validated a part at a time: the same model, or exactly the same errors."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from pydantic import ValidationError

from bot.content.parts import validate_in_parts
from bot.content.schema import ResourcesFile, ScenarioModel


def _topic(n: int) -> dict[str, Any]:
    resource = {
        "id": f"r{n}",
        "title": "A title",
        "kind": "book",
        "url": "https://example.org",
        "summary": "A summary",
        "audience": "everyone",
        "last_reviewed": datetime.date(2026, 11, 21),
    }
    return {"id": f"t{n}", "title": "T", "summary": "S", "resources": [resource]}


def _resources(*topics: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"topics": list(topics), "crisis_lines": {"default": []}, **extra}


def test_a_valid_file_gives_the_same_model() -> None:
    data = _resources(_topic(1), _topic(2))
    assert validate_in_parts(ResourcesFile, data) == ResourcesFile.model_validate(data)


@pytest.mark.parametrize(
    "data",
    [
        _resources(_topic(1), {**_topic(2), "id": "Not A Slug"}, {"id": "t3"}),
        _resources(_topic(1), crisis_lines="none"),
        _resources(_topic(1), unknown="key"),
        _resources("not a mapping"),
        {"topics": "not a list"},
        ["not", "a", "mapping"],
    ],
)
def test_a_broken_file_gives_the_errors_of_the_whole(data: object) -> None:
    with pytest.raises(ValidationError) as whole:
        ResourcesFile.model_validate(data)
    with pytest.raises(ValidationError) as parts:
        validate_in_parts(ResourcesFile, data)
    assert parts.value.errors() == whole.value.errors()


def test_other_files_are_validated_whole() -> None:
    with pytest.raises(ValidationError) as raised:
        validate_in_parts(ScenarioModel, {"id": "x"})
    assert {error["loc"][0] for error in raised.value.errors()} >= {"title", "steps"}
