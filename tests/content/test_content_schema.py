"""The JSON Schemas editors use, generated from the same models that validate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

import yaml
from content_tree import FIXTURES

from bot.content.schema import TacticName, write_schemas
from bot.core.catalog import Tactic


def test_schema_files_are_written_as_json_with_the_expected_properties(tmp_path: Path) -> None:
    written = write_schemas(tmp_path / "schema")
    assert sorted(path.name for path in written) == [
        "checkin.schema.json",
        "messages.schema.json",
        "resources.schema.json",
        "scenario.schema.json",
    ]
    schemas = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in written}
    scenario = schemas["scenario.schema.json"]
    assert scenario["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert scenario["type"] == "object"
    assert scenario["additionalProperties"] is False
    assert set(scenario["required"]) == {
        "id",
        "title",
        "summary",
        "setting",
        "content_warnings",
        "start",
        "steps",
    }
    assert set(schemas["resources.schema.json"]["properties"]) == {"topics", "crisis_lines"}
    assert set(schemas["checkin.schema.json"]["properties"]) == {
        "categories",
        "urgencies",
        "crisis",
    }
    messages = schemas["messages.schema.json"]
    assert messages["type"] == "object"
    assert messages["additionalProperties"] is False
    assert list(messages["patternProperties"].values()) == [{"maxLength": 2000, "type": "string"}]


def test_the_scenario_schema_knows_every_key_the_fixtures_use(tmp_path: Path) -> None:
    [scenario_schema] = [p for p in write_schemas(tmp_path) if p.name == "scenario.schema.json"]
    schema = json.loads(scenario_schema.read_text(encoding="utf-8"))
    definitions = schema["$defs"]
    fixture = FIXTURES / "base" / "content" / "scenarios" / "lunch-joke.yaml"
    data = yaml.safe_load(fixture.read_text(encoding="utf-8"))
    assert set(data) <= set(schema["properties"])
    for step in data["steps"].values():
        assert set(step) <= set(definitions["StepModel"]["properties"])
        for choice in step.get("choices", []):
            assert set(choice) <= set(definitions["ChoiceModel"]["properties"])
    label = definitions["ChoiceModel"]["properties"]["label"]
    assert label["maxLength"] == 75
    tactic = definitions["ChoiceModel"]["properties"]["tactic"]
    assert tactic["enum"] == ["distract", "delegate", "document", "delay", "direct", "none"]


def test_the_tactics_in_the_schema_are_the_core_tactics() -> None:
    assert list(get_args(TacticName)) == [tactic.value for tactic in Tactic]
