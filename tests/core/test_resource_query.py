"""/resources as typed (console, Slack): one parser in the core; kinds named when wrong."""

from __future__ import annotations

from harness import Console

from bot.core.actors import Actor
from bot.core.library import Query, parse_query


def test_words_topic_and_kind_in_any_order() -> None:
    assert parse_query(["kind:video", "speak", "topic:t1", "up"]) == Query(
        "speak up", "t1", "video"
    )
    assert parse_query([]) == Query()
    assert parse_query(["topic:a", "topic:b"]) == Query(topic="b"), "the last one wins"
    assert parse_query(["kind:"]) == Query(), "an empty filter filters nothing"
    assert parse_query(["mykind:x"]) == Query(words="mykind:x"), "only the prefix counts"


async def test_an_unknown_kind_names_the_kinds_there_are(console: Console) -> None:
    reply = await console.runtime.app.resources(Actor("console", "sam"), kind="nonsense")
    text = reply.text()
    assert "“nonsense”" in text and "article, book, guide" in text
    assert "Nothing matched" not in text


async def test_the_console_parses_with_the_core(console: Console) -> None:
    unknown = await console.say("/resources bystander kind:nonsense")
    assert "The kinds are: article, book, guide." in unknown
    found = await console.say("/resources kind:book")
    assert "Page 1 of 1 · 1 resources" in found
