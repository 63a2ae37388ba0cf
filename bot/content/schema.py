"""The content file format, declared once.

These pydantic models give both the validation (with a location for every error, which
`located.py` turns into `file:line`) and the JSON Schema that editors use while typing.
They are strict on purpose: YAML turns `No` into false and `1.10` into 1.1, and a
moderator should hear about it rather than see "False" on a button.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    Strict,
    StringConstraints,
)

# Limits that come from the platforms (see DESIGN.md): Slack button text is 75 characters,
# a Discord message 2,000.
LABEL_LIMIT = 75
TEXT_LIMIT = 2000
# A step offers 2 to 5 choices: one row of Discord buttons.
MIN_CHOICES = 2
MAX_CHOICES = 5

# Ids travel inside button ids, which Discord cuts at 100 characters: at 64, a practice
# choice still fits in the form that names the run (`bot.core.practice.ChoiceArg`).
ID_LIMIT = 64

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
STEP_ID_PATTERN = r"^[a-z0-9]+([_-][a-z0-9]+)*$"
LOCALE_PATTERN = r"^[a-z]{2,3}(-[A-Z]{2})?$"
REGION_PATTERN = r"^(default|[A-Z]{2})$"
MESSAGE_KEY_PATTERN = r"^[A-Za-z0-9_.-]+$"
URL_PATTERN = r"^https?://\S+$"
OPTIONAL_URL_PATTERN = r"^(https?://\S+)?$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=ID_LIMIT)]
StepId = Annotated[str, StringConstraints(pattern=STEP_ID_PATTERN, max_length=ID_LIMIT)]
Locale = Annotated[str, StringConstraints(pattern=LOCALE_PATTERN)]
Region = Annotated[str, StringConstraints(pattern=REGION_PATTERN)]
MessageKey = Annotated[str, StringConstraints(pattern=MESSAGE_KEY_PATTERN)]
Url = Annotated[str, StringConstraints(pattern=URL_PATTERN)]
OptionalUrl = Annotated[str, StringConstraints(pattern=OPTIONAL_URL_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXT_LIMIT)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=TEXT_LIMIT)]
Label = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=LABEL_LIMIT)
]
# A date written as 2026-11-21 arrives from YAML as a date, but a quoted one as text.
IsoDate = Annotated[date, Strict(False)]

TacticName = Literal["distract", "delegate", "document", "delay", "direct", "none"]
ResourceKind = Literal[
    "book", "article", "guide", "talk", "video", "podcast", "organisation", "course", "toolkit"
]
Audience = Literal[
    "everyone", "allies", "organisers", "managers", "moderators", "educators", "people-affected"
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ChoiceModel(_Strict):
    label: Label
    tactic: TacticName
    # Optional so that a missing one is a warning (an empty feedback), not a load failure.
    feedback: OptionalText = ""
    next: StepId


class StepModel(_Strict):
    text: Text
    # 2..5 choices: the upper bound is the schema's; "at least 2" is a cross-check so that
    # an ending with `choices: []` gets one clear message.
    choices: list[ChoiceModel] = Field(default_factory=list, max_length=MAX_CHOICES)
    end: bool = False
    resources: list[Slug] = Field(default_factory=list)
    takeaway: OptionalText = ""


class ScenarioModel(_Strict):
    id: Slug
    locale: Locale = "en"
    title: Text
    summary: Text
    setting: Text
    focus: list[TacticName] = Field(default_factory=list)
    content_warnings: list[Text]
    resources: list[Slug] = Field(default_factory=list)
    reflection: OptionalText = ""
    start: StepId
    steps: dict[StepId, StepModel] = Field(min_length=1)


class ResourceModel(_Strict):
    id: Slug
    title: Text
    author: OptionalText = ""
    kind: ResourceKind
    url: Url
    summary: Text
    audience: Audience
    last_reviewed: IsoDate


class TopicTextModel(_Strict):
    title: Text
    summary: Text


class TopicModel(_Strict):
    id: Slug
    title: Text  # in the default locale (en)
    summary: Text
    # Locale -> the topic's title and summary in that language. The resources themselves
    # keep the titles they were published under.
    translations: dict[Locale, TopicTextModel] = Field(
        default_factory=dict,
        description="Locale -> this topic's title and summary in that language, like"
        " `es: {title: ..., summary: ...}`. Every shipped locale needs one.",
    )
    resources: list[ResourceModel] = Field(min_length=1)


class CrisisLineModel(_Strict):
    name: Text
    contact: Text
    url: OptionalUrl = ""
    hours: OptionalText = ""


class CrisisRegionModel(_Strict):
    # The number to call in an emergency there, shown first ("911", "112", "000"): quoted,
    # so that YAML keeps it as written.
    emergency: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] = ""
    lines: list[CrisisLineModel]


def _lines_only(value: object) -> object:
    # A region written as a bare list of lines (the older form) has no emergency number.
    return {"lines": value} if isinstance(value, list) else value


CrisisRegion = Annotated[
    CrisisRegionModel,
    BeforeValidator(_lines_only, json_schema_input_type=CrisisRegionModel | list[CrisisLineModel]),
]


class ResourcesFile(_Strict):
    topics: list[TopicModel]
    # Region code -> its emergency number and lines; "default" is required (a cross-check,
    # for a clearer message): the international lines, shown everywhere.
    crisis_lines: dict[Region, CrisisRegion]


class CrisisModel(_Strict):
    # Urgency choices that always show crisis lines.
    urgencies: list[Slug] = Field(default_factory=list)
    # Locale -> crisis phrases: small patterns (bot.core.screen), checked at load.
    phrases: dict[Locale, list[Text]] = Field(
        description="Locale -> crisis phrases. Words in order; '...' lets up to 4 words"
        " between; 'word*' is any word starting so; '(a|b)' is either. Case, accents,"
        " punctuation, repeated letters and contractions do not matter."
    )


class CheckinFile(_Strict):
    categories: list[Slug] = Field(min_length=1)
    urgencies: list[Slug] = Field(min_length=1)
    crisis: CrisisModel


class MessagesFile(RootModel[dict[MessageKey, OptionalText]]):
    """A flat mapping `key: text`; texts may hold `{placeholders}`."""

    # Editors should flag a key that breaks the pattern, as validation does.
    model_config = ConfigDict(
        strict=True, frozen=True, json_schema_extra={"additionalProperties": False}
    )


SCHEMAS: dict[str, type[BaseModel]] = {
    "scenario.schema.json": ScenarioModel,
    "resources.schema.json": ResourcesFile,
    "checkin.schema.json": CheckinFile,
    "messages.schema.json": MessagesFile,
}


def write_schemas(out_dir: Path) -> list[Path]:
    """Write one JSON Schema per content file kind into `out_dir`; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, model in SCHEMAS.items():
        target = out_dir / file_name
        target.write_text(json.dumps(schema_for(model), indent=2) + "\n", encoding="utf-8")
        written.append(target)
    return written


def schema_for(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
