"""The outbox keeps an Outbound as JSON: what comes back out is what went in."""

from __future__ import annotations

import json

from bot.core import outbound_json
from bot.core.messages import Action, Destination, Outbound, Reply, Section, Style


def _outbound() -> Outbound:
    reply = Reply(
        pinned=(Section("Call 112 if you are in danger", title="Crisis lines"),),
        sections=(Section("Ein Mitglied möchte reden — 🙂"), Section("second", title="t")),
        actions=(
            Action("claim", "c-1", "Claim", Style.PRIMARY),
            Action("link", "1", "Read", url="https://example.org/a"),
        ),
        private=False,
    )
    return Outbound(Destination("slack", "volunteers"), reply, mention_leads=True, update_ref="m-7")


def test_an_outbound_comes_back_from_json_as_it_went_in() -> None:
    outbound = _outbound()
    assert outbound_json.decode(outbound_json.encode(outbound)) == outbound


def test_a_direct_message_keeps_its_recipient_and_defaults() -> None:
    outbound = Outbound(Destination("discord", "dm", "42"), Reply(sections=(Section("hi"),)))
    assert outbound_json.decode(outbound_json.encode(outbound)) == outbound


def test_the_json_keeps_text_readable_rather_than_escaped() -> None:
    payload = outbound_json.encode(_outbound())
    assert "möchte" in payload
    assert json.loads(payload)["to"] == ["slack", "volunteers", "", "slack"]


def test_an_item_queued_before_communities_goes_to_the_default_community() -> None:
    payload = json.loads(outbound_json.encode(_outbound()))
    payload["to"] = ["slack", "volunteers", ""]
    decoded = outbound_json.decode(json.dumps(payload))
    assert decoded.destination == Destination("slack", "volunteers", "", "slack")


def test_a_destination_keeps_its_community() -> None:
    to = Destination("slack", "volunteers", community="slack:T2")
    outbound = Outbound(to, Reply(sections=(Section("hi"),)))
    assert outbound_json.decode(outbound_json.encode(outbound)).destination.community == "slack:T2"
