"""Validating a large file a part at a time.

pydantic validates a document in one call that holds the GIL throughout: about 20 ms for
a resources file of 5,000 entries, during which the event loop could not run although a
reload works in a worker thread. So the topics of a resources file are validated one by
one (giving way in between), and then the file around them: pydantic takes an instance
of a field's own model as it is, without validating it again.

Only success takes this path. When anything fails, the whole document is validated again
in one call, so that the errors, their locations and their order are exactly those of
validating it whole.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from bot.content.giveway import give_way
from bot.content.schema import ResourcesFile, TopicModel

M = TypeVar("M", bound=BaseModel)

# Model -> its list field whose items are validated one by one, and their model.
_PARTS: dict[type[BaseModel], tuple[str, type[BaseModel]]] = {
    ResourcesFile: ("topics", TopicModel),
}


def validate_in_parts(model: type[M], data: object) -> M:
    """`model.model_validate(data)`, in several shorter calls when `data` is large."""
    part = _PARTS.get(model)
    if part is None or not isinstance(data, dict) or not isinstance(data.get(part[0]), list):
        return model.model_validate(data)
    field, item_model = part
    try:
        items = []
        for item in data[field]:
            give_way()
            items.append(item_model.model_validate(item))
        return model.model_validate({**data, field: items})
    except ValidationError:
        return model.model_validate(data)  # raises, with the errors of the whole file
