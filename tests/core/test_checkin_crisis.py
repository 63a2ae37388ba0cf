"""The crisis path says one thing, comes first in every reply about a flagged check-in,
starts with the right emergency number, and its Send and Cancel cannot be used twice."""

from __future__ import annotations

from dataclasses import replace

from harness import Console, build_console
from test_checkin import MEMBER, VOLUNTEER, open_checkin, volunteer_on

from bot.config import Settings
from bot.core.actors import Actor
from bot.core.catalog import Catalog
from bot.core.clock import ManualClock
from bot.core.crisis import Stage, crisis_section
from bot.core.desk_support import CANCEL, CONFIRM
from bot.core.messages import Reply
from bot.core.models import CheckinStatus

DANGER = "I feel unsafe, he keeps following me home"
TITLE = "If you are in danger right now"


def texts(console: Console) -> Catalog:
    return console.runtime.content.current


def first_is_crisis(text: str, then: str) -> bool:
    """The crisis block is there, before `then`."""
    return -1 < text.find(TITLE) < text.find(then)


async def test_dont_send_says_nothing_was_sent_and_the_lines_stay(console: Console) -> None:
    catalog = texts(console)
    summary = await open_checkin(console, DANGER)
    assert catalog.text("en", "crisis.stage_draft") in summary
    cancelled = await console.press("Don't send")
    assert first_is_crisis(cancelled, "Not sent, and nothing was kept")
    assert catalog.text("en", "crisis.stage_not_sent") in cancelled
    # Not the promise that it still goes to volunteers: it went nowhere.
    assert catalog.text("en", "crisis.stage_sent") not in cancelled
    assert "goes to our volunteers" not in cancelled
    assert not console.outbound_text(to_volunteers=True)


async def test_every_reply_about_a_flagged_checkin_starts_with_the_lines(
    console: Console,
) -> None:
    catalog = texts(console)
    await volunteer_on(console)
    await open_checkin(console, DANGER)
    received = await console.press("Send to volunteers")
    assert first_is_crisis(received, "Received and stored safely")
    assert catalog.text("en", "crisis.stage_sent") in received

    waiting = await console.say("Are you there?")
    assert first_is_crisis(waiting, catalog.text("en", "relay.not_claimed_yet")[:20])
    again = await console.say("/checkin")
    assert first_is_crisis(again, "You already have a check-in open")

    await console.say(f"/as volunteer {VOLUNTEER}", console.button("Claim"))
    await console.say("I'm here with you.")
    [relayed] = [t for t in console.outbound_text(dm_to=MEMBER) if "I'm here with you." in t]
    assert first_is_crisis(relayed, "I'm here with you.")

    await console.say("/checkin close")
    [closed] = [t for t in console.outbound_text(dm_to=MEMBER) if "has closed this" in t]
    assert first_is_crisis(closed, "The volunteer has closed this conversation")
    assert catalog.text("en", "crisis.stage_closed") in closed


async def test_the_member_closing_a_flagged_checkin_keeps_the_lines(console: Console) -> None:
    await open_checkin(console, DANGER)
    await console.press("Send to volunteers")
    closed = await console.say("/checkin close")
    assert first_is_crisis(closed, "Closed. Thank you for reaching out.")


async def test_an_ordinary_checkin_gets_no_lines_in_its_replies(console: Console) -> None:
    await volunteer_on(console)
    await open_checkin(console, "My manager talks over me in meetings.")
    assert TITLE not in await console.press("Send to volunteers")
    assert TITLE not in await console.say("Are you there?")
    assert TITLE not in await console.say("/checkin")


async def test_a_blocked_member_is_shown_the_lines_the_refusal_points_to(
    console: Console, clock: ManualClock
) -> None:
    await open_checkin(console, "")
    await console.press("Send to volunteers")
    await console.say(f"/as volunteer {VOLUNTEER}", console.button("Claim"))
    await console.press("Block this pseudonym")
    clock.advance(minutes=10)
    refused = await console.say(f"/as member {MEMBER}", "/checkin")
    assert first_is_crisis(refused, "Volunteers cannot take a new check-in from you")
    assert "Find A Helpline" in refused


async def test_a_known_region_starts_with_its_emergency_number(console: Console) -> None:
    console.session._locale = "en-GB"
    summary = await open_checkin(console, DANGER)
    block = summary[summary.find(TITLE) :]
    assert block.index("call 999 now") < block.index("Samaritans") < block.index("Find A Helpline")


async def test_an_unknown_region_starts_with_the_international_line(console: Console) -> None:
    summary = await open_checkin(console, DANGER)
    block = summary[summary.find(TITLE) :]
    assert "call 999" not in block
    assert block.index("Find A Helpline") < block.index("your local emergency number")


async def test_the_configured_region_wins_over_the_members_locale(
    settings: Settings, clock: ManualClock
) -> None:
    configured = replace(settings, desk=replace(settings.desk, crisis_region="gb"))
    console = await build_console(configured, clock, sqlite=False)
    try:
        console.session._locale = "en-US"
        summary = await open_checkin(console, DANGER)
        assert summary[summary.find(TITLE) :].index("call 999 now") < summary.find("Samaritans")
    finally:
        await console.close()


def test_a_region_without_a_number_starts_with_the_international_line(console: Console) -> None:
    text = crisis_section(texts(console), "en", "FR", Stage.SENT).text
    assert "call 999" not in text
    assert text.index("Find A Helpline") < text.index("your local emergency number")


async def test_later_messages_use_the_members_region(console: Console) -> None:
    console.session._locale = "en-GB"
    await volunteer_on(console)
    await open_checkin(console, DANGER)
    await console.press("Send to volunteers")
    await console.say(f"/as volunteer {VOLUNTEER}", console.button("Claim"))
    await console.say("Hello, I'm here.")
    [relayed] = [t for t in console.outbound_text(dm_to=MEMBER) if "Hello, I'm here." in t]
    assert "call 999 now" in relayed


async def press(console: Console, kind: str, checkin_id: str) -> Reply:
    actor = Actor("console", MEMBER, display_name=MEMBER.capitalize())
    return await console.runtime.app.press(actor, f"{kind}|{checkin_id}")


async def draft_id(console: Console) -> str:
    drafts = await console.runtime.store.checkins.member_checkins(f"console:{MEMBER}")
    return drafts[-1].id


async def test_send_settles_the_summary_and_a_second_press_is_harmless(console: Console) -> None:
    await open_checkin(console, DANGER)
    checkin_id = await draft_id(console)
    sent = await press(console, CONFIRM, checkin_id)
    assert sent.pressed is not None and sent.pressed.actions == ()
    settled = sent.pressed.text()
    assert first_is_crisis(settled, "Please check before sending")
    assert "Sent to the volunteers as Member" in settled
    assert texts(console).text("en", "crisis.stage_sent") in settled

    again = await press(console, CONFIRM, checkin_id)
    assert "Already sent" in again.text() and again.pressed is not None
    assert again.pressed.actions == () and again.actions == ()
    cancel_after = await press(console, CANCEL, checkin_id)
    assert "Already sent" in cancel_after.text()
    [checkin] = await console.runtime.store.checkins.member_checkins(f"console:{MEMBER}")
    assert checkin.status is CheckinStatus.OPEN


async def test_cancel_settles_the_summary_and_send_afterwards_sends_nothing(
    console: Console,
) -> None:
    await open_checkin(console, DANGER)
    checkin_id = await draft_id(console)
    cancelled = await press(console, CANCEL, checkin_id)
    assert cancelled.pressed is not None and cancelled.pressed.actions == ()
    settled = cancelled.pressed.text()
    assert "Not sent." in settled
    assert texts(console).text("en", "crisis.stage_not_sent") in settled
    late = await press(console, CONFIRM, checkin_id)
    assert "not available" in late.text()
    assert await console.runtime.store.checkins.member_checkins(f"console:{MEMBER}") == []


def test_stage_texts_differ(console: Console) -> None:
    catalog = texts(console)
    stages = {crisis_section(catalog, "en", None, stage).text for stage in Stage}
    assert len(stages) == len(Stage)


async def test_in_the_console_a_used_send_no_longer_presses(console: Console) -> None:
    await open_checkin(console, "")
    send = console.button("Send to volunteers")
    cancelled = await console.press("Don't send")
    assert "Not sent" in cancelled
    again = await console.say(send)
    assert "nothing to press" in again
    assert await console.runtime.store.checkins.member_checkins(f"console:{MEMBER}") == []
