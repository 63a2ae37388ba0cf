"""Per-scenario practice figures for moderators (issue 21.5): starts and finishes, where
runs stop, how choices spread at each step, and the group sessions run.

Built from anonymous counters only: steps reached and choices made are counted per
scenario and step, never per person; small counts are hidden like every other figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.catalog import Catalog, Scenario, Step
from bot.core.messages import Section
from bot.core.ports import StatsStore
from bot.core.stats import shown

LABEL_MAX = 28


@dataclass(frozen=True, slots=True)
class ScenarioCounts:
    started: Mapping[str, int]
    finished: Mapping[str, int]
    reached: Mapping[str, int]  # "scenario:step"
    choices: Mapping[str, int]  # "scenario:step:index"
    groups: Mapping[str, int]
    groups_finished: Mapping[str, int]

    @classmethod
    async def load(cls, store: StatsStore, community: str) -> ScenarioCounts:
        return cls(
            started=await store.counts(community, "runs_started"),
            finished=await store.counts(community, "runs_finished"),
            reached=await store.counts(community, "step_reached"),
            choices=await store.counts(community, "choice"),
            groups=await store.counts(community, "groups_started"),
            groups_finished=await store.counts(community, "groups_finished"),
        )


async def scenario_section(
    store: StatsStore, community: str, catalog: Catalog, locale: str
) -> Section:
    """`community`'s figures alone."""
    counts = await ScenarioCounts.load(store, community)
    title = catalog.text(locale, "stats.by_scenario")
    ids = sorted(set(counts.started) | set(counts.groups))
    if not ids:
        return Section(catalog.text(locale, "stats.none_yet"), title=title)
    blocks = [_scenario_block(catalog, locale, sid, counts) for sid in ids]
    return Section("\n\n".join(blocks), title=title)


def _scenario_block(catalog: Catalog, locale: str, sid: str, counts: ScenarioCounts) -> str:
    scenario = catalog.scenario(sid, locale)
    head = catalog.text(
        locale,
        "stats.scenario_line",
        title=scenario.title if scenario else sid,
        started=shown(counts.started.get(sid, 0)),
        finished=shown(counts.finished.get(sid, 0)),
        groups=shown(counts.groups.get(sid, 0)),
        groups_finished=shown(counts.groups_finished.get(sid, 0)),
    )
    if scenario is None:
        return head
    lines = [head]
    stops = _stops(scenario, counts)
    if stops:
        lines.append(catalog.text(locale, "stats.stopped_at", steps=stops))
    lines += [_spread(scenario, step, counts) for step in _played_steps(scenario, counts)]
    return "\n".join(lines)


def _chosen_at(scenario: Scenario, step: Step, counts: ScenarioCounts) -> list[int]:
    return [counts.choices.get(f"{scenario.id}:{step.id}:{i}", 0) for i in range(len(step.choices))]


def _played_steps(scenario: Scenario, counts: ScenarioCounts) -> list[Step]:
    return [
        s for s in scenario.steps.values() if not s.end and any(_chosen_at(scenario, s, counts))
    ]


def _stops(scenario: Scenario, counts: ScenarioCounts) -> str:
    """Each step some runs reached and did not leave: reached there, minus chose there."""
    parts = []
    for step in scenario.steps.values():
        if step.end:
            continue
        reached = counts.reached.get(f"{scenario.id}:{step.id}", 0)
        stopped = max(0, reached - sum(_chosen_at(scenario, step, counts)))
        if stopped:
            parts.append(f"{step.id} {shown(stopped)}")
    return ", ".join(parts)


def _spread(scenario: Scenario, step: Step, counts: ScenarioCounts) -> str:
    chosen = _chosen_at(scenario, step, counts)
    parts = [f"{_short(c.label)} {shown(n)}" for c, n in zip(step.choices, chosen, strict=True)]
    return f"  {step.id}: " + " · ".join(parts)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1] + "…"
