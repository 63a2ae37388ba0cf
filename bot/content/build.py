"""Turn validated files into the core's frozen `Catalog`. Only called when nothing is wrong,
so it never has to judge; it only converts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TypeVar

from bot.content.schema import (
    CheckinFile,
    ResourceModel,
    ResourcesFile,
    ScenarioModel,
    StepModel,
    TopicModel,
)
from bot.content.sources import ScenarioSource, Sources
from bot.core.catalog import (
    DEFAULT_LOCALE,
    Catalog,
    Choice,
    Copy,
    CrisisLine,
    CrisisRules,
    Resource,
    Scenario,
    Step,
    Tactic,
    Topic,
    TopicText,
)

V = TypeVar("V")


def build_catalog(sources: Sources, version: str) -> Catalog:
    assert sources.resources is not None and sources.checkin is not None
    resources = sources.resources.model
    checkin = sources.checkin.model
    return Catalog(
        scenarios=_scenarios_by_locale(sources.scenarios),
        topics=_frozen({topic.id: _topic(topic) for topic in resources.topics}),
        resources=_resources(resources),
        crisis_lines=_crisis_lines(resources),
        emergency_numbers=_emergency_numbers(resources),
        crisis_rules=crisis_rules(checkin),
        copy=Copy(
            texts=_frozen(
                {locale: _frozen(dict(f.model.root)) for locale, f in sources.messages.items()}
            ),
            default_locale=DEFAULT_LOCALE,
        ),
        version=version,
        default_locale=DEFAULT_LOCALE,
        checkin_categories=tuple(checkin.categories),
        checkin_urgencies=tuple(checkin.urgencies),
    )


def crisis_rules(checkin: CheckinFile) -> CrisisRules:
    phrases = {locale: tuple(listed) for locale, listed in checkin.crisis.phrases.items()}
    return CrisisRules(phrases=_frozen(phrases), urgencies=frozenset(checkin.crisis.urgencies))


def scenario(model: ScenarioModel, locale: str) -> Scenario:
    return Scenario(
        id=model.id,
        locale=locale,
        title=model.title.strip(),
        summary=model.summary.strip(),
        setting=model.setting.strip(),
        content_warnings=tuple(warning.strip() for warning in model.content_warnings),
        start=model.start,
        steps=_frozen({step_id: _step(step_id, step) for step_id, step in model.steps.items()}),
        resources=tuple(model.resources),
        reflection=model.reflection.strip(),
        focus=tuple(Tactic(tactic) for tactic in model.focus),
    )


def _step(step_id: str, model: StepModel) -> Step:
    return Step(
        id=step_id,
        # Block scalars (`text: |`) end with a newline a chat message does not want.
        text=model.text.strip(),
        choices=tuple(
            Choice(c.label.strip(), Tactic(c.tactic), c.feedback.strip(), c.next)
            for c in model.choices
        ),
        end=model.end,
        resources=tuple(model.resources),
        takeaway=model.takeaway.strip(),
    )


def _scenarios_by_locale(sources: Iterable[ScenarioSource]) -> Mapping[str, Mapping[str, Scenario]]:
    by_locale: dict[str, dict[str, Scenario]] = {}
    for source in sources:
        by_locale.setdefault(source.locale, {})[source.model.id] = scenario(
            source.model, source.locale
        )
    return _frozen({locale: _frozen(found) for locale, found in by_locale.items()})


def _topic(model: TopicModel) -> Topic:
    translations = {
        locale: TopicText(text.title.strip(), text.summary.strip())
        for locale, text in model.translations.items()
    }
    return Topic(model.id, model.title.strip(), model.summary.strip(), _frozen(translations))


def _resources(resources: ResourcesFile) -> Mapping[str, Resource]:
    built: dict[str, Resource] = {}
    for topic in resources.topics:
        built.update((item.id, _resource(topic.id, item)) for item in topic.resources)
    return _frozen(built)


def _resource(topic_id: str, item: ResourceModel) -> Resource:
    return Resource(
        id=item.id,
        topic=topic_id,
        title=item.title.strip(),
        kind=item.kind,
        url=item.url,
        summary=item.summary.strip(),
        audience=item.audience,
        last_reviewed=item.last_reviewed.isoformat(),
        author=item.author.strip(),
    )


def _crisis_lines(resources: ResourcesFile) -> Mapping[str, tuple[CrisisLine, ...]]:
    return _frozen(
        {
            region: tuple(
                CrisisLine(region, line.name, line.contact, line.url, line.hours)
                for line in listed.lines
            )
            for region, listed in resources.crisis_lines.items()
        }
    )


def _emergency_numbers(resources: ResourcesFile) -> Mapping[str, str]:
    return _frozen(
        {
            region: listed.emergency
            for region, listed in resources.crisis_lines.items()
            if listed.emergency and region != "default"
        }
    )


def _frozen(mapping: dict[str, V]) -> Mapping[str, V]:
    # The catalog is shared by every request; a read-only view keeps anyone from editing it.
    return MappingProxyType(mapping)
