"""The validated files of one content tree, each still knowing its path and lines.

Cross-checks and the catalog builder both work from these, so a problem found across
files can still point at the exact line in each.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bot.content.located import Located
from bot.content.schema import CheckinFile, MessagesFile, ResourcesFile, ScenarioModel
from bot.core.catalog import DEFAULT_LOCALE


@dataclass(frozen=True, slots=True)
class ScenarioSource:
    located: Located[ScenarioModel]
    # The locale the file's place in the tree says it is in (scenarios/<locale>/...).
    locale: str

    @property
    def model(self) -> ScenarioModel:
        return self.located.model

    @property
    def path(self) -> str:
        return self.located.path

    @property
    def is_translation(self) -> bool:
        return self.locale != DEFAULT_LOCALE


@dataclass(frozen=True, slots=True)
class Sources:
    """Whatever validated; a file that failed its schema is absent (its problems are known)."""

    scenarios: tuple[ScenarioSource, ...]
    resources: Located[ResourcesFile] | None
    checkin: Located[CheckinFile] | None
    messages: Mapping[str, Located[MessagesFile]]  # locale -> file
    # File stems and ids of default-locale scenarios that failed their schema: their
    # translations cannot be compared, and their tactics cannot be counted.
    broken_originals: frozenset[str] = frozenset()
    # Scenarios that failed their schema, as far as they keep its shape (bot.content.salvage):
    # only their own checks run on them.
    salvaged: tuple[ScenarioSource, ...] = ()

    def originals(self) -> Iterator[ScenarioSource]:
        return (source for source in self.scenarios if not source.is_translation)

    def translations(self) -> Iterator[ScenarioSource]:
        return (source for source in self.scenarios if source.is_translation)

    def resource_ids(self) -> set[str]:
        if self.resources is None:
            return set()
        return {item.id for topic in self.resources.model.topics for item in topic.resources}
