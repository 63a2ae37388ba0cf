"""Loopback stand-ins of Slack for end-to-end tests of the slack-bolt adapter.

- :class:`SlackStandIn` — Slack's Web API (and response_urls) on 127.0.0.1:0.
- :class:`SlackDriver` — sends signed slash commands, interactivity payloads and
  Events API requests to the bot's HTTP endpoint, as Slack does.
- :func:`serve_bolt_app` — runs a slack-bolt ``AsyncApp`` over aiohttp on 127.0.0.1:0.

Typical use (see tests/test_slack_standin.py)::

    async with SlackStandIn(clock=ManualClock()) as slack:
        client = AsyncWebClient(base_url=slack.api_url, token=slack.bot_token)
        app = AsyncApp(client=client, signing_secret=SECRET)  # client=, not token=
        ...register listeners...
        async with serve_bolt_app(app) as url, SlackDriver(url, SECRET, standin=slack) as d:
            ack = await d.slash_command("/practice", "bus", user_id="U1")
            posted = await slack.wait_for("chat.postMessage")

slack_sdk binds its default base URL (https://slack.com/api/) when a client is built, so
the app must get ``client=AsyncWebClient(base_url=...)``; ``AsyncApp(token=...)`` would
talk to the real Slack.  Slack's ack is bolt's HTTP answer; what listeners do after
``ack()`` runs in background tasks: wait for its effects with ``slack.wait_for(...)`` or
``await drain_bolt_tasks()``.
"""

from .bolt_server import bolt_listener_tasks, drain_bolt_tasks, serve_bolt_app
from .clock import Clock, ManualClock, monotonic_clock
from .driver import (
    DriverResponse,
    SlackDriver,
    checkboxes_value,
    multi_static_select_value,
    plain_text_value,
    radio_buttons_value,
    sign,
    static_select_value,
)
from .web_api import (
    RESPONSE_URL_METHOD,
    TRIGGER_TTL_SECONDS,
    Call,
    SlackStandIn,
    StandInError,
    UserProfile,
    Workspace,
)

__all__ = [
    "RESPONSE_URL_METHOD",
    "TRIGGER_TTL_SECONDS",
    "Call",
    "Clock",
    "DriverResponse",
    "ManualClock",
    "SlackDriver",
    "SlackStandIn",
    "StandInError",
    "UserProfile",
    "Workspace",
    "bolt_listener_tasks",
    "checkboxes_value",
    "drain_bolt_tasks",
    "monotonic_clock",
    "multi_static_select_value",
    "plain_text_value",
    "radio_buttons_value",
    "serve_bolt_app",
    "sign",
    "static_select_value",
]
