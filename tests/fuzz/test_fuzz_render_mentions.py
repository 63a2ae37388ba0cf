"""Text a person typed can never become a ping in what the Slack adapter renders.

The core puts members' words into replies (a check-in summary, the relay); Slack parses
``<!channel>``, ``<!here>``, ``<@U…>``, ``<#C…>`` and ``<!subteam^…>`` in ``mrkdwn`` text
and in a message's fallback ``text``.  So for any section text, title and button label:
every mrkdwn object is ``verbatim`` and holds no ``<`` or ``>`` except the ``<https://…>``
links render adds itself, and the fallback text holds none at all.

(Discord's render puts text in content and embeds as it is; pings are stopped when
sending, with ``allowed_mentions=none``: test_fuzz_discord_wire.py checks that nobody
was notified.)
"""

from __future__ import annotations

import re
from typing import Any

from fuzz_payloads import nasty_text
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.slack import render
from bot.core.messages import Action, Field, Form, Reply, Section

LINK = re.compile(r"<https?://[^\s<>|]+>")

words = st.one_of(nasty_text, st.builds("https://example.org/{}".format, nasty_text))
sections = st.lists(st.builds(Section, text=words, title=words), max_size=4)
actions = st.lists(
    st.builds(Action, kind=st.just("claim"), arg=nasty_text, label=nasty_text), max_size=4
)
replies = st.builds(
    Reply, sections=sections.map(tuple), actions=actions.map(tuple), pinned=sections.map(tuple)
)


def mrkdwn_objects(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        found = [value] if value.get("type") == "mrkdwn" else []
        return found + [m for v in value.values() for m in mrkdwn_objects(v)]
    if isinstance(value, list):
        return [m for v in value for m in mrkdwn_objects(v)]
    return []


def assert_no_markup(blocks: Any) -> None:
    for obj in mrkdwn_objects(blocks):
        assert obj.get("verbatim") is True, obj
        outside_links = LINK.sub("", obj["text"])
        assert "<" not in outside_links and ">" not in outside_links, obj["text"]


@settings(max_examples=100, deadline=None)
@given(replies)
def test_a_message_never_carries_live_markup(reply: Reply) -> None:
    rendered = render.message(reply)
    assert "<" not in rendered["text"] and ">" not in rendered["text"]
    assert_no_markup(rendered["blocks"])


@settings(max_examples=100, deadline=None)
@given(replies, nasty_text, nasty_text)
def test_a_modal_never_carries_live_markup(reply: Reply, label: str, typed: str) -> None:
    form = Form("checkin.form", label, (Field("text", label, required=True),))
    view = render.modal_view(form, reply, {"text": typed})
    assert_no_markup(view)


def _split_line_by_line(text: str, limit: int) -> list[str]:
    """How split_text cut every text before it learned to format a short one whole."""
    chunks: list[str] = []
    current = ""
    for line in render._formatted_lines(text, limit):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        current = line
    if current.strip():
        chunks.append(current)
    return chunks


@settings(max_examples=500)
@given(
    text=st.text(alphabet="ab &<>|\n é🙂", max_size=80) | words,
    limit=st.integers(min_value=3, max_value=120),
)
def test_a_short_text_formatted_whole_reads_as_it_did_line_by_line(text: str, limit: int) -> None:
    assert render.split_text(text, limit) == _split_line_by_line(text, limit)
