"""Library search: every word must match, filters narrow, pages keep a stable order."""

from __future__ import annotations

from dataclasses import replace

from harness import Console

from bot.adapters.console.session import ConsoleSession
from bot.core.actors import Actor
from bot.core.catalog import Resource
from bot.core.library import Query, search


def make(rid: str, title: str, topic: str = "t", kind: str = "book") -> Resource:
    return Resource(
        rid, topic, title, kind, f"https://example.org/{rid}", "summary", "everyone", "2026-11-21"
    )


async def test_search_requires_every_word_and_ranks_title_hits_first(console: Console) -> None:
    catalog = console.runtime.content.current
    # Both sit in the bystander-intervention topic; the one with the words in its title leads.
    results = search(catalog, Query(words="bystander intervention"))
    assert [r.id for r in results.items] == ["test-5ds", "test-book"]
    assert [r.id for r in search(catalog, Query(words="delegate direct")).items] == ["test-5ds"]
    results = search(catalog, Query(words="harassment"))
    assert [r.id for r in results.items] == ["test-book"]


async def test_filters_by_topic_and_kind(console: Console) -> None:
    catalog = console.runtime.content.current
    assert [r.id for r in search(catalog, Query(topic="wellbeing-burnout")).items] == ["test-care"]
    assert [r.id for r in search(catalog, Query(kind="book")).items] == ["test-book"]
    assert search(catalog, Query(kind="book", topic="wellbeing-burnout")).total == 0


async def test_pages_are_stable_and_cover_everything_once(console: Console) -> None:
    catalog = console.runtime.content.current
    many = {f"r{i:02d}": make(f"r{i:02d}", f"Title {i % 4}") for i in range(23)}
    big = replace(catalog, resources=many)
    seen: list[str] = []
    first = search(big, Query(page=0))
    for page in range(first.pages):
        seen += [r.id for r in search(big, Query(page=page)).items]
    assert first.pages == 5 and len(seen) == 23 and len(set(seen)) == 23
    assert seen == [r.id for r in sorted(many.values(), key=lambda r: (r.title.lower(), r.id))]
    assert search(big, Query(page=99)).page == 4, "a page past the end shows the last page"


async def test_console_search_pages_with_buttons(console: Console) -> None:
    topics = await console.say("/resources")
    assert "Bystander intervention" in topics and "Wellbeing and burnout" in topics
    found = await console.press("Bystander intervention")
    assert "The 5Ds of Bystander Intervention" in found and "Page 1 of 1 · 2 resources" in found
    none = await console.say("/resources zebra")
    assert "Nothing matched" in none
    unknown = await console.say("/resources topic:nope")
    assert "I don't know a topic called “nope”" in unknown


def test_query_survives_a_round_trip_through_a_button_id() -> None:
    query = Query(words="speak up: now", topic="t1", kind="guide", page=0)
    decoded = Query.decode(query.encode(3))
    assert decoded == Query(words="speak up: now", topic="t1", kind="guide", page=3)


async def test_a_spanish_member_sees_the_topics_in_spanish(console: Console) -> None:
    lines: list[str] = []
    spanish = Console(
        console.runtime,
        ConsoleSession(console.runtime.app, console.runtime, lines.append, locale="es-ES"),
        lines,
    )
    topics = await spanish.say("/resources")
    assert "Intervención de testigos" in topics and "Cuidarse y cuidar de los demás." in topics
    assert "Bystander intervention" not in topics
    found = await spanish.press("Intervención de testigos")
    # The topic heads the list in Spanish; the resources keep the titles they were published under.
    assert "Intervención de testigos" in found and "The 5Ds of Bystander Intervention" in found
    assert "Bystander intervention" in await console.say("/resources"), "English stays English"


async def test_topic_autocomplete_names_topics_in_the_member_s_language(console: Console) -> None:
    library = console.runtime.app.services.library
    french = Actor("console", "zoe", locale="fr")
    assert [(o.value, o.label) for o in library.topic_autocomplete(french, "bien")] == [
        ("wellbeing-burnout", "Bien-être et épuisement")
    ]
    # The English title finds it too, shown in French.
    assert [o.label for o in library.topic_autocomplete(french, "burnout")] == [
        "Bien-être et épuisement"
    ]
