"""A failed Slack call is logged as Slack's error code or the exception's class."""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from bot.adapters.slack.failures import failure_reason


def _refused(data: dict[str, object]) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data=data,
        headers={},
        status_code=200,
    )
    return SlackApiError("refused", response)


def test_slack_refusing_a_call_is_named_by_its_error_code() -> None:
    assert failure_reason(_refused({"ok": False, "error": "channel_not_found"})) == (
        "channel_not_found"
    )
    assert failure_reason(_refused({"ok": False})) == "error"


def test_any_other_failure_is_named_by_its_class_only() -> None:
    assert failure_reason(aiohttp.ClientConnectionError("secret-host:443")) == (
        "ClientConnectionError"
    )
