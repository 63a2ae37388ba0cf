"""Pure rendering and conversion: Slack's limits, escaping, pinned sections first."""

from __future__ import annotations

import json
from typing import Any

from slack_harness import buttons, text_of

from bot.adapters.slack import convert, render
from bot.core.library import Query, parse_query
from bot.core.messages import Action, Field, Form, Option, Reply, Section, Style

PINGS = "<!channel> <!here> <!everyone> <@U0MEMBER1> <#C0GENERAL> & done"


def test_escaping_leaves_no_live_mention() -> None:
    formatted = render.format_text(PINGS)
    assert "<" not in formatted and ">" not in formatted
    assert formatted.startswith("&lt;!channel&gt;") and formatted.endswith("&amp; done")


def test_urls_become_links_after_escaping() -> None:
    formatted = render.format_text("read https://example.org/a?b=1&c=2 <!here>")
    assert "<https://example.org/a?b=1&amp;c=2>" in formatted
    assert "&lt;!here&gt;" in formatted


def test_long_sections_are_split_within_3000_characters() -> None:
    text = "\n".join(f"line {i} " + "&" * 80 for i in range(200)) + "\n" + "<" * 9000
    blocks = render.section_blocks(Section(text, title="T" * 100))
    assert len(blocks) > 2
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks)
    assert all("<" not in b["text"]["text"].replace("<http", "") for b in blocks)


def test_buttons_are_cut_to_75_and_carry_the_core_id_in_their_value() -> None:
    actions = tuple(Action("k", f"arg{i}", "L" * 200, Style.PRIMARY) for i in range(30))
    blocks = render.reply_blocks(Reply(sections=(Section("hi"),), actions=actions))
    found = buttons(blocks)
    assert len(found) == 30
    assert all(len(b["text"]["text"]) <= 75 for b in found)
    assert [b["value"] for b in found] == [a.id for a in actions]
    assert len({b["action_id"] for b in found}) == 30
    assert all(len(b["elements"]) <= 25 for b in blocks if b["type"] == "actions")


def test_at_most_50_blocks_with_pinned_first_and_buttons_kept() -> None:
    reply = Reply(
        pinned=(Section("Call 999", title="If you are in danger"),),
        sections=tuple(Section(f"section {i}") for i in range(80)),
        actions=(Action("k", "a", "Go"),),
    )
    blocks = render.reply_blocks(reply)
    assert len(blocks) == 50
    assert "Call 999" in blocks[0]["text"]["text"]
    assert blocks[-1]["type"] == "actions"
    # A message with pinned lines is never replaced by a press.
    assert buttons(blocks)[0]["action_id"].startswith(render.KEEP_PREFIX)


def test_link_buttons_route_nothing() -> None:
    blocks = render.reply_blocks(Reply(actions=(Action("x", "", "Site", url="https://e.org"),)))
    [link] = buttons(blocks)
    assert link["url"] == "https://e.org" and "value" not in link
    assert link["action_id"].startswith(render.LINK_PREFIX)


TWELVE = tuple(Option(str(i), str(i)) for i in range(12))
FORM = Form(
    id="checkin.form",
    title="Check in with a volunteer, privately",
    submit_label="Review",
    fields=(
        Field("text", "What is going on?", multiline=True, max_length=1500, placeholder="…"),
        Field("urgency", "When?", required=True, options=(Option("now", "Now"),)),
        Field("many", "Pick", required=True, options=TWELVE),
    ),
)


def test_forms_become_modals_without_initial_options() -> None:
    intro = Reply(pinned=(Section("Call 999"),), sections=(Section("Intro <!here>"),))
    view = render.modal_view(FORM, intro, {"text": "kept"})
    assert view["private_metadata"] == "checkin.form"
    assert len(view["title"]["text"]) <= 24
    assert "Call 999" in view["blocks"][0]["text"]["text"]
    assert "&lt;!here&gt;" in text_of(view["blocks"])
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert inputs["text"]["optional"] is True
    assert inputs["text"]["element"]["initial_value"] == "kept"
    assert inputs["urgency"]["element"]["type"] == "radio_buttons"
    assert inputs["many"]["element"]["type"] == "static_select"
    assert all("initial_option" not in b["element"] for b in inputs.values())


def test_form_errors_point_at_the_empty_required_fields() -> None:
    errors = render.form_errors(FORM, {"text": "x", "many": "3"}, "Please choose")
    assert errors == {"urgency": "Please choose"}


def _state(values: dict[str, Any]) -> dict[str, Any]:
    return {"state": {"values": values}, "private_metadata": "checkin.form"}


def test_form_values_read_text_radio_and_select() -> None:
    view = _state(
        {
            "text": {"value": {"type": "plain_text_input", "value": "hello"}},
            "urgency": {"value": {"type": "radio_buttons", "selected_option": {"value": "now"}}},
            "many": {"value": {"type": "static_select", "selected_option": None}},
            "empty": {"value": {"type": "plain_text_input", "value": None}},
        }
    )
    assert convert.form_values(view) == {"text": "hello", "urgency": "now", "many": "", "empty": ""}
    assert convert.form_id(view) == "checkin.form"
    assert convert.form_values({"state": "nonsense"}) == {}


def test_command_args_and_resource_queries() -> None:
    assert convert.command_args("") == convert.CommandArgs("help", ())
    parsed = convert.command_args("Resources  bystander topic:t kind:video")
    assert parsed.name == "resources"
    assert parse_query(parsed.args) == Query("bystander", "t", "video")


def test_only_people_s_own_dm_messages_are_relayed() -> None:
    base = {"type": "message", "user": "U1", "text": "a &lt;b&gt; &amp; c", "channel_type": "im"}
    found = convert.dm_from_person(base)
    assert found is not None and found[1] == "a <b> & c" and found[0].user_id == "U1"
    assert convert.dm_from_person({**base, "subtype": "message_changed"}) is None
    assert convert.dm_from_person({**base, "bot_id": "B1"}) is None
    assert convert.dm_from_person({**base, "channel_type": "channel"}) is None


def test_titles_are_cut_at_a_word_boundary() -> None:
    assert render.clip("Check in with a volunteer", 24) == "Check in with a…"
    assert render.clip("short", 24) == "short"
    assert len(render.clip("x" * 100, 24)) == 24


def test_a_response_body_is_the_message_with_its_fields_as_json() -> None:
    reply = Reply(sections=(Section("Step & text", "Step 1"),), actions=(Action("k", "", "Go"),))
    body = render.response_body(reply, replace_original=True)
    assert json.loads(body) == {"replace_original": True, **render.message(reply)}
    ephemeral = render.response_body(reply, response_type="ephemeral", replace_original=False)
    assert json.loads(ephemeral) == {
        "response_type": "ephemeral",
        "replace_original": False,
        **render.message(reply),
    }


def test_a_response_body_escapes_a_members_words() -> None:
    typed = "zephyrine's own words & <@U0MEMBER1>"
    body = render.response_body(Reply(sections=(Section(typed, "Your check-in"),)))
    assert "&lt;@U0MEMBER1&gt;" in json.loads(body)["blocks"][0]["text"]["text"]
