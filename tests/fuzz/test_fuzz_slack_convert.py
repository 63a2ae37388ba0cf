"""Slack payloads → core inputs, fuzzed: a well-formed value or ``MalformedPayload``.

Each property calls the real function in ``bot.adapters.slack.convert`` with payloads
shaped like Slack's (see fuzz_payloads.py) but with keys missing, of the wrong type or
full of junk.  Anything other than a well-formed answer or the one documented error,
``MalformedPayload`` (a ``ValueError`` under ``UpstanderError``), fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from fuzz_payloads import (
    junk,
    nasty_text,
    slack_action,
    slack_command,
    slack_interaction,
    slack_message_event,
    slack_view,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.slack import convert
from bot.adapters.slack.convert import MalformedPayload
from bot.core.actors import Actor
from bot.core.errors import UpstanderError

T = TypeVar("T")
FUZZ = settings(max_examples=150, deadline=None)


def outcome(fn: Callable[..., T], *args: Any) -> T | MalformedPayload:
    """The function's value, or the documented error; any other exception fails."""
    try:
        return fn(*args)
    except MalformedPayload as exc:
        assert isinstance(exc, UpstanderError) and isinstance(exc, ValueError)
        assert str(exc)  # says what was wrong
        return exc


def assert_actor(actor: Actor) -> None:
    assert actor.platform == "slack"
    assert isinstance(actor.user_id, str) and actor.user_id
    # An id is an id: nothing in it can turn into markup or a mention when shown.
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", actor.user_id, re.ASCII), actor.user_id
    assert isinstance(actor.display_name, str)


def test_the_error_is_in_the_project_tree() -> None:
    assert issubclass(MalformedPayload, UpstanderError)
    assert issubclass(MalformedPayload, ValueError)


@FUZZ
@given(slack_command)
def test_actor_from_command(command: Any) -> None:
    got = outcome(convert.actor_from_command, command)
    if not isinstance(got, MalformedPayload):
        assert_actor(got)


@FUZZ
@given(slack_interaction)
def test_actor_from_payload(payload: Any) -> None:
    got = outcome(convert.actor_from_payload, payload)
    if not isinstance(got, MalformedPayload):
        assert_actor(got)


@FUZZ
@given(nasty_text)
def test_command_args(text: str) -> None:
    args = convert.command_args(text)
    assert args.name and args.name == args.name.lower()
    assert not any(c.isspace() for c in args.name)
    assert all(a and not any(c.isspace() for c in a) for a in args.args)
    assert isinstance(args.first, str)
    if not text.split():
        assert args == convert.CommandArgs("help", ())


@FUZZ
@given(slack_view)
def test_form_values_and_form_id(view: Any) -> None:
    values = outcome(convert.form_values, view)
    if not isinstance(values, MalformedPayload):
        assert isinstance(values, dict)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in values.items())
    form = outcome(convert.form_id, view)
    assert isinstance(form, (str, MalformedPayload))


@FUZZ
@given(slack_action)
def test_pressed_value(action: Any) -> None:
    value = outcome(convert.pressed_value, action)
    assert isinstance(value, (str, MalformedPayload))
    if isinstance(action, dict) and isinstance(value, str) and value:
        # The value is one Slack sent, never a repr of something else.
        sent = [action.get("value")]
        selected = action.get("selected_option")
        if isinstance(selected, dict):
            sent.append(selected.get("value"))
        assert value in sent


@FUZZ
@given(slack_interaction)
def test_where_pressed(payload: Any) -> None:
    where = outcome(convert.where_pressed, payload)
    if not isinstance(where, MalformedPayload):
        assert isinstance(where.in_view, bool)
        for text in (where.channel_id, where.response_url, where.trigger_id):
            assert isinstance(text, str)
            assert text != "None"  # a missing value is "", not the word None


@FUZZ
@given(st.one_of(slack_message_event, junk))
def test_dm_from_person(event: Any) -> None:
    found = outcome(convert.dm_from_person, event)
    if found is None or isinstance(found, MalformedPayload):
        return
    actor, text = found
    assert_actor(actor)
    assert isinstance(text, str)
    assert isinstance(event, dict) and event.get("channel_type") == "im"


@FUZZ
@given(nasty_text)
def test_unescape_undoes_slacks_escaping(text: str) -> None:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert convert.unescape(escaped) == text


@FUZZ
@given(st.one_of(slack_interaction, slack_command, junk))
def test_check_request_accepts_only_what_the_listeners_can_read(body: Any) -> None:
    if isinstance(outcome(convert.check_request, body), MalformedPayload):
        return
    assert isinstance(body, dict)
    if "command" in body:
        assert_actor(convert.actor_from_command(body))
    elif isinstance(body.get("type"), str) and body["type"] in convert.INTERACTIONS:
        assert_actor(convert.actor_from_payload(body))
        convert.where_pressed(body)
        for action in body.get("actions") or []:
            assert isinstance(convert.pressed_value(action), str)
        if isinstance(body.get("view"), dict):
            convert.form_values(body["view"])


@pytest.mark.parametrize("actions", [True, "0", [1], [{"value": "x"}]])
def test_a_view_submission_carrying_malformed_actions_is_refused(actions: object) -> None:
    # Found by the property above: Slack sends no actions with a view submission, and
    # a list nothing downstream could read must not get past the check.
    body = {
        "type": "view_submission",
        "user": {"id": "U0MEMBER1"},
        "view": {"type": "modal"},
        "actions": actions,
    }
    with pytest.raises(MalformedPayload):
        convert.check_request(body)
