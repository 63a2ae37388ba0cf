"""`/upstander setup` in the console, and what the settings change: who may set them,
validation, the desk's escalation delay and cooldown per community, and the honest
answer at /checkin where no volunteers' channel is set (on SQLite too)."""

from __future__ import annotations

from datetime import UTC, datetime

from harness import Console

from bot.core.actors import Actor
from bot.core.clock import ManualClock
from bot.core.settings import CommunitySettings

MEMBER = "zephyrine"


async def test_admins_change_settings_moderators_see_them_members_are_refused(
    console: Console,
) -> None:
    await console.say("/as member mia")
    assert "Only this community's admins" in await console.say("/upstander setup cooldown=1")
    assert "Only this community's admins" in await console.say("/upstander setup")
    await console.say("/as moderator mo")
    assert "Volunteers' channel: #volunteers" in await console.say("/upstander setup")
    assert "Only this community's admins" in await console.say("/setup cooldown=1")

    await console.say("/as admin ada")
    refused = await console.say("/setup cooldown=abc escalation=0 colour=blue")
    assert "Not a setting: colour=blue" in refused
    refused = await console.say("/setup cooldown=abc escalation=0")
    assert "The cooldown must be a whole number of minutes." in refused
    refused = await console.say("/setup escalation=0 region=XX language=de")
    assert "The escalation delay must be from 1 to 1440 minutes." in refused
    assert "no crisis lines for the region XX" in refused and "language de" in refused
    assert await console.runtime.store.settings.get("console") is None

    saved = await console.say("/upstander setup cooldown=0 escalation=2 region=gb language=es")
    # Shown back in the community's new default language.
    assert "Guardado" in saved and "crisis: GB" in saved
    stored = await console.runtime.store.settings.get("console")
    assert stored == CommunitySettings(
        volunteers_channel="volunteers",
        crisis_region="GB",
        language="es",
        escalation_minutes=2,
        cooldown_minutes=0,
    )


async def test_the_desk_takes_the_communitys_escalation_delay_and_cooldown(
    console: Console, clock: ManualClock
) -> None:
    await console.say("/as admin ada", "/setup escalation=2 cooldown=0")
    await console.say(f"/as member {MEMBER}", "/checkin", "help", "1", "1", "1")
    await console.press("Send to volunteers")
    clock.advance(minutes=1)
    assert await console.runtime.escalation.tick() == 0
    clock.advance(minutes=1, seconds=1)
    assert await console.runtime.escalation.tick() == 1, "2 minutes, not the default 10"

    await console.say("/checkin close")
    # No cooldown in this community: a new check-in can be opened at once.
    reopened = await console.say("/checkin")
    assert "closed a check-in a moment ago" not in reopened
    assert "What is going on?" in reopened, "the form again"


async def test_checkin_where_no_channel_is_set_is_honest_with_crisis_lines_first(
    sqlite_console: Console,
) -> None:
    console = sqlite_console
    at = datetime(2026, 1, 1, tzinfo=UTC)
    await console.runtime.app.services.setup.book.save("console", CommunitySettings(), "ada", at)
    answer = await console.say(f"/as member {MEMBER}", "/checkin")
    assert "not set up in this community" in answer
    assert answer.index("emergency") < answer.index("not set up"), "crisis lines first"
    assert "In the meantime" in answer
    assert await console.runtime.store.checkins.member_checkins(f"console:{MEMBER}") == []

    # Another community of the same platform, with nothing stored: not set up either,
    # while the environment's community keeps working once its channel is back.
    elsewhere = Actor("console", "someone", community="console:elsewhere")
    reply = await console.runtime.app.checkin(elsewhere)
    assert reply.form is None and "not set up" in reply.text()
    await console.runtime.app.services.setup.book.save(
        "console", CommunitySettings(volunteers_channel="volunteers"), "ada", at
    )
    assert (await console.runtime.app.checkin(Actor("console", MEMBER))).form is not None
