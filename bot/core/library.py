"""Learn: curated reading lists, searched by words and filtered by topic and kind."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.actors import Actor
from bot.core.catalog import Catalog, Resource
from bot.core.errors import NotFound
from bot.core.messages import Action, Option, Reply, Section, Style
from bot.core.ports import ContentSource, StatsStore
from bot.core.resources_view import resource_line

TOPIC = "library.topic"
PAGE = "library.page"
PAGE_SIZE = 5
# Page state travels in a button id (Discord: 100 characters), so the query is clipped.
MAX_QUERY_IN_BUTTON = 40


@dataclass(frozen=True, slots=True)
class Query:
    words: str = ""
    topic: str = ""
    kind: str = ""
    page: int = 0

    def encode(self, page: int) -> str:
        return f"{page}:{self.topic}:{self.kind}:{self.words[:MAX_QUERY_IN_BUTTON]}"

    @classmethod
    def decode(cls, arg: str) -> Query:
        page, _, rest = arg.partition(":")
        topic, _, rest = rest.partition(":")
        kind, _, words = rest.partition(":")
        # isdigit() also says yes to "²", which int() refuses: a forged id must not raise.
        number = int(page) if page.isascii() and page.isdecimal() else 0
        return cls(words=words, topic=topic, kind=kind, page=number)


def parse_query(args: Iterable[str]) -> Query:
    """What a member types after /resources: ``free words topic:ID kind:KIND`` in any order
    (the last topic: and kind: win); platforms with typed options build a Query directly."""
    words: list[str] = []
    topic = kind = ""
    for arg in args:
        if arg.startswith("topic:"):
            topic = arg.removeprefix("topic:")
        elif arg.startswith("kind:"):
            kind = arg.removeprefix("kind:")
        else:
            words.append(arg)
    return Query(words=" ".join(words), topic=topic, kind=kind)


@dataclass(frozen=True, slots=True)
class Results:
    items: tuple[Resource, ...]
    total: int
    page: int
    pages: int


def search(catalog: Catalog, query: Query, page_size: int = PAGE_SIZE) -> Results:
    """Every word must match; title hits rank first; ties break by title then id (stable)."""
    words = [w for w in query.words.lower().split() if w]
    matches: list[tuple[int, str, str, Resource]] = []
    for resource in catalog.resources.values():
        if query.topic and resource.topic != query.topic:
            continue
        if query.kind and resource.kind != query.kind:
            continue
        haystack = resource.haystack()
        if not all(w in haystack for w in words):
            continue
        title_hits = sum(1 for w in words if w in resource.title.lower())
        matches.append((-title_hits, resource.title.lower(), resource.id, resource))
    matches.sort(key=lambda m: m[:3])
    pages = max(1, -(-len(matches) // page_size))
    page = min(max(query.page, 0), pages - 1)
    chunk = matches[page * page_size : (page + 1) * page_size]
    return Results(tuple(m[3] for m in chunk), len(matches), page, pages)


class Library:
    def __init__(self, content: ContentSource, stats: StatsStore) -> None:
        self._content = content
        self._stats = stats

    async def topics(self, actor: Actor) -> Reply:
        catalog = self._content.catalog(actor.community)
        locale = catalog.locale_for(actor.locale)
        topics = catalog.topic_list(locale)
        lines = [
            catalog.text(locale, "library.topic_item", title=t.title, summary=t.summary)
            for t in topics
        ]
        actions = tuple(Action(TOPIC, t.id, t.title[:75], Style.SECONDARY) for t in topics[:20])
        return Reply(
            sections=(Section(catalog.text(locale, "library.intro")), Section("\n".join(lines))),
            actions=actions,
        )

    async def search(self, actor: Actor, query: Query) -> Reply:
        catalog = self._content.catalog(actor.community)
        locale = catalog.locale_for(actor.locale)
        if query.topic and query.topic not in catalog.topics:
            raise NotFound("error.topic_not_found", topic=query.topic)
        if query.kind and query.kind not in (kinds := self.kinds(actor.community)):
            raise NotFound("error.kind_not_found", kind=query.kind, kinds=", ".join(kinds))
        results = search(catalog, query)
        for resource in results.items:
            await self._stats.bump(actor.community, "resource_views", resource.id)
        return _results_reply(catalog, locale, query, results)

    def topic_autocomplete(self, actor: Actor, typed: str) -> tuple[Option, ...]:
        catalog = self._content.catalog(actor.community)
        needle = typed.strip().lower()
        found = []
        for topic in catalog.topics.values():
            shown = topic.in_locale(catalog.locale_for(actor.locale))
            # Shown in the member's language; the default locale's title finds it too.
            if any(needle in name for name in (shown.title.lower(), topic.title.lower(), topic.id)):
                found.append(Option(topic.id, shown.title[:100]))
        return tuple(found[:25])

    def kinds(self, community: str = "") -> tuple[str, ...]:
        catalog = self._content.catalog(community) if community else self._content.current
        return tuple(sorted({r.kind for r in catalog.resources.values()}))


def _results_reply(catalog: Catalog, locale: str, query: Query, results: Results) -> Reply:
    heading = _heading(catalog, locale, query)
    if not results.items:
        return Reply(
            sections=(Section(catalog.text(locale, "library.no_results"), title=heading),),
            replace=True,
        )
    lines = [f"{resource_line(r)}\n  {r.summary.strip()}" for r in results.items]
    footer = catalog.text(
        locale, "library.page_of", page=results.page + 1, pages=results.pages, total=results.total
    )
    actions: list[Action] = []
    if results.page > 0:
        actions.append(
            Action(PAGE, query.encode(results.page - 1), catalog.text(locale, "library.previous"))
        )
    if results.page + 1 < results.pages:
        actions.append(
            Action(
                PAGE,
                query.encode(results.page + 1),
                catalog.text(locale, "library.next"),
                Style.PRIMARY,
            )
        )
    return Reply(
        sections=(Section("\n".join(lines), title=heading), Section(footer)),
        actions=tuple(actions),
        replace=True,
    )


def _heading(catalog: Catalog, locale: str, query: Query) -> str:
    topic = catalog.topic(query.topic, locale)
    if topic and query.words:
        return catalog.text(
            locale, "library.heading_topic_words", topic=topic.title, words=query.words
        )
    if topic:
        return topic.title
    if query.words:
        return catalog.text(locale, "library.heading_words", words=query.words)
    return catalog.text(locale, "library.heading_all")
