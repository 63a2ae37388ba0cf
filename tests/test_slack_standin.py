"""End-to-end tests of the Slack stand-in with the real slack-bolt AsyncApp over HTTP.

The app here is a trivial one defined in this file (not Upstander's adapter): it proves
that the stand-in and the driver speak Slack well enough for slack-bolt and slack_sdk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond, AsyncSay
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient
from slack_standin import (
    RESPONSE_URL_METHOD,
    Call,
    ManualClock,
    SlackDriver,
    SlackStandIn,
    StandInError,
    drain_bolt_tasks,
    plain_text_value,
    radio_buttons_value,
    serve_bolt_app,
    static_select_value,
)

SIGNING_SECRET = "test-signing-secret-0123456789"
MEMBER = "U0MEMBER1"
VOLUNTEER = "U0VOLUNT1"


# ---------------------------------------------------------------- the trivial app


@dataclass
class Bot:
    app: AsyncApp
    url: str
    driver: SlackDriver
    clock: ManualClock
    seen: list[tuple[str, Any]] = field(default_factory=list)


def build_app(standin: SlackStandIn, seen: list[tuple[str, Any]], **client_kwargs: Any) -> AsyncApp:
    # slack_sdk binds its default base_url in the client's constructor: the app must be
    # given a client built with the stand-in's URL, not a token.
    client = AsyncWebClient(base_url=standin.api_url, token=standin.bot_token, **client_kwargs)
    app = AsyncApp(client=client, signing_secret=SIGNING_SECRET)

    @app.command("/practice")
    async def practice(
        ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, say: AsyncSay
    ) -> None:
        await ack("Starting…")
        seen.append(("command", command))
        await respond(f"Private start for {command['text']}")
        await say(
            text="Pick one",
            blocks=[
                {"type": "section", "text": {"type": "mrkdwn", "text": "What would you do?"}},
                {
                    "type": "actions",
                    "block_id": "choices",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "choose",
                            "value": "distract",
                            "text": {"type": "plain_text", "text": "Distract"},
                        }
                    ],
                },
            ],
        )

    @app.action("choose")
    async def choose(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        seen.append(("action", action))
        await client.chat_update(
            channel=body["container"]["channel_id"],
            ts=body["container"]["message_ts"],
            text=f"You chose {action['value']}",
        )

    @app.command("/checkin")
    async def checkin(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        try:
            await client.views_open(
                trigger_id=body["trigger_id"],
                view={
                    "type": "modal",
                    "callback_id": "checkin",
                    "private_metadata": "req-42",
                    "title": {"type": "plain_text", "text": "Check in"},
                    "submit": {"type": "plain_text", "text": "Send"},
                    "blocks": [
                        {
                            "type": "input",
                            "block_id": "what",
                            "optional": True,
                            "label": {"type": "plain_text", "text": "What is going on?"},
                            "element": {"type": "plain_text_input", "action_id": "text"},
                        },
                        {
                            "type": "input",
                            "block_id": "mode",
                            "label": {"type": "plain_text", "text": "Share your name?"},
                            "element": {
                                "type": "radio_buttons",
                                "action_id": "choice",
                                "options": [
                                    {
                                        "text": {"type": "plain_text", "text": "Anonymous"},
                                        "value": "anonymous",
                                    },
                                    {
                                        "text": {"type": "plain_text", "text": "Share my name"},
                                        "value": "named",
                                    },
                                ],
                            },
                        },
                    ],
                },
            )
        except SlackApiError as e:
            seen.append(("views_open_error", e.response["error"]))
            await client.chat_postEphemeral(
                channel=body["channel_id"], user=body["user_id"], text="Please try again."
            )

    @app.action("home_checkin")
    async def home_checkin(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        seen.append(("home_action", body))
        await client.views_open(
            trigger_id=body["trigger_id"],
            view={
                "type": "modal",
                "callback_id": "checkin_from_home",
                "title": {"type": "plain_text", "text": "Check in"},
                "blocks": [],
            },
        )

    @app.view("checkin")
    async def checkin_submitted(
        ack: AsyncAck, view: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        values = view["state"]["values"]
        if values["mode"]["choice"]["selected_option"] is None:
            await ack(response_action="errors", errors={"mode": "Choose one"})
            return
        await ack()
        seen.append(("view", view))
        await client.chat_postMessage(channel=body["user"]["id"], text="We received it.")

    @app.event("message")
    async def on_message(event: dict[str, Any], say: AsyncSay) -> None:
        seen.append(("message", event))
        await say(f"echo: {event['text']}")

    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any], client: AsyncWebClient) -> None:
        seen.append(("home", event))
        await client.views_publish(
            user_id=event["user"],
            view={
                "type": "home",
                "blocks": [
                    {"type": "section", "text": {"type": "mrkdwn", "text": "Welcome home"}},
                    {
                        "type": "actions",
                        "block_id": "home_actions",
                        "elements": [
                            {
                                "type": "button",
                                "action_id": "home_checkin",
                                "text": {"type": "plain_text", "text": "Check in"},
                            }
                        ],
                    },
                ],
            },
        )

    return app


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn(clock=ManualClock()) as standin:
        standin.add_user(
            MEMBER,
            "member",
            real_name="Mem Ber",
            display_name="mem",
            tz="Europe/Paris",
            locale="fr-FR",
        )
        standin.add_user(VOLUNTEER, "volunteer", real_name="Vol Unteer")
        yield standin


async def _bot(slack: SlackStandIn, **client_kwargs: Any) -> AsyncIterator[Bot]:
    seen: list[tuple[str, Any]] = []
    app = build_app(slack, seen, **client_kwargs)
    async with serve_bolt_app(app) as url, SlackDriver(url, SIGNING_SECRET, standin=slack) as d:
        assert isinstance(slack.clock, ManualClock)
        yield Bot(app=app, url=url, driver=d, clock=slack.clock, seen=seen)


@pytest.fixture
async def bot(slack: SlackStandIn) -> AsyncIterator[Bot]:
    async for b in _bot(slack):
        yield b


def kinds(bot: Bot) -> list[str]:
    return [kind for kind, _ in bot.seen]


# ---------------------------------------------------------------- slash commands


async def test_slash_command_is_acked_and_respond_and_say_reach_slack(
    slack: SlackStandIn, bot: Bot
) -> None:
    resp = await bot.driver.slash_command(
        "/practice", "bus", user_id=MEMBER, channel_id="C0GENERAL"
    )
    assert resp.status == 200
    # bolt answers ack("...") alone as a text/plain body, which Slack shows as the reply.
    assert resp.body == "Starting…"
    assert resp.headers["Content-Type"].startswith("text/plain")

    posted = await slack.wait_for("chat.postMessage")
    responded = await slack.wait_for(RESPONSE_URL_METHOD)
    assert responded.args["text"] == "Private start for bus"
    assert posted.ok and posted.args["channel"] == "C0GENERAL"
    assert posted.args["blocks"][1]["elements"][0]["action_id"] == "choose"
    assert posted.response["message"]["ts"] == posted.response["ts"]
    # bolt authorised the request once with auth.test, with the bot token.
    assert [c.token for c in slack.calls("auth.test")] == [slack.bot_token]
    assert kinds(bot) == ["command"]
    assert bot.seen[0][1]["user_id"] == MEMBER
    assert "What would you do?" in slack.all_outbound_text()
    assert "Private start for bus" in slack.all_outbound_text()


async def test_button_click_in_a_message_reaches_the_action_listener(
    slack: SlackStandIn, bot: Bot
) -> None:
    await bot.driver.slash_command("/practice", "bus", user_id=MEMBER)
    posted = await slack.wait_for("chat.postMessage")

    resp = await bot.driver.click_button(
        "choose",
        "distract",
        block_id="choices",
        user_id=MEMBER,
        channel_id=posted.response["channel"],
        message=posted.response["message"],
    )
    assert resp.status == 200
    assert resp.body == ""

    updated = await slack.wait_for("chat.update")
    assert updated.ok
    assert updated.args["ts"] == posted.response["ts"]
    assert updated.args["text"] == "You chose distract"
    action = dict(bot.seen)["action"]
    assert action["block_id"] == "choices" and action["type"] == "button"


# ---------------------------------------------------------------- modals


async def test_view_submission_reaches_the_view_listener(slack: SlackStandIn, bot: Bot) -> None:
    resp = await bot.driver.slash_command("/checkin", user_id=MEMBER)
    assert resp.status == 200
    opened = await slack.wait_for("views.open")
    assert opened.ok, opened.response
    view = slack.last_view(MEMBER)
    assert view["callback_id"] == "checkin"

    # A submission without the required choice is answered in the ack itself.
    resp = await bot.driver.submit_view(
        view,
        {"what": {"text": plain_text_value(None)}, "mode": {"choice": radio_buttons_value(None)}},
        user_id=MEMBER,
    )
    assert resp.status == 200
    assert resp.json() == {"response_action": "errors", "errors": {"mode": "Choose one"}}

    resp = await bot.driver.submit_view(
        view,
        {
            "what": {"text": plain_text_value("someone keeps joking about my accent")},
            "mode": {"choice": radio_buttons_value("anonymous", "Anonymous")},
        },
        user_id=MEMBER,
    )
    assert resp.status == 200 and resp.body == ""
    confirmed = await slack.wait_for("chat.postMessage")
    assert confirmed.response["channel"] == slack.dm_channel_for(MEMBER)
    submitted = dict(bot.seen)["view"]
    assert submitted["private_metadata"] == "req-42"
    assert submitted["state"]["values"]["mode"]["choice"]["selected_option"]["value"] == "anonymous"


async def test_views_open_with_an_expired_trigger_fails(slack: SlackStandIn, bot: Bot) -> None:
    # Slack delivered the command late: the trigger was issued 3.5 s before it arrived.
    stale = slack.issue_trigger_id(MEMBER)
    bot.clock.advance(3.5)
    resp = await bot.driver.slash_command("/checkin", user_id=MEMBER, trigger_id=stale)
    assert resp.status == 200

    call = await slack.wait_for("views.open")
    assert call.response == {"ok": False, "error": "expired_trigger_id"}
    await slack.wait_for("chat.postEphemeral")
    assert ("views_open_error", "expired_trigger_id") in bot.seen
    assert slack.views == {}


async def test_trigger_ids_are_single_use_and_checked(slack: SlackStandIn) -> None:
    client = AsyncWebClient(base_url=slack.api_url, token=slack.bot_token)
    view = {"type": "modal", "title": {"type": "plain_text", "text": "t"}, "blocks": []}
    trigger = slack.issue_trigger_id(MEMBER)
    assert isinstance(slack.clock, ManualClock)
    slack.clock.advance(2.9)
    opened = await client.views_open(trigger_id=trigger, view=view)
    assert opened["view"]["id"].startswith("V")
    for bad, error in ((trigger, "exchanged_trigger_id"), ("1.2.nope", "invalid_trigger_id")):
        with pytest.raises(SlackApiError) as info:
            await client.views_open(trigger_id=bad, view=view)
        assert info.value.response["error"] == error

    updated = await client.views_update(view_id=opened["view"]["id"], view=view)
    assert updated["view"]["id"] == opened["view"]["id"]
    with pytest.raises(SlackApiError) as info:
        await client.views_update(view_id="V404", view=view)
    assert info.value.response["error"] == "not_found"


# ---------------------------------------------------------------- Events API


async def test_message_im_event_reaches_the_message_listener(slack: SlackStandIn, bot: Bot) -> None:
    resp = await bot.driver.message_im(MEMBER, "hello there")
    assert resp.status == 200

    echoed = await slack.wait_for("chat.postMessage")
    # bolt's per-request client adds team_id to every call.
    assert echoed.args == {
        "channel": slack.dm_channel_for(MEMBER),
        "text": "echo: hello there",
        "team_id": slack.team_id,
    }
    event = dict(bot.seen)["message"]
    assert event["channel_type"] == "im" and event["user"] == MEMBER


async def test_app_home_opened_publishes_a_home_view(slack: SlackStandIn, bot: Bot) -> None:
    resp = await bot.driver.app_home_opened(MEMBER)
    assert resp.status == 200
    published = await slack.wait_for("views.publish")
    assert published.ok
    assert published.args["user_id"] == MEMBER
    assert published.args["view"]["type"] == "home"
    assert slack.home_views[MEMBER]["blocks"][0]["text"]["text"] == "Welcome home"

    # The next app_home_opened carries the published view, as Slack's does.
    await bot.driver.app_home_opened(MEMBER)
    await slack.wait_for_count("views.publish", 2)
    first, second = (e for k, e in bot.seen if k == "home")
    assert "view" not in first
    assert second["view"]["id"] == published.response["view"]["id"]


async def test_button_click_in_the_home_tab_opens_a_modal(slack: SlackStandIn, bot: Bot) -> None:
    await bot.driver.app_home_opened(MEMBER)
    await slack.wait_for("views.publish")
    home = slack.home_views[MEMBER]

    resp = await bot.driver.click_button(
        "home_checkin", block_id="home_actions", user_id=MEMBER, view=home
    )
    assert resp.status == 200
    opened = await slack.wait_for("views.open")
    assert opened.ok, opened.response
    assert slack.last_view(MEMBER)["callback_id"] == "checkin_from_home"
    body = dict(bot.seen)["home_action"]
    assert body["container"] == {"type": "view", "view_id": home["id"]}
    assert body["view"]["type"] == "home"
    assert "channel" not in body and "response_url" not in body


async def test_url_verification_is_answered_with_the_challenge(
    slack: SlackStandIn, bot: Bot
) -> None:
    resp = await bot.driver.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    assert resp.status == 200
    assert resp.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
    assert slack.calls() == []


# ---------------------------------------------------------------- request signing


@pytest.mark.parametrize(
    "options",
    [{"forge_signature": True}, {"age_seconds": 6 * 60}],
    ids=["forged-signature", "six-minutes-old"],
)
async def test_unsigned_or_stale_requests_are_refused(
    slack: SlackStandIn, bot: Bot, options: dict[str, Any]
) -> None:
    refused = [
        await bot.driver.slash_command("/practice", "x", user_id=MEMBER, **options),
        await bot.driver.message_im(MEMBER, "x", **options),
        await bot.driver.url_verification("c", **options),
    ]
    assert [r.status for r in refused] == [401, 401, 401]
    assert all("challenge" not in r.body for r in refused)
    await drain_bolt_tasks()
    assert bot.seen == []
    assert slack.calls() == []

    # A good request afterwards is the only one any listener ever saw.
    await bot.driver.message_im(MEMBER, "good")
    await slack.wait_for("chat.postMessage")
    assert [(k, e["text"]) for k, e in bot.seen] == [("message", "good")]
    assert [c.method for c in slack.calls()] == ["auth.test", "chat.postMessage"]


# ---------------------------------------------------------------- faults and retries


@pytest.fixture
async def retrying_bot(slack: SlackStandIn, request: pytest.FixtureRequest) -> AsyncIterator[Bot]:
    handlers: list[AsyncRetryHandler] = request.param
    async for b in _bot(slack, retry_handlers=handlers):
        yield b


@pytest.mark.parametrize(
    "retrying_bot", [[AsyncRateLimitErrorRetryHandler(max_retry_count=1)]], indirect=True
)
async def test_rate_limited_post_is_delivered_once_after_retry_after(
    slack: SlackStandIn, retrying_bot: Bot
) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    await retrying_bot.driver.message_im(MEMBER, "hi")

    await slack.wait_for(lambda c: c.method == "chat.postMessage" and c.ok, timeout=5)
    first, second = slack.calls("chat.postMessage")
    assert (first.status, first.response["error"]) == (429, "ratelimited")
    assert second.ok and len(slack.delivered("chat.postMessage")) == 1
    # slack_sdk honoured Retry-After: 1 (it sleeps that long plus up to 1 s of jitter).
    assert second.received_at - first.received_at >= 1.0


@pytest.mark.parametrize(
    "retrying_bot",
    [
        [
            AsyncServerErrorRetryHandler(
                max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0.05)
            )
        ]
    ],
    indirect=True,
)
async def test_server_error_is_retried_and_delivered_once(
    slack: SlackStandIn, retrying_bot: Bot
) -> None:
    slack.fail_next("chat.postMessage", status=500)
    await retrying_bot.driver.message_im(MEMBER, "hi")

    await slack.wait_for(lambda c: c.method == "chat.postMessage" and c.ok)
    assert [c.status for c in slack.calls("chat.postMessage")] == [500, 200]
    assert len(slack.delivered("chat.postMessage")) == 1


async def test_without_a_retry_handler_the_failure_surfaces(slack: SlackStandIn) -> None:
    client = AsyncWebClient(base_url=slack.api_url, token=slack.bot_token)
    slack.fail_next("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as info:
        await client.chat_postMessage(channel="C1", text="x")
    assert info.value.response.status_code == 500
    slack.fail_next("chat.postMessage", status=200, error="channel_not_found")
    with pytest.raises(SlackApiError) as info:
        await client.chat_postMessage(channel="C1", text="x")
    assert info.value.response["error"] == "channel_not_found"
    assert (await client.chat_postMessage(channel="C1", text="x"))["ok"]
    assert [c.status for c in slack.calls()] == [500, 200, 200]
    assert len(slack.delivered()) == 1


# ---------------------------------------------------------------- the Web API itself


async def test_tokens_are_checked(slack: SlackStandIn) -> None:
    bad = AsyncWebClient(base_url=slack.api_url, token="xoxb-wrong")
    with pytest.raises(SlackApiError) as info:
        await bad.auth_test()
    assert info.value.response.data == {"ok": False, "error": "invalid_auth"}
    none = AsyncWebClient(base_url=slack.api_url)
    with pytest.raises(SlackApiError) as info:
        await none.auth_test()
    assert info.value.response["error"] == "not_authed"
    good = AsyncWebClient(base_url=slack.api_url, token=slack.bot_token)
    auth = await good.auth_test()
    assert (auth["user_id"], auth["team_id"]) == (slack.bot_user_id, slack.team_id)


async def test_form_and_json_bodies_are_both_parsed(slack: SlackStandIn) -> None:
    client = AsyncWebClient(base_url=slack.api_url, token=slack.bot_token)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "in a block"}}]
    await client.chat_postMessage(channel="C1", text="json body", blocks=blocks)
    # The same method, form-encoded with a JSON string, as older callers send it.
    await client.api_call(
        "chat.postMessage",
        data={"channel": "C1", "text": "form body", "blocks": '[{"type": "divider"}]'},
    )
    # A token among the arguments replaces the client's (slack_sdk moves it to the header).
    with pytest.raises(SlackApiError):
        await client.api_call(
            "chat.postMessage", json={"channel": "C1", "text": "t", "token": "bad"}
        )
    as_json, as_form, bad_token = slack.calls("chat.postMessage")
    assert as_json.content_type == "application/json" and as_json.args["blocks"] == blocks
    assert as_form.content_type == "application/x-www-form-urlencoded"
    assert as_form.args == {"channel": "C1", "text": "form body", "blocks": [{"type": "divider"}]}
    assert bad_token.response["error"] == "invalid_auth"
    assert slack.all_outbound_text()[:3] == ["json body", "in a block", "form body"]


async def test_conversations_and_people(slack: SlackStandIn) -> None:
    client = AsyncWebClient(base_url=slack.api_url, token=slack.bot_token)
    dm = (await client.conversations_open(users=MEMBER))["channel"]["id"]
    again = await client.conversations_open(users=[MEMBER])
    assert dm.startswith("D") and again["channel"]["id"] == dm and again["already_open"]
    other = (await client.conversations_open(users=VOLUNTEER))["channel"]["id"]
    assert other != dm
    posted = await client.chat_postMessage(channel=MEMBER, text="to the user id")
    assert posted["channel"] == dm

    slack.set_channel_members("C0VOLS", [f"U{i:04d}" for i in range(5)])
    page1 = await client.conversations_members(channel="C0VOLS", limit=3)
    page2 = await client.conversations_members(
        channel="C0VOLS", limit=3, cursor=page1["response_metadata"]["next_cursor"]
    )
    assert page1["members"] + page2["members"] == [f"U{i:04d}" for i in range(5)]
    assert page2["response_metadata"]["next_cursor"] == ""
    with pytest.raises(SlackApiError):
        await client.conversations_members(channel="C0NOPE")

    slack.set_usergroup_members("S0LEADS", [VOLUNTEER])
    assert (await client.usergroups_users_list(usergroup="S0LEADS"))["users"] == [VOLUNTEER]
    with pytest.raises(SlackApiError) as info:
        await client.usergroups_users_list(usergroup="S0NOPE")
    assert info.value.response["error"] == "no_such_subteam"

    user = (await client.users_info(user=MEMBER, include_locale=True))["user"]
    assert (user["name"], user["real_name"], user["tz"], user["locale"]) == (
        "member",
        "Mem Ber",
        "Europe/Paris",
        "fr-FR",
    )
    assert user["profile"]["display_name"] == "mem"
    assert "locale" not in (await client.users_info(user=MEMBER))["user"]
    with pytest.raises(SlackApiError) as info:
        await client.users_info(user="U0NOBODY")
    assert info.value.response["error"] == "user_not_found"

    slack.set_channel_members("C0GENERAL", [MEMBER])
    eph = await client.chat_postEphemeral(channel="C0GENERAL", user=MEMBER, text="psst")
    assert eph["message_ts"]
    with pytest.raises(SlackApiError) as info:
        await client.chat_postEphemeral(channel="C0GENERAL", user=VOLUNTEER, text="psst")
    assert info.value.response["error"] == "user_not_in_channel"


async def test_wait_for_times_out_with_what_was_seen(slack: SlackStandIn) -> None:
    client = AsyncWebClient(base_url=slack.api_url, token=slack.bot_token)
    await client.auth_test()
    with pytest.raises(StandInError, match=r"auth\.test"):
        await slack.wait_for("chat.postMessage", timeout=0.05)
    found: Call = await slack.wait_for(lambda c: c.method == "auth.test", timeout=0.05)
    assert found.ok


async def test_response_urls_expire_after_30_minutes(slack: SlackStandIn, bot: Bot) -> None:
    url = slack.issue_response_url("C0GENERAL", MEMBER)
    bot.clock.advance(31 * 60)
    await bot.driver.slash_command("/practice", "late", user_id=MEMBER, response_url=url)
    call = await slack.wait_for(RESPONSE_URL_METHOD)
    assert (call.status, call.response["error"]) == (404, "expired_url")
    await slack.wait_for("chat.postMessage")


def test_static_select_value_shape() -> None:
    assert static_select_value("soon", "Soon") == {
        "type": "static_select",
        "selected_option": {
            "text": {"type": "plain_text", "text": "Soon", "emoji": True},
            "value": "soon",
        },
    }
