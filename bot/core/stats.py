"""Measure: anonymous aggregate figures for moderators, small counts hidden."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.catalog import Catalog, Tactic
from bot.core.messages import Reply, Section
from bot.core.ports import StatsStore

# A count this small could single somebody out; show it as "<5".
SMALL_COUNT = 5


def shown(count: int) -> str:
    return f"<{SMALL_COUNT}" if 0 < count < SMALL_COUNT else str(count)


class Stats:
    def __init__(self, store: StatsStore) -> None:
        self._store = store

    @property
    def store(self) -> StatsStore:
        return self._store

    async def practice_sections(
        self, community: str, catalog: Catalog, locale: str
    ) -> list[Section]:
        started = await self._store.counts(community, "runs_started")
        finished = await self._store.counts(community, "runs_finished")
        tactics = await self._store.counts(community, "tactic")
        views = await self._store.counts(community, "resource_views")
        return [
            Section(
                _runs(catalog, locale, started, finished),
                title=catalog.text(locale, "stats.practice"),
            ),
            Section(
                _tactics(catalog, locale, tactics), title=catalog.text(locale, "stats.tactics")
            ),
            Section(_views(catalog, locale, views), title=catalog.text(locale, "stats.resources")),
        ]

    async def report(
        self, community: str, catalog: Catalog, locale: str, extra: list[Section]
    ) -> Reply:
        """`community`'s figures alone."""
        sections = await self.practice_sections(community, catalog, locale)
        note = Section(catalog.text(locale, "stats.small_counts", threshold=SMALL_COUNT))
        return Reply(sections=(*sections, *extra, note))


def _runs(
    catalog: Catalog, locale: str, started: Mapping[str, int], finished: Mapping[str, int]
) -> str:
    if not started:
        return catalog.text(locale, "stats.none_yet")
    lines = []
    for scenario_id in sorted(started):
        scenario = catalog.scenario(scenario_id, locale)
        title = scenario.title if scenario else scenario_id
        lines.append(
            catalog.text(
                locale,
                "stats.run_line",
                title=title,
                started=shown(started[scenario_id]),
                finished=shown(finished.get(scenario_id, 0)),
            )
        )
    return "\n".join(lines)


def _tactics(catalog: Catalog, locale: str, tactics: Mapping[str, int]) -> str:
    lines = [
        f"{catalog.text(locale, f'tactic.{t.value}')}: {shown(tactics.get(t.value, 0))}"
        for t in Tactic
    ]
    return "\n".join(lines)


def _views(catalog: Catalog, locale: str, views: Mapping[str, int]) -> str:
    if not views:
        return catalog.text(locale, "stats.none_yet")
    top = sorted(views.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    lines = []
    for rid, count in top:
        resource = catalog.resources.get(rid)
        lines.append(f"{resource.title if resource else rid}: {shown(count)}")
    return "\n".join(lines)
