"""Handover, leads returning a check-in to the queue, idle close, anonymous volunteers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from harness import Console

from bot.bootstrap import build
from bot.config import Settings
from bot.core.actors import Actor
from bot.core.clock import ManualClock
from bot.core.models import CheckIn, CheckinStatus

MEMBER = "zephyrine"  # a name that cannot appear by accident in any copy
WORDS = "Someone keeps mocking my accent in voice chat."


async def open_and_claim(
    console: Console, volunteer: str = "val", *, text: str = WORDS, urgency: int = 1
) -> None:
    await console.say(f"/as volunteer {volunteer}", "/volunteer on")
    await console.say(f"/as member {MEMBER}", "/checkin", text, "1", str(urgency), "1")
    await console.press("Send to volunteers")
    claimed = await console.say(f"/as volunteer {volunteer}", console.button("Claim"))
    assert "You claimed Member" in claimed


async def the_checkin(console: Console) -> CheckIn:
    [checkin] = await console.runtime.store.checkins.member_checkins(f"console:{MEMBER}")
    return checkin


async def audit_lines(console: Console) -> list[tuple[str, str]]:
    return [
        (e.action, e.by) for e in await console.runtime.store.audit.audit_entries("console", 20)
    ]


def copy(console: Console, key: str, **params: object) -> str:
    catalog = console.runtime.content.current
    return catalog.text(catalog.default_locale, key, **params)


async def test_going_off_duty_asks_and_handing_back_requeues_with_nothing_lost(
    console: Console,
) -> None:
    await open_and_claim(console)
    await console.say(f"/as member {MEMBER}", "It happens every evening.")
    asked = await console.say("/as volunteer val", "/volunteer off")
    assert "Hand it back so that another volunteer can pick it up?" in asked
    assert "Hand it back" in asked and "Keep it for now" in asked
    assert (await the_checkin(console)).status is CheckinStatus.CLAIMED, "asked, not done"

    handed = await console.press("Hand it back")
    assert "is back in the queue" in handed
    checkin = await the_checkin(console)
    assert checkin.status is CheckinStatus.OPEN and checkin.claimed_by == ""
    assert checkin.text == WORDS and checkin.member == f"console:{MEMBER}"

    to_volunteers = [o for o in console.sent if o.destination.kind == "volunteers"]
    retired, repost = to_volunteers[-2:]
    assert retired.update_ref and copy(console, "card.requeued") in retired.reply.text()
    assert not repost.update_ref and "Claim" in [a.label for a in repost.reply.actions]
    assert WORDS not in repost.reply.text(), "the new card never carries the member's words"
    assert any("had to step away" in t for t in console.outbound_text(dm_to=MEMBER))
    assert ("handed_back", "Val") in await audit_lines(console)

    # The next volunteer claims it like any card, and gets the details privately.
    await open_claim_as(console, "vic")
    assert any(WORDS in t for t in console.outbound_text(dm_to="vic"))
    assert any("Vic, a volunteer, has picked up" in t for t in console.outbound_text(dm_to=MEMBER))
    await console.say(f"/as member {MEMBER}", "Are you still there?")
    assert any("Are you still there?" in t for t in console.outbound_text(dm_to="vic"))
    assert not any("Are you still there?" in t for t in console.outbound_text(dm_to="val"))
    # The volunteer who handed it back no longer talks to the member.
    late = await console.say("/as volunteer val", "One more thing")
    assert copy(console, "relay.nothing_open") in late
    assert not any("One more thing" in t for t in console.outbound_text(dm_to=MEMBER))


async def open_claim_as(console: Console, volunteer: str) -> None:
    claimed = await console.say(f"/as volunteer {volunteer}", console.button("Claim"))
    assert "You claimed Member" in claimed
    checkin = await the_checkin(console)
    assert checkin.claimed_by == f"console:{volunteer}"


async def test_keeping_the_conversation_changes_nothing_but_duty(console: Console) -> None:
    await open_and_claim(console)
    await console.say("/volunteer off")
    kept = await console.press("Keep it for now")
    assert "You still have Member" in kept
    checkin = await the_checkin(console)
    assert checkin.status is CheckinStatus.CLAIMED and checkin.claimed_by == "console:val"
    assert not await console.runtime.store.volunteers.is_available("console:val")


async def test_only_the_claimer_can_hand_back(console: Console) -> None:
    await open_and_claim(console)
    await console.say("/volunteer off")
    hand_back = console.session.action_for(console.button("Hand it back"))
    keep = console.session.action_for(console.button("Keep it for now"))
    assert hand_back and keep
    # Another volunteer replays val's buttons: the core checks who presses, not the screen.
    await console.say("/as volunteer vic")
    vic = Actor("console", "vic", display_name="Vic")
    refused = await console.runtime.app.press(vic, hand_back)
    assert "is no longer yours to hand back" in refused.text()
    refused = await console.runtime.app.press(vic, keep)
    assert copy(console, "error.checkin_gone") in refused.text()
    assert (await the_checkin(console)).status is CheckinStatus.CLAIMED


async def test_a_crisis_checkin_handed_back_keeps_its_place_and_its_lines(
    console: Console, clock: ManualClock
) -> None:
    await console.say("/as member early", "/checkin", "-", "1", "1", "1")
    await console.press("Send to volunteers")
    clock.advance(minutes=1)
    await open_and_claim(console, text="I am not safe at home tonight")
    assert (await the_checkin(console)).crisis
    await console.say("/volunteer off")
    await console.press("Hand it back")
    queue = await console.runtime.store.checkins.unclaimed()
    assert [c.crisis for c in queue] == [True, False], "crisis first, as a new card"
    repost = [o for o in console.sent if o.destination.kind == "volunteers"][-1]
    assert "Safety concern" in repost.reply.text()
    [notice] = [t for t in console.outbound_text(dm_to=MEMBER) if "had to step away" in t]
    crisis_at = notice.find(copy(console, "crisis.title"))
    assert -1 < crisis_at < notice.find("had to step away"), "crisis lines come first"


async def test_only_leads_return_a_claimed_checkin_to_the_queue(console: Console) -> None:
    await open_and_claim(console)
    on_card = console.button("Return to queue")
    refused = await console.say("/as volunteer vic", on_card)
    assert "Only volunteer leads can do that." in refused
    refused = await console.say(f"/as member {MEMBER}", on_card)
    assert "Only volunteer leads can do that." in refused
    assert (await the_checkin(console)).status is CheckinStatus.CLAIMED

    asked = await console.say("/as lead lea", on_card)
    assert "Return Member" in asked and "Val and the member will be told" in asked
    assert "Nothing changed." in await console.press("Leave it")
    assert (await the_checkin(console)).status is CheckinStatus.CLAIMED

    await console.say(on_card)
    done = await console.say(console.button("Return to queue"))
    assert "is back in the queue" in done
    assert (await the_checkin(console)).status is CheckinStatus.OPEN
    assert any("A lead returned Member" in t for t in console.outbound_text(dm_to="val"))
    assert any("had to step away" in t for t in console.outbound_text(dm_to=MEMBER))
    assert ("requeued", "Lea") in await audit_lines(console)

    again = await console.say(on_card)
    assert "is not claimed by anyone right now" in again


async def test_a_quiet_conversation_is_reminded_then_closed(
    console: Console, clock: ManualClock
) -> None:
    await open_and_claim(console, text="I do not feel safe, I want to die")
    idle = console.runtime.idle
    assert idle is not None
    clock.advance(hours=47)
    assert await idle.idle_round() == 0
    clock.advance(hours=2)
    assert await idle.idle_round() == 1
    await console.runtime.deliveries.drain()
    [reminder] = [t for t in console.outbound_text(dm_to=MEMBER) if "quiet here" in t]
    assert "about 24 hours" in reminder
    assert -1 < reminder.find(copy(console, "crisis.title")) < reminder.find("quiet here")
    assert any("has been quiet" in t for t in console.outbound_text(dm_to="val"))
    assert await idle.idle_round() == 0, "one reminder"

    # A message from either side starts the clock again and withdraws the reminder.
    await console.say(f"/as member {MEMBER}", "Sorry, I'm still here.")
    clock.advance(hours=47)
    assert await idle.idle_round() == 0
    clock.advance(hours=2)
    assert await idle.idle_round() == 1, "reminded again"
    clock.advance(hours=22)
    assert await idle.idle_round() == 0, "not before the whole period"
    clock.advance(hours=2)
    assert await idle.idle_round() == 1
    checkin = await the_checkin(console)
    assert checkin.status is CheckinStatus.CLOSED and checkin.closed_by == "system"
    await console.runtime.deliveries.drain()
    [closed] = [t for t in console.outbound_text(dm_to=MEMBER) if "long quiet spell" in t]
    assert -1 < closed.find(copy(console, "crisis.title")) < closed.find("long quiet spell")
    assert any("closed after a long quiet spell" in t for t in console.outbound_text(dm_to="val"))
    actions = [a.action for a in await console.runtime.store.audit.audit_entries("console", 10)]
    assert actions.count("idle_reminded") == 2 and actions[0] == "idle_closed"
    assert await idle.idle_round() == 0


async def test_the_idle_pass_is_a_job_one_process_runs_per_period(
    console: Console, settings: Settings, clock: ManualClock
) -> None:
    await open_and_claim(console)
    clock.advance(hours=49)
    runtime = console.runtime
    other = await build(settings, store=runtime.store, clock=clock, content=runtime.content)
    assert "idle-close" in await other.jobs.run_due()
    assert "idle-close" not in await runtime.jobs.run_due(), "the other's lease"
    assert other.desk.outbox_changed.is_set(), "the reminders wake the outbox worker"
    actions = [a.action for a in await runtime.store.audit.audit_entries("console", 10)]
    assert actions.count("idle_reminded") == 1


async def test_after_downtime_the_reminder_still_comes_before_the_close(
    console: Console, clock: ManualClock
) -> None:
    await open_and_claim(console)
    idle = console.runtime.idle
    assert idle is not None
    clock.advance(hours=200)
    assert await idle.idle_round() == 1
    assert (await the_checkin(console)).status is CheckinStatus.CLAIMED, "reminded first"
    clock.advance(hours=23)
    assert await idle.idle_round() == 0
    clock.advance(hours=1)
    assert await idle.idle_round() == 1
    assert (await the_checkin(console)).status is CheckinStatus.CLOSED


async def test_an_anonymous_volunteer_is_a_volunteer_to_members_and_named_to_leads(
    console: Console,
) -> None:
    await console.say("/as volunteer val")
    val = Actor("console", "val", display_name="Val")
    said = await console.runtime.app.volunteer(val, "anonymous on")
    assert copy(console, "volunteer.anonymous_on") in said.text()
    await open_and_claim(console)
    await console.say("I'm here. Do you want to tell me more?")
    to_member = console.outbound_text(dm_to=MEMBER)
    assert any("A volunteer has picked up" in t for t in to_member)
    assert any("Do you want to tell me more?" in t for t in to_member)
    assert not any("Val" in t for t in to_member), to_member
    assert ("claimed", "Val") in await audit_lines(console)

    said = await console.runtime.app.volunteer(val, "anonymous off")
    assert copy(console, "volunteer.anonymous_off") in said.text()
    await console.say("I can share my name now.")
    assert any("Val (volunteer)" in t for t in console.outbound_text(dm_to=MEMBER))


async def test_members_cannot_set_volunteer_anonymity(console: Console) -> None:
    member = Actor("console", MEMBER, display_name="Z")
    refused = await console.runtime.app.volunteer(member, "anonymous on")
    assert "Only volunteers can do that." in refused.text()
    assert not await console.runtime.store.volunteers.volunteer_anonymous(f"console:{MEMBER}")


@pytest.mark.parametrize(("raw", "hours"), [("", 72), ("12", 12), ("0", 0)])
def test_idle_close_hours_come_from_the_environment(raw: str, hours: int) -> None:
    env = {"UPSTANDER_IDLE_CLOSE_HOURS": raw} if raw else {}
    assert Settings.from_env(env).desk.idle_close == timedelta(hours=hours)


async def test_handover_and_idle_close_on_sqlite(
    sqlite_console: Console, clock: ManualClock
) -> None:
    console = sqlite_console
    await open_and_claim(console)
    await console.say("/volunteer off")
    await console.press("Hand it back")
    assert (await the_checkin(console)).status is CheckinStatus.OPEN
    await open_claim_as(console, "vic")
    idle = console.runtime.idle
    assert idle is not None
    clock.advance(hours=49)
    assert await idle.idle_round() == 1
    clock.advance(hours=24)
    assert await idle.idle_round() == 1
    checkin = await the_checkin(console)
    assert checkin.status is CheckinStatus.CLOSED and checkin.closed_by == "system"
    actions = {action for action, _ in await audit_lines(console)}
    assert {"handed_back", "idle_reminded", "idle_closed"} <= actions
