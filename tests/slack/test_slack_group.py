"""Group practice in a channel through the real slack-bolt app: votes, reveal, tie, restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from slack_harness import (
    MEMBER,
    MODERATOR,
    SECRET,
    SlackBot,
    button_valued,
    buttons,
    last_seq,
    next_call,
    slack_env,
    text_of,
)
from slack_standin import RESPONSE_URL_METHOD, SlackDriver, SlackStandIn, drain_bolt_tasks

from bot.adapters.slack.run import attach_slack, start_http
from bot.adapters.slack.settings import EVENTS_PATH, SlackSettings
from bot.bootstrap import Runtime, build
from bot.config import Settings
from bot.core.clock import ManualClock
from bot.core.group_view import BEGIN, PICK, REVEAL, VOTE
from bot.storage.memory import MemoryStore

CHANNEL = "C0GENERAL"
VOTERS = ("U0VOTER01", "U0VOTER02", "U0VOTER03")
Blocks = list[dict[str, Any]]


@asynccontextmanager
async def serving(runtime: Runtime, slack: SlackStandIn) -> AsyncIterator[SlackBot]:
    """The Slack adapter over `runtime`, as the `bot` fixture builds it."""
    settings = SlackSettings.from_env(slack_env(slack))
    adapter = attach_slack(runtime.app, runtime, settings)
    server = await start_http(adapter, runtime, settings, host="127.0.0.1", port=0)
    try:
        async with SlackDriver(server.url + EVENTS_PATH, SECRET, standin=slack) as driver:
            bot = SlackBot(runtime, slack, driver, server, settings, adapter)
            yield bot
            await bot.settle_work()
            await drain_bolt_tasks()
    finally:
        await server.close()


def group_settings(tmp_path: Path, content_dir: Path) -> Settings:
    return Settings.from_env(
        {
            "UPSTANDER_DATA_DIR": str(tmp_path / "data"),
            "UPSTANDER_CONTENT_DIR": str(content_dir),
            "UPSTANDER_RESOURCES": str(tmp_path / "resources.yaml"),
        }
    )


async def press(bot: SlackBot, user_id: str, blocks: Blocks, prefix: str) -> dict[str, Any]:
    """Press, as `user_id`, the button valued `prefix…` in the channel's message; the
    body the bot posted to the press's response_url."""
    element = button_valued(blocks, prefix)
    before = last_seq(bot.slack)
    ack = await bot.driver.click_button(
        str(element["action_id"]),
        str(element["value"]),
        user_id=user_id,
        channel_id=CHANNEL,
        message={"ts": "1700000000.000002"},
    )
    assert ack.status == 200
    call = await next_call(bot.slack, RESPONSE_URL_METHOD, before)
    return call.args


def labelled(blocks: Blocks, label: str, prefix: str = VOTE) -> str:
    """The value prefix of the button labelled `label` (its whole core action id)."""
    for element in buttons(blocks):
        if label in str(element["text"]["text"]) and str(element["value"]).startswith(prefix):
            return str(element["value"])
    raise AssertionError(f"no {label!r} button")


async def start_together(bot: SlackBot) -> Blocks:
    ack = await bot.driver.slash_command(
        "/upstander", "practice together lift-remark", user_id=MEMBER, channel_id=CHANNEL
    )
    intro = ack.json()
    assert intro["response_type"] == "in_channel", "posted for the whole channel"
    assert "Content note: this scenario includes a remark about religion" in text_of(
        intro["blocks"]
    )
    begun = await press(bot, MEMBER, intro["blocks"], f"{BEGIN}|")
    assert begun["replace_original"] is True
    assert "The doors close" in text_of(begun["blocks"])
    blocks: Blocks = begun["blocks"]
    return blocks


async def test_three_vote_one_is_refused_the_starter_reveals_across_a_restart(
    tmp_path: Path, content_dir: Path, slack: SlackStandIn
) -> None:
    settings = group_settings(tmp_path, content_dir)
    clock = ManualClock()
    runtime = await build(settings, clock=clock)  # SQLite in tmp_path
    try:
        async with serving(runtime, slack) as bot:
            step = await start_together(bot)
            for voter in VOTERS[:2]:
                body = await press(bot, voter, step, labelled(step, "Tell him"))
            assert body["replace_original"] is True
            assert "Votes so far: 2" in text_of(body["blocks"])
    finally:
        await runtime.aclose()

    runtime = await build(settings, clock=clock)  # the same file, a new process
    try:
        async with serving(runtime, slack) as bot:
            body = await press(bot, VOTERS[1], step, labelled(step, "Ask the woman"))
            body = await press(bot, VOTERS[2], step, labelled(step, "Ask the woman"))
            assert "Votes so far: 3" in text_of(body["blocks"])
            assert not any(v in str(body) for v in VOTERS)

            refused = await press(bot, VOTERS[0], step, f"{REVEAL}|")
            assert refused["replace_original"] is False
            assert refused["response_type"] == "ephemeral"
            assert "Only the person who started this session" in text_of(refused["blocks"])

            shown = await press(bot, MEMBER, step, f"{REVEAL}|")
            text = text_of(shown["blocks"])
            assert shown["replace_original"] is True
            assert "Ask the woman which floor she needs: 2" in text
            assert "Tell him that was out of line: 1" in text
            assert "The group goes on with: Ask the woman which floor she needs" in text

            step2: Blocks = shown["blocks"]
            await press(bot, VOTERS[0], step2, labelled(step2, "Walk on"))
            recap = await press(bot, MODERATOR, step2, f"{REVEAL}|")
            text = text_of(recap["blocks"])
            assert "Group recap" in text and "She leaves the building on her own." in text
            assert "To discuss together" in text
            assert not any(
                str(b["value"]).startswith((VOTE, REVEAL)) for b in buttons(recap["blocks"])
            )
    finally:
        await runtime.aclose()


async def test_a_tie_is_broken_by_the_starter(
    tmp_path: Path, content_dir: Path, slack: SlackStandIn
) -> None:
    runtime = await build(
        group_settings(tmp_path, content_dir), store=MemoryStore(), clock=ManualClock()
    )
    try:
        async with serving(runtime, slack) as bot:
            step = await start_together(bot)
            await press(bot, VOTERS[0], step, labelled(step, "Ask the woman"))
            await press(bot, VOTERS[1], step, labelled(step, "Tell him"))
            tied = await press(bot, MEMBER, step, f"{REVEAL}|")
            assert "A tie. The person who started chooses" in text_of(tied["blocks"])
            picks = tied["blocks"]
            refused = await press(bot, VOTERS[0], picks, labelled(picks, "Tell him", PICK))
            assert refused["response_type"] == "ephemeral"
            chosen = await press(bot, MEMBER, picks, labelled(picks, "Tell him", PICK))
            assert "The group goes on with: Tell him that was out of line" in text_of(
                chosen["blocks"]
            )
    finally:
        await runtime.aclose()
