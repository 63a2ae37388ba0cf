"""Hypothesis strategies for platform payloads that are shaped like the real ones but wrong.

Every strategy starts from the shape Slack or Discord really sends (see
tests/slack_standin/driver.py and tests/discord_standin/) and then, key by key, keeps the
right kind of value, drops the key, or puts garbage in its place: ``None``, numbers,
lists, nested dicts, huge strings, control characters, mentions.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# -- text a person (or an attacker) could put anywhere ---------------------------------

MENTIONS = (
    "@everyone",
    "@here",
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U0MEMBER1>",
    "<@&123456789012345678>",
    "<@123456789012345678>",
    "<#C0GENERAL>",
    "<!subteam^S0VOLUNTS>",
    "&lt;!channel&gt;",
    "&amp;lt;!here&amp;gt;",
)

nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), max_size=40),
    st.text(st.characters(max_codepoint=0x1F), max_size=10),  # control characters
    st.sampled_from(MENTIONS),
    st.builds(
        lambda a, m, b: f"{a}{m}{b}",
        st.text(max_size=8),
        st.sampled_from(MENTIONS),
        st.text(max_size=8),
    ),
    st.sampled_from(["", " ", "\n", "\x00", "\u202e", "\ud7ff", "😀" * 3, "topic:", "kind:"]),
    st.integers(1, 4).map(lambda n: "x" * (25_000 * n)),  # far over every platform limit
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    nasty_text,
)

# Any JSON-like value: the "wrong type" for every key.
junk: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=8), inner, max_size=4),
    ),
    max_leaves=12,
)


def maybe(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the right kind of value, sometimes junk."""
    return st.one_of(good, good, junk)


def shaped(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """A dict with some of ``fields`` (each right or junk) and some unknown keys, or now
    and then not a dict at all."""
    dicts = st.builds(
        lambda known, extra: {**extra, **known},
        st.fixed_dictionaries({}, optional={k: maybe(v) for k, v in fields.items()}),
        st.dictionaries(st.text(max_size=6), junk, max_size=2),
    )
    return st.one_of(dicts, dicts, dicts, junk)


# -- Slack -----------------------------------------------------------------------------

slack_ids = st.one_of(
    st.sampled_from(["U0MEMBER1", "U0VOLUNT1", "U0MODER01", "W0ENTERPR1", "C0GENERAL"]),
    st.from_regex(r"[UW][A-Z0-9]{2,10}", fullmatch=True),
    nasty_text,
)

slack_user = shaped(
    {"id": slack_ids, "username": nasty_text, "name": nasty_text, "team_id": slack_ids}
)

slack_command = shaped(
    {
        "user_id": slack_ids,
        "user_name": nasty_text,
        "channel_id": slack_ids,
        "text": nasty_text,
        "trigger_id": nasty_text,
        "response_url": nasty_text,
        "command": st.just("/upstander"),
    }
)

action_values = st.one_of(
    st.sampled_from(["intro|bus-stop", "checkin|send", "claim|1", "library|page:2"]),
    nasty_text,
)

option = shaped({"value": action_values, "text": shaped({"type": st.just("plain_text")})})

slack_action = shaped(
    {
        "action_id": st.one_of(
            st.sampled_from(["up:0", "upk:3", "link:1", "home.pick", "home.form"]), nasty_text
        ),
        "block_id": nasty_text,
        "type": st.sampled_from(["button", "static_select", "overflow", "datepicker"]),
        "value": action_values,
        "selected_option": option,
        "action_ts": nasty_text,
    }
)

element_types = st.sampled_from(
    ["plain_text_input", "radio_buttons", "static_select", "external_select", "checkboxes"]
)

slack_element = shaped(
    {
        "type": st.one_of(element_types, nasty_text),
        "value": nasty_text,
        "selected_option": option,
        "selected_options": st.lists(option, max_size=3),
    }
)

slack_state = shaped(
    {
        "values": st.one_of(
            st.dictionaries(
                nasty_text, st.dictionaries(nasty_text, slack_element, max_size=2), max_size=5
            ),
            junk,
        )
    }
)

slack_view = shaped(
    {
        "id": slack_ids,
        "type": st.just("modal"),
        "callback_id": st.sampled_from(["upstander.form", "other.form"]),
        "private_metadata": st.one_of(st.sampled_from(["checkin.form", ""]), nasty_text),
        "state": slack_state,
    }
)

slack_container = shaped(
    {
        "type": st.sampled_from(["message", "view", "home"]),
        "channel_id": slack_ids,
        "message_ts": nasty_text,
        "view_id": slack_ids,
        "is_ephemeral": st.booleans(),
    }
)

slack_interaction = shaped(
    {
        "type": st.sampled_from(["block_actions", "view_submission", "view_closed"]),
        "user": slack_user,
        "trigger_id": nasty_text,
        "container": slack_container,
        "response_url": nasty_text,
        "view": slack_view,
        "actions": st.lists(slack_action, max_size=3),
    }
)

slack_message_event = shaped(
    {
        "type": st.just("message"),
        "user": slack_ids,
        "text": nasty_text,
        "channel": slack_ids,
        "channel_type": st.sampled_from(["im", "channel", "group", "mpim"]),
        "subtype": st.sampled_from(["message_changed", "bot_message", "channel_join"]),
        "bot_id": st.sampled_from(["B0BOTID"]),
    }
)


# -- Discord ---------------------------------------------------------------------------

discord_custom_ids = st.one_of(
    st.sampled_from(["intro|bus-stop", "checkin.form", "checkin|send", "claim|1", "not-ours"]),
    nasty_text,
)

_leaf_component = shaped(
    {
        "type": st.sampled_from([2, 3, 4, 5, 6, 7, 8, 21, 99]),
        # The check-in form's own field ids, so that fuzzed values reach the core.
        "custom_id": st.one_of(
            st.sampled_from(["text", "category", "urgency", "identity"]), discord_custom_ids
        ),
        "value": nasty_text,
        "values": st.lists(nasty_text, max_size=3),
    }
)

discord_components: st.SearchStrategy[Any] = st.recursive(
    st.lists(_leaf_component, max_size=4),
    lambda inner: st.lists(
        st.one_of(
            shaped({"type": st.sampled_from([1, 18]), "components": inner}),
            shaped({"type": st.just(18), "component": _leaf_component}),
            _leaf_component,
        ),
        max_size=4,
    ),
    max_leaves=10,
)

discord_modal_data = shaped(
    {
        "custom_id": discord_custom_ids,
        "components": discord_components,
        "resolved": junk,
    }
)
