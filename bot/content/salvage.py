"""What of a file that failed its schema still has the schema's shape, so that the checks
the schema cannot express (a `next:` naming no step, a duplicate id) run on it too and a
moderator sees every problem in the file at once, not one layer after another.

The model is built without validation (pydantic's `model_construct`): mappings and lists
are followed field by field, and a value of the right kind is kept as written even when it
broke a rule (a misspelt tactic stays text): the schema has reported it already. A value
of the wrong kind (text where a list belongs), or a required one missing, leaves the file
to its schema errors alone, since checks on a guess would report problems that are not
there. Salvaged models only ever feed checks, never the catalog.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, TypeVar, get_args, get_origin

from pydantic import BaseModel, BeforeValidator

M = TypeVar("M", bound=BaseModel)


class _Unusable(Exception):
    """A value with no place in the model's shape."""


def salvage(model: type[M], data: object) -> M | None:
    try:
        return _model(model, data)
    except _Unusable:
        return None


def _model(model: type[M], data: object) -> M:
    if not isinstance(data, dict):
        raise _Unusable
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if name in data:
            values[name] = _value(field.annotation, data[name])
        elif field.is_required():
            raise _Unusable
    return model.model_construct(**values)


def _value(annotation: Any, raw: object) -> object:
    if hasattr(annotation, "__metadata__") and isinstance(get_args(annotation)[0], type):
        # An older form accepted before validation (a region as a bare list of lines).
        for meta in annotation.__metadata__:
            if isinstance(meta, BeforeValidator):
                raw = meta.func(raw)  # type: ignore[call-arg]
        annotation = get_args(annotation)[0]
    origin = get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _model(annotation, raw)
    if origin is list and isinstance(raw, list):
        (item,) = get_args(annotation)
        return [_value(item, value) for value in raw]
    if origin is dict and isinstance(raw, dict):
        _, item = get_args(annotation)
        return {key: _value(item, value) for key, value in raw.items()}
    if isinstance(raw, _leaf_kind(annotation)):
        return raw
    raise _Unusable


def _leaf_kind(annotation: Any) -> type | tuple[type, ...]:
    base = get_args(annotation)[0] if hasattr(annotation, "__metadata__") else annotation
    if get_origin(base) is Literal:
        return str
    if base is date:
        return (date, str)
    return base if isinstance(base, type) and base not in (list, dict) else ()
