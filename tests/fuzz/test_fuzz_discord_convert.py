"""Discord payloads → core inputs, fuzzed: a well-formed value or ``MalformedPayload``.

``modal_values`` reads the raw MODAL_SUBMIT ``data`` and ``custom_id`` reads an
interaction's ``data``: both see exactly what Discord sent, so they are fuzzed with
component trees shaped like Discord's (action rows, labels, text inputs, selects) but
with keys missing, values of the wrong type, deep nesting and unknown fields.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import discord
from fuzz_payloads import discord_modal_data, junk
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.discord.convert import MalformedPayload, custom_id, modal_values
from bot.core.errors import UpstanderError

FUZZ = settings(max_examples=200, deadline=None)


def strings_sent(value: Any) -> set[str]:
    """Every string anywhere in the payload."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return {s for v in [*value.keys(), *value.values()] for s in strings_sent(v)}
    if isinstance(value, list):
        return {s for v in value for s in strings_sent(v)}
    return set()


def test_the_error_is_in_the_project_tree() -> None:
    assert issubclass(MalformedPayload, UpstanderError)
    assert issubclass(MalformedPayload, ValueError)


@FUZZ
@given(discord_modal_data)
def test_modal_values(data: Any) -> None:
    try:
        values = modal_values(data)
    except MalformedPayload as exc:
        assert str(exc)
        assert data is not None and not isinstance(data, dict)
        return
    assert isinstance(values, dict)
    sent = strings_sent(data)
    for key, value in values.items():
        assert isinstance(key, str) and isinstance(value, str)
        # Keys and values are what the member sent, never a repr of something else.
        assert key in sent
        assert value == "" or value in sent


def test_modal_values_reads_text_inputs_and_selects_in_rows_and_labels() -> None:
    data = {
        "custom_id": "checkin.form",
        "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": "text", "value": "hi"}]},
            {"type": 18, "component": {"type": 3, "custom_id": "urgency", "values": ["now"]}},
            {"type": 18, "component": {"type": 3, "custom_id": "category", "values": []}},
        ],
    }
    assert modal_values(data) == {"text": "hi", "urgency": "now", "category": ""}


def test_a_deeply_nested_component_tree_is_read_without_recursing() -> None:
    inner: dict[str, Any] = {"type": 4, "custom_id": "deep", "value": "ok"}
    for _ in range(900):  # within MAX_COMPONENTS, past the recursion limit
        inner = {"type": 1, "components": [inner]}
    assert modal_values({"components": [inner]}) == {"deep": "ok"}


@FUZZ
@given(st.one_of(discord_modal_data, junk))
def test_custom_id(data: Any) -> None:
    # discord.py hands over ``interaction.data`` as the JSON it received.
    interaction = cast(discord.Interaction[Any], SimpleNamespace(data=data))
    value = custom_id(interaction)
    assert isinstance(value, str)
    if value:
        assert isinstance(data, dict) and value == data.get("custom_id")
