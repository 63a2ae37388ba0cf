"""The check-in desk through the console: the whole flow, anonymity, crisis, escalation."""

from __future__ import annotations

import logging

import pytest
from harness import Console

from bot.core.clock import ManualClock
from bot.core.models import CheckinStatus

MEMBER = "zephyrine"  # a name that cannot appear by accident in any copy
VOLUNTEER = "val"


async def open_checkin(
    console: Console, text: str, *, anonymous: bool = True, urgency: int = 1
) -> str:
    await console.say(f"/as member {MEMBER}", "/checkin")
    return await console.say(text or "-", "1", str(urgency), "1" if anonymous else "2")


async def volunteer_on(console: Console, name: str = VOLUNTEER) -> None:
    await console.say(f"/as volunteer {name}", "/volunteer on")


async def test_open_card_claim_relay_close_rate(console: Console) -> None:
    await volunteer_on(console)
    summary = await open_checkin(console, "Someone keeps mocking my accent in voice chat.")
    assert "Please check before sending" in summary
    assert not console.outbound_text(to_volunteers=True), (
        "nothing reaches volunteers before confirming"
    )

    received = await console.press("Send to volunteers")
    assert "Received and stored safely" in received
    card = console.outbound_text(to_volunteers=True)
    assert len(card) == 1 and "Claim" in card[0] and "Harassment or abuse" in card[0]
    assert "mocking my accent" not in card[0], "the card never carries the member's words"

    claimed = await console.say(f"/as volunteer {VOLUNTEER}", console.button("Claim"))
    assert "You claimed Member" in claimed
    details = console.outbound_text(dm_to=VOLUNTEER)
    assert any("mocking my accent" in d for d in details), "the claimer gets the details privately"
    assert any("Val, a volunteer, has picked up" in t for t in console.outbound_text(dm_to=MEMBER))

    await console.say("I'm here. Do you want to tell me more?")
    assert any("Do you want to tell me more?" in t for t in console.outbound_text(dm_to=MEMBER))
    await console.say(f"/as member {MEMBER}", "It happens every evening.")
    assert any("It happens every evening." in t for t in console.outbound_text(dm_to=VOLUNTEER))

    closed = await console.say("/checkin close")
    assert "Closed. Thank you for reaching out." in closed
    assert any("closed the conversation" in t for t in console.outbound_text(dm_to=VOLUNTEER))
    assert any("how helpful this was" in t for t in console.outbound_text(dm_to=MEMBER))
    thanks = await console.say(console.button_exact("4"))
    assert "Thank you. Take care." in thanks
    [checkin] = await console.runtime.store.checkins.member_checkins(f"console:{MEMBER}")
    assert checkin.status is CheckinStatus.CLOSED and checkin.rating == 4
    assert await console.runtime.store.outbox.pending_outbox_count() == 0


async def test_anonymous_member_is_never_named_to_volunteers(console: Console) -> None:
    await volunteer_on(console)
    await open_checkin(
        console, f"This is {MEMBER.upper()}? no, forget it.".replace(MEMBER.upper(), "me")
    )
    await console.press("Send to volunteers")
    await console.say(f"/as volunteer {VOLUNTEER}", console.button("Claim"))
    await console.say("Hello, how can I help?")
    await console.say(f"/as member {MEMBER}", "Thank you for answering.", "/checkin close")
    volunteer_side = console.outbound_text(to_volunteers=True) + console.outbound_text(
        dm_to=VOLUNTEER
    )
    assert len(volunteer_side) >= 4
    for text in volunteer_side:
        lowered = text.lower()
        assert MEMBER not in lowered and f"console:{MEMBER}" not in lowered


async def test_shared_name_reaches_only_the_claimer(console: Console) -> None:
    await volunteer_on(console)
    await open_checkin(console, "", anonymous=False)
    await console.press("Send to volunteers")
    await console.say(f"/as volunteer {VOLUNTEER}", console.button("Claim"))
    assert all(MEMBER not in t.lower() for t in console.outbound_text(to_volunteers=True))
    assert any("share their name: Zephyrine" in t for t in console.outbound_text(dm_to=VOLUNTEER))


async def test_the_form_is_not_sent_until_identity_is_chosen(console: Console) -> None:
    reply = await console.runtime.app.submit_form(
        _member(), "checkin.form", {"text": "hi", "category": "other", "urgency": "today"}
    )
    assert reply.form is not None, "the form comes back"
    assert "Nothing has been sent" in reply.text()
    assert await console.runtime.store.checkins.member_checkins(f"console:{MEMBER}") == []


@pytest.mark.parametrize(
    ("text", "urgency", "locale"),
    [
        ("Honestly I want to die", 1, None),
        ("i keep thinking about SUICIDE lately", 2, None),
        ("I am not safe at home tonight", 1, None),
        ("", 4, None),  # urgency "right now, I am not safe"
        ("Ya no quiero seguir, pienso en suicidarme", 1, "es"),
    ],
)
async def test_each_crisis_rule_puts_crisis_lines_first(
    console: Console, text: str, urgency: int, locale: str | None
) -> None:
    await volunteer_on(console)
    console.session._locale = locale  # the member's platform locale
    catalog = console.runtime.content.current
    lang = catalog.locale_for(locale)
    crisis_title = catalog.text(lang, "crisis.title")
    summary = await open_checkin(console, text, urgency=urgency)
    crisis_at = summary.find(crisis_title)
    assert crisis_at != -1 and crisis_at < summary.find(catalog.text(lang, "checkin.summary_title"))
    assert "Find A Helpline" in summary
    assert catalog.text(lang, "crisis.not_a_service") in summary
    received = await console.press(catalog.text(lang, "checkin.confirm_button"))
    received_at = received.find(catalog.text(lang, "checkin.received", pseudonym="Member")[:20])
    assert -1 < received.find(crisis_title) < received_at
    assert any("Safety concern" in t for t in console.outbound_text(to_volunteers=True))


async def test_crisis_lines_stay_when_the_member_cancels(console: Console) -> None:
    summary = await open_checkin(console, "I might hurt myself", urgency=1)
    assert "If you are in danger right now" in summary
    cancelled = await console.press("Don't send")
    assert "If you are in danger right now" in cancelled and "Not sent" in cancelled


async def test_an_ordinary_request_shows_no_crisis_lines(console: Console) -> None:
    summary = await open_checkin(console, "A coworker keeps making remarks about my hijab.")
    assert "If you are in danger right now" not in summary


async def test_crisis_requests_jump_the_queue(console: Console, clock: ManualClock) -> None:
    await open_checkin(console, "Remarks at work again.")
    await console.press("Send to volunteers")
    await console.say("/checkin close")
    clock.advance(minutes=6)
    await console.say("/as member other")
    await console.say("/checkin", "I want to die", "1", "1", "1")
    await console.press("Send to volunteers")
    clock.advance(minutes=1)
    await console.say("/as member third", "/checkin", "-", "1", "1", "1")
    await console.press("Send to volunteers")
    queue = await console.runtime.store.checkins.unclaimed()
    assert [c.crisis for c in queue] == [True, False]


async def test_nobody_on_duty_is_said_honestly(console: Console) -> None:
    await open_checkin(console, "")
    received = await console.press("Send to volunteers")
    assert "no volunteer is on duty right now" in received
    assert "Keep it open" in received and "Withdraw" in received
    kept = await console.press("Keep it open")
    assert "Your request stays open" in kept
    [checkin] = await console.runtime.store.checkins.member_checkins(f"console:{MEMBER}")
    assert checkin.status is CheckinStatus.OPEN


async def test_unclaimed_requests_escalate_to_leads(console: Console, clock: ManualClock) -> None:
    await volunteer_on(console)
    await open_checkin(console, "")
    await console.press("Send to volunteers")
    clock.advance(minutes=9)
    assert await console.runtime.escalation.tick() == 0
    clock.advance(minutes=2)
    assert await console.runtime.escalation.tick() == 1
    await console.runtime.deliveries.drain()
    cards = [o for o in console.sent if o.destination.kind == "volunteers"]
    assert len(cards) == 2 and cards[1].mention_leads and not cards[0].mention_leads
    assert "Still waiting" in cards[1].reply.text() and "Waiting: 11 min" in cards[1].reply.text()
    assert await console.runtime.escalation.tick() == 0, "not again until another interval passes"


async def test_one_open_checkin_and_a_cooldown(console: Console, clock: ManualClock) -> None:
    await open_checkin(console, "")
    await console.press("Send to volunteers")
    again = await console.say("/checkin")
    assert "You already have a check-in open" in again
    await console.say("/checkin close")
    cooling = await console.say("/checkin")
    assert "You can open a new one in 5 minute(s)" in cooling
    clock.advance(minutes=6)
    assert "Talk to a volunteer" in await console.say("/checkin")


async def test_only_volunteers_can_claim_and_nothing_changes(console: Console) -> None:
    await open_checkin(console, "")
    await console.press("Send to volunteers")
    refused = await console.say("/as member nosy", console.button("Claim"))
    assert "Only volunteers can do that." in refused
    [checkin] = await console.runtime.store.checkins.member_checkins(f"console:{MEMBER}")
    assert checkin.status is CheckinStatus.OPEN and checkin.claimed_by == ""


async def test_a_second_claim_is_told_it_was_taken(console: Console) -> None:
    await open_checkin(console, "")
    await console.press("Send to volunteers")
    claim = console.button("Claim")
    await console.say("/as volunteer first", claim)
    second = await console.say("/as volunteer second", claim)
    assert "Someone else has already claimed this check-in." in second


async def test_moderator_commands_are_refused_to_members(console: Console) -> None:
    for command in ("/audit", "/reload", "/stats"):
        assert "Only moderators can do that." in await console.say(f"/as member {MEMBER}", command)


async def test_audit_lists_who_claimed_and_closed_without_content(console: Console) -> None:
    await open_checkin(console, "very private words")
    await console.press("Send to volunteers")
    await console.say(f"/as volunteer {VOLUNTEER}", console.button("Claim"), "/checkin close")
    audit = await console.say("/as moderator mo", "/audit")
    assert "claimed · Val" in audit and "closed · Val" in audit
    assert "very private words" not in audit and MEMBER not in audit.lower()


async def test_blocked_pseudonym_cannot_open_again(console: Console, clock: ManualClock) -> None:
    await open_checkin(console, "")
    await console.press("Send to volunteers")
    await console.say(f"/as volunteer {VOLUNTEER}", console.button("Claim"))
    blocked = await console.press("Block this pseudonym")
    assert "You have not been told who it is" in blocked
    clock.advance(minutes=10)
    refused = await console.say(f"/as member {MEMBER}", "/checkin")
    assert "Volunteers cannot take a new check-in from you" in refused


async def test_mydata_export_and_delete(console: Console) -> None:
    await open_checkin(console, "my own words")
    await console.press("Send to volunteers")
    exported = await console.say("/mydata export")
    assert "my own words" in exported
    await console.say("/mydata delete")
    done = await console.press("Erase my data")
    assert "1 check-in(s) cleared" in done
    assert await console.runtime.store.checkins.member_checkins(f"console:{MEMBER}") == []
    assert "my own words" not in await console.say("/mydata export")


async def test_check_in_figures_join_the_stats(console: Console, clock: ManualClock) -> None:
    for i in range(5):
        await console.say(f"/as member m{i}", "/checkin", "-", "1", "1", "1")
        await console.press("Send to volunteers")
        clock.advance(minutes=2)
        await console.say(f"/as volunteer v{i}", console.button("Claim"), "/checkin close")
    report = await console.say("/as moderator mo", "/stats")
    assert "Opened: 5 · claimed: 5 · closed: 5" in report
    assert "Median minutes to claim: 2" in report


async def test_no_checkin_text_in_logs(console: Console, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await volunteer_on(console)
    await open_checkin(console, "words that must never be logged")
    await console.press("Send to volunteers")
    await console.say(
        f"/as volunteer {VOLUNTEER}", console.button("Claim"), "a relayed reply never logged"
    )
    assert caplog.records, "the flow logs something, so the scan means something"
    assert "never be logged" not in caplog.text and "relayed reply" not in caplog.text
    assert MEMBER not in caplog.text.lower()


def _member() -> object:
    from bot.core.actors import Actor

    return Actor("console", MEMBER, display_name=MEMBER.capitalize())
