"""Requests Slack did not send, or sent badly: refused, with no effect and no crash."""

from __future__ import annotations

import json

from slack_harness import MEMBER, MODERATOR, VOLUNTEER, SlackBot, text_of


async def test_a_forged_signature_is_refused_with_no_effect(bot: SlackBot) -> None:
    ack = await bot.driver.slash_command(
        "/upstander", "volunteer on", user_id=VOLUNTEER, forge_signature=True
    )
    assert ack.status == 401
    assert await bot.runtime.store.volunteers.available_volunteers("slack") == []
    assert bot.slack.calls() == []


async def test_a_six_minute_old_request_is_refused_with_no_effect(bot: SlackBot) -> None:
    ack = await bot.driver.slash_command(
        "/upstander", "volunteer on", user_id=VOLUNTEER, age_seconds=360
    )
    assert ack.status == 401
    opened = await bot.driver.slash_command(
        "/upstander", "checkin", user_id=MEMBER, age_seconds=360
    )
    assert opened.status == 401
    assert await bot.runtime.store.volunteers.available_volunteers("slack") == []
    assert bot.slack.calls() == []


async def test_forged_events_and_interactions_are_refused(bot: SlackBot) -> None:
    event = await bot.driver.message_im(MEMBER, "hello", forge_signature=True)
    click = await bot.driver.send_payload(
        {"type": "block_actions", "user": {"id": MEMBER}, "actions": []}, forge_signature=True
    )
    assert (event.status, click.status) == (401, 401)
    assert bot.slack.calls() == []


async def test_a_malformed_payload_is_answered_4xx_and_the_app_keeps_working(
    bot: SlackBot,
) -> None:
    bad_json = await bot.driver.send_form({"payload": "{not json"})
    assert 400 <= bad_json.status < 500
    not_an_object = await bot.driver.send_form({"payload": json.dumps(["a", "list"])})
    assert 400 <= not_an_object.status < 500
    unsigned_garbage = await bot.driver.send_form({"payload": "{oops"}, forge_signature=True)
    assert unsigned_garbage.status == 401
    assert bot.slack.calls() == []

    ack = await bot.driver.slash_command("/upstander", "help", user_id=MEMBER)
    assert ack.status == 200 and ack.json()["blocks"]


async def test_moderator_commands_are_refused_to_members_and_allowed_to_moderators(
    bot: SlackBot,
) -> None:
    copy = bot.runtime.content.current
    refused = await bot.driver.slash_command("/upstander", "stats", user_id=MEMBER)
    assert text_of(refused.json()["blocks"]) == copy.text("en", "error.moderators_only")

    allowed = await bot.driver.slash_command("/upstander", "stats", user_id=MODERATOR)
    text = text_of(allowed.json()["blocks"])
    assert copy.text("en", "stats.practice") in text
    assert copy.text("en", "error.moderators_only") not in text


async def test_a_workspace_admin_counts_as_a_moderator(bot: SlackBot) -> None:
    bot.slack.add_user("U0ADMIN01", "ada.admin", is_admin=True)
    allowed = await bot.driver.slash_command("/upstander", "audit", user_id="U0ADMIN01")
    copy = bot.runtime.content.current
    assert copy.text("en", "error.moderators_only") not in text_of(allowed.json()["blocks"])


async def test_claiming_needs_membership_of_the_volunteer_group(bot: SlackBot) -> None:
    ack = await bot.driver.slash_command("/upstander", "volunteer on", user_id=MEMBER)
    copy = bot.runtime.content.current
    assert text_of(ack.json()["blocks"]) == copy.text("en", "error.volunteers_only")


async def test_an_unknown_subcommand_gets_help(bot: SlackBot) -> None:
    ack = await bot.driver.slash_command("/upstander", "dance <!here>", user_id=MEMBER)
    text = text_of(ack.json()["blocks"])
    assert "&lt;!here&gt;" not in text  # the name is cut to its first word: "dance"
    assert "dance" in text
    assert bot.runtime.content.current.text("en", "help.title") in text
