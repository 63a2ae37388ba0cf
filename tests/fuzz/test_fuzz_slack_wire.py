"""Fuzzed, correctly signed requests to the real slack-bolt app over HTTP.

How the examples run: ``bot`` (tests/slack/conftest.py) starts the real app on
127.0.0.1 once for the test; pytest-asyncio runs every hypothesis example on that test's
event loop, so one server answers all of them.  That sharing is the property under test
(the server keeps serving after each malformed request), which is why the
function-scoped-fixture health check is suppressed.  Each example sends one request
shaped like Slack's (slash command, block_actions, view_submission, event) with fields
dropped, mistyped or full of junk, then a valid ``/upstander help``, then waits for the
listeners' background work to finish (a hang fails the example).

Per example: the fuzzed request is answered below 500, the valid one with 200 and help
blocks, and nothing was logged as an unhandled exception.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from fuzz_payloads import action_values, junk, maybe, nasty_text, shaped, slack_ids, slack_state
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from slack_harness import MEMBER, MODERATOR, VOLUNTEER, SlackBot

from bot.adapters.slack.convert import MalformedPayload, check_request

VALID = "<issued by the stand-in>"

# Who sent it is always readable here: a request without a usable user id is the
# subject of test_a_request_without_a_user_is_refused below.
users = st.builds(
    lambda uid, name, extra: {**extra, "id": uid, "name": name, "team_id": "T1"},
    st.sampled_from([MEMBER, VOLUNTEER, MODERATOR, "U0NOBODY1"]),
    maybe(nasty_text),
    st.dictionaries(st.text(max_size=6), junk, max_size=2),
)
issued = st.one_of(st.just(VALID), st.just(VALID), nasty_text, junk)

slash_commands = st.fixed_dictionaries(
    {
        "command": st.just("/upstander"),
        "user_id": st.sampled_from([MEMBER, VOLUNTEER, MODERATOR, "U0NOBODY1"]),
    },
    optional={
        "user_name": nasty_text,
        "channel_id": st.one_of(st.just("C0GENERAL"), nasty_text),
        "text": st.one_of(
            st.sampled_from(["help", "practice", "resources", "checkin", "volunteer on"]),
            st.builds("{} {}".format, st.sampled_from(["practice", "resources"]), nasty_text),
            nasty_text,
        ),
        "trigger_id": st.just(VALID),
        "response_url": st.just(VALID),
    },
)

button_actions = shaped(
    {
        "action_id": st.one_of(
            st.sampled_from(["up:1", "upk:2", "home:pick", "home:form", "link:1"]), nasty_text
        ),
        "type": st.sampled_from(["button", "static_select"]),
        "value": action_values,
        "selected_option": shaped({"value": action_values}),
        "block_id": nasty_text,
    }
)

block_actions = st.fixed_dictionaries(
    {"type": st.just("block_actions"), "user": users},
    optional={
        "actions": st.one_of(st.lists(button_actions, min_size=1, max_size=2), junk),
        "container": shaped(
            {
                "type": st.sampled_from(["message", "view"]),
                "channel_id": st.one_of(st.just("C0GENERAL"), slack_ids),
                "message_ts": nasty_text,
            }
        ),
        "trigger_id": issued,
        "response_url": issued,
        "team": st.just({"id": "T1"}),
    },
)

view_submissions = st.fixed_dictionaries(
    {"type": st.just("view_submission"), "user": users},
    optional={
        # slack-bolt itself raises KeyError (answered 500) for a view_submission whose
        # view has no "type" (payload_utils.is_workflow_step_save): always sent here.
        "view": st.fixed_dictionaries(
            {"callback_id": st.just("upstander.form"), "type": st.just("modal")},
            optional={
                "id": maybe(st.just("V0FORM01")),
                "private_metadata": maybe(st.sampled_from(["checkin.form", "other"])),
                "state": slack_state,
            },
        ),
        "trigger_id": issued,
        "team": st.just({"id": "T1"}),
    },
)

message_events = st.fixed_dictionaries(
    {"type": st.just("message")},
    optional={
        "user": maybe(st.sampled_from([MEMBER, VOLUNTEER])),
        "text": maybe(nasty_text),
        "channel": maybe(st.just("D0MEMBER1")),
        "channel_type": maybe(st.just("im")),
        "subtype": st.sampled_from(["message_changed", "bot_message"]),
        "ts": nasty_text,
    },
)
home_events = st.fixed_dictionaries(
    {"type": st.just("app_home_opened")},
    optional={"user": maybe(st.just(MEMBER)), "tab": maybe(st.just("home"))},
)

requests = st.one_of(
    st.tuples(st.just("command"), slash_commands),
    st.tuples(st.just("payload"), st.one_of(block_actions, view_submissions, junk)),
    st.tuples(st.just("event"), st.one_of(message_events, home_events)),
)


def fill(bot: SlackBot, value: Any, user_id: str) -> Any:
    """Replace the VALID marker with a trigger_id or response_url the stand-in issued."""
    if isinstance(value, dict):
        out = {k: fill(bot, v, user_id) for k, v in value.items()}
        for key, issue in (
            ("trigger_id", bot.slack.issue_trigger_id),
            ("response_url", bot.slack.issue_response_url),
        ):
            if out.get(key) == VALID:
                out[key] = issue(user_id) if key == "trigger_id" else issue("C0GENERAL", user_id)
        return out
    if isinstance(value, list):
        return [fill(bot, v, user_id) for v in value]
    return value


def body_of(bot: SlackBot, kind: str, body: Any) -> dict[str, Any] | Any:
    """The request body as bolt parses it (form fields, a payload, an event envelope)."""
    if kind == "command":
        filled = fill(bot, body, str(body.get("user_id", MEMBER)))
        return {k: str(v) for k, v in filled.items()}
    if kind == "payload":
        user = body.get("user") if isinstance(body, dict) else None
        uid = user.get("id") if isinstance(user, dict) else None
        return fill(bot, body, uid if isinstance(uid, str) else MEMBER)
    return bot.driver.event_envelope(body)


async def send(bot: SlackBot, kind: str, body: Any) -> int:
    if kind == "command":
        return (await bot.driver.send_form(body)).status
    if kind == "payload":
        return (await bot.driver.send_form({"payload": json.dumps(body)})).status
    return (await bot.driver.send_json(body)).status


def readable(body: Any) -> bool:
    try:
        check_request(body)
    except MalformedPayload:
        return False
    return True


@settings(
    max_examples=75,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=requests)
async def test_malformed_requests_never_5xx_and_the_app_keeps_serving(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, request: tuple[str, Any]
) -> None:
    kind, generated = request
    body = body_of(bot, kind, generated)
    assume(readable(body))
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        status = await send(bot, kind, body)
        assert status < 500, (kind, body)

        ack = await bot.driver.slash_command("/upstander", "help", user_id=MEMBER)
        assert ack.status == 200 and ack.json()["blocks"]
        await bot.settle()

    unhandled = [r for r in caplog.records if r.exc_info is not None or r.levelno >= logging.ERROR]
    assert not unhandled, [(r.name, r.getMessage()[:200]) for r in unhandled]


FORM = {"callback_id": "upstander.form", "private_metadata": "checkin.form"}
UNREADABLE: list[tuple[str, Any]] = [
    ("command", {"command": "/upstander", "text": "help"}),
    ("command", {"command": "/upstander", "text": "help", "user_id": "<!channel>"}),
    ("payload", {"type": "block_actions", "user": {"id": MEMBER}, "actions": None}),
    ("payload", {"type": "block_actions", "user": {"id": MEMBER}, "actions": ["up:1"]}),
    ("payload", {"type": "block_actions", "actions": [{"action_id": "up:1", "value": "x"}]}),
    ("payload", {"type": "view_submission", "user": {"id": MEMBER}, "view": FORM}),
    ("payload", {"type": "view_submission", "user": None, "view": {**FORM, "type": "modal"}}),
    ("event", {"type": "app_home_opened", "user": {"id": MEMBER}, "tab": "home"}),
]


@pytest.mark.parametrize(("kind", "generated"), UNREADABLE)
async def test_a_request_without_a_readable_user_or_shape_is_refused_4xx(
    bot: SlackBot, caplog: pytest.LogCaptureFixture, kind: str, generated: Any
) -> None:
    body = body_of(bot, kind, generated)
    assert not readable(body)
    with caplog.at_level(logging.WARNING):
        status = await send(bot, kind, body)
        ack = await bot.driver.slash_command("/upstander", "help", user_id=MEMBER)
        assert ack.status == 200 and ack.json()["blocks"]
        await bot.settle()
    assert 400 <= status < 500
    assert not [r for r in caplog.records if r.exc_info is not None]
